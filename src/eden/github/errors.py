"""What can go wrong between eden and GitHub, as eden errors (exit 10 on the CLI).

None of these ever fails an environment operation: the reporter catches them, logs them,
and leaves the pull request to be repaired by the next event or the repair loop.
"""

from __future__ import annotations

from eden.errors import EdenError


class GitHubError(EdenError, exit_code=10, http_status=502):
    """GitHub refused a call (``status`` is its HTTP status, 0 when there was none)."""

    def __init__(
        self, message: str, *, status: int = 0, hint: str | None = None, where: str | None = None
    ):
        super().__init__(message, hint=hint, where=where)
        self.status = status


class GitHubUnreachable(GitHubError, http_status=503):
    """No usable answer: the connection failed, timed out, or GitHub kept answering 5xx."""


class GitHubRateLimited(GitHubError, http_status=503):
    """A primary or secondary rate limit that lasts longer than eden is willing to wait."""

    def __init__(self, message: str, *, reset_in: float, where: str | None = None):
        super().__init__(
            message,
            status=429,
            where=where,
            hint=f"eden retries on its own in about {reset_in:.0f}s (the repair loop)",
        )
        self.reset_in = reset_in


class PayloadError(EdenError, exit_code=2, http_status=400):
    """A webhook delivery that lacks what GitHub always sends (not GitHub's, or cut)."""


class CommandError(EdenError, exit_code=2, http_status=422):
    """A ``/eden`` comment command eden cannot understand."""
