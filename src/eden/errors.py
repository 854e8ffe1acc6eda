"""The errors eden raises, and the only ones that reach a user.

Every error says what failed, where, and what the user can do about it. Each class
carries its process exit code and its HTTP status: the CLI's ``main()`` and the HTTP API's
error boundary read them there, and nothing else decides either.
"""

from __future__ import annotations


class EdenError(Exception):
    """Base of every error eden reports to a user."""

    exit_code = 1
    http_status = 500

    def __init_subclass__(cls, *, exit_code: int | None = None, http_status: int | None = None):
        # ``class UsageError(EdenError, exit_code=2, http_status=422)``: the codes sit in
        # the class line, so the whole tree reads as a table.
        super().__init_subclass__()
        if exit_code is not None:
            cls.exit_code = exit_code
        if http_status is not None:
            cls.http_status = http_status

    def __init__(self, message: str, *, hint: str | None = None, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.where = where

    def render(self) -> str:
        """One readable block: what, where, what to do."""
        lines = [f"error: {self.message}"]
        if self.where:
            lines.append(f"  where: {self.where}")
        if self.hint:
            lines.append(f"  fix:   {self.hint}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, str | None]:
        return {
            "error": type(self).__name__,
            "message": self.message,
            "where": self.where,
            "hint": self.hint,
        }


class UsageError(EdenError, exit_code=2, http_status=422):
    """The user's input (a name, an image, a flag) cannot be used."""


class ConfigError(EdenError, exit_code=3, http_status=400):
    """A profile is missing, incomplete or points at something that does not exist."""


class NotFound(EdenError, exit_code=4, http_status=404):
    """An environment or resource the user named does not exist."""


class AwsError(EdenError, exit_code=5, http_status=502):
    """AWS refused a call eden needed; carries the service's code and message."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        operation: str = "",
        hint: str | None = None,
        where: str | None = None,
    ):
        super().__init__(message, hint=hint, where=where)
        self.code = code
        self.operation = operation


class ExecutionFailed(EdenError, exit_code=6, http_status=502):
    """A plan step failed; what ran before it was undone (or kept, when asked)."""


class SandboxError(EdenError, exit_code=7, http_status=503):
    """The embedded sandbox could not be started, stopped or reached."""


class LockedError(EdenError, exit_code=8, http_status=409):
    """Another operation holds the lease and the policy said not to wait (longer)."""


class NotReady(EdenError, exit_code=9, http_status=504):
    """The environment was made but did not become ready to serve before the deadline."""


class AwsUnreachable(AwsError, http_status=503):
    """No answer from AWS at all: the endpoint cannot be reached, it timed out, or there
    are no credentials to sign with. Nothing was changed by the call that failed."""
