"""Bodies of ``/api/v1/vars/{name}``: what a client sends, and what it gets back.

The answers are declared (not ``dict``) so the OpenAPI description says exactly what a
client may rely on; tests/integration/api/test_api_vars.py checks each real answer
against it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from eden.api.models import EnvKey, EnvValue

ValueFrom = Annotated[str, StringConstraints(min_length=1, max_length=2048)]
_SECRET_EXAMPLE = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:previews/db-AbCdEf"


class PutVars(BaseModel):
    """Variables to set on the environment; the ones not named are kept."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"env": {"LOG_LEVEL": "debug"}, "secrets": {"DB_PASSWORD": _SECRET_EXAMPLE}}
            ]
        },
    )

    env: dict[EnvKey, EnvValue] = Field(
        default_factory=dict, max_length=100, description="Plain values (kept in the task "
        "definition and eden's state as they are: put secrets in `secrets`)."
    )  # fmt: skip
    secrets: dict[EnvKey, ValueFrom] = Field(
        default_factory=dict,
        max_length=100,
        description="Secrets ECS reads when a task starts: a Secrets Manager secret's ARN "
        "(optionally :json-key:version-stage:version-id), or an SSM parameter's ARN or name.",
    )


class Var(BaseModel):
    """One of the environment's own variables."""

    name: str
    kind: Literal["value", "secret"]
    value: str | None = Field(
        description="A plain value; `****` when its name looks like a secret (unless "
        "show_values), the URL's password hidden; null for a secret."
    )
    value_from: str | None = Field(
        description="Where ECS reads a secret from (an ARN or parameter name: a name, not "
        "the value); null for a plain value."
    )
    redacted: bool = Field(description="Whether `value` is shown redacted.")


class VarsView(BaseModel):
    """The environment's own variables, kept across deploys."""

    env: str = Field(description="The environment's name.")
    vars: list[Var]
    pending: bool = Field(
        description="Changed with deploy=false and not deployed yet: the next deploy sets them."
    )
    last_deploy_env: dict[str, str] = Field(
        description="The last deploy's one-off `env` (PUT /environments), redacted likewise."
    )


class VarsChanged(VarsView):
    """What a change did: the variables after it, and the deploy that set them."""

    changed: bool = Field(description="Whether the kept variables changed.")
    deployed: bool = Field(description="Whether the environment was deployed with them.")
    messages: list[str] = Field(description="What the caller should know (notes, warnings).")
    outcome: dict[str, Any] | None = Field(
        description="The deploy, as PUT /environments/{name} answers it (its plan when "
        "dry_run); null when nothing was deployed."
    )
    operation_id: str | None = Field(
        default=None, description="The operation that ran the deploy (GET /operations/{id})."
    )


CHANGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": VarsChanged, "description": "Checked, and deployed or kept."},
    202: {
        "description": "wait=false: checked, and deploying; poll the operation in Location.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
}
