"""Request bodies, with the limits that keep one caller from sending the server a novel.

The engine validates names and images itself (and says why); these models only bound
sizes and shapes, so a bad request is refused before anything is read from AWS.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

EnvKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=128)]
EnvValue = Annotated[str, StringConstraints(max_length=4096)]


class PutEnvironment(BaseModel):
    """Create the environment, or deploy ``image`` to it when it exists (idempotent)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v2",
                    "env": {"LOG_LEVEL": "debug"},
                }
            ]
        },
    )

    image: Annotated[str, StringConstraints(min_length=1, max_length=255)] = Field(
        description="Container image URI for the target container."
    )
    alias: Annotated[str, StringConstraints(min_length=1, max_length=63)] | None = Field(
        default=None, description="Short name to use instead of the branch's slug."
    )
    env: dict[EnvKey, EnvValue] = Field(
        default_factory=dict, max_length=100, description="Extra environment variables."
    )
    dry_run: bool = Field(default=False, description="Plan only: return the plan, change nothing.")
    keep_on_failure: bool = Field(
        default=False, description="Keep what was made when a step fails (for debugging)."
    )


class EnvironmentSummary(BaseModel):
    """One environment in the lean list (``view=summary``)."""

    profile: str
    name: str
    branch: str
    host: str
    url: str
    status: str = Field(description="creating, ready, failed or deleting.")
    image: str = Field(description="The image the (first) service runs.")
    created_at: float = Field(description="Epoch seconds.")
    last_deploy_at: float | None = Field(description="Epoch seconds.")
    expires_at: float | None = Field(
        description="When the stale cleaner may delete it (epoch seconds); null when pinned."
    )
    pinned: bool
    power: str = Field(
        default="awake", description="awake, sleeping or waking (see /api/v1/sleeping)."
    )


class EnvironmentList(BaseModel):
    """A page of environments, by profile and then by name."""

    profiles: list[str] = Field(description="The profiles listed (all of the server's, or one).")
    environments: list[EnvironmentSummary | dict[str, Any]] = Field(
        description="view=summary: the fields of EnvironmentSummary; view=full: the whole "
        "record as GET /environments/{name} shows it (without its history); with "
        "health=true each also has health, drift and status_error."
    )
    next: str | None = Field(
        description="The URL of the next page (also in the Link header); null on the last."
    )
    next_cursor: str | None = Field(description="The cursor in `next`, for ?cursor=.")


class ErrorBody(BaseModel):
    """Every error the API returns (the 2019 routes use their own shape)."""

    error: str
    message: str
    hint: str | None = None
    where: str | None = None


class LegacyBody(BaseModel):
    """The 2019 API's answer, kept exactly for the CI scripts that parse it."""

    status: str
    message: str
    name: str | None
    cname: str | None


NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the ETag in If-None-Match is current (no body)."}
}

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid API key."},
    403: {"model": ErrorBody, "description": "The API key is read-only."},
    404: {"model": ErrorBody, "description": "No such environment or profile."},
    413: {"model": ErrorBody, "description": "The body is larger than the server accepts."},
    422: {"model": ErrorBody, "description": "The input cannot be used; the message says why."},
    502: {"model": ErrorBody, "description": "AWS refused a call; what ran was undone."},
}
