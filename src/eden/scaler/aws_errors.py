"""Say, for the scaler, which call failed, at which endpoint and region, and what to check.

A daemon that watches services for days meets every way AWS can fail: no route to the
endpoint, a timeout, no credentials, a missing permission, a service that was deleted.
eden's AWS seam (``eden.aws.errors``) already turns botocore's exceptions into eden errors;
this module puts them in the scaler's words: the call and the service it was for, the
endpoint and region from the scaler's own clients, and a hint that points at
``scaler.toml`` and the scaler's IAM permissions. Exit code 5 (``AwsError``) either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from eden.errors import AwsError, AwsUnreachable, EdenError

T = TypeVar("T")

_UNREACHABLE = frozenset({
    "EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError",
    "ConnectionClosedError", "ProxyConnectionError", "SSLError", "HTTPClientError",
    "ConnectionError",
})
_NO_CREDENTIALS = frozenset({"NoCredentialsError", "PartialCredentialsError",
                             "CredentialRetrievalError", "UnauthorizedSSOTokenError"})
_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                     "UnrecognizedClientException", "InvalidClientTokenId",
                     "ExpiredTokenException", "SignatureDoesNotMatch"})
UNREACHABLE_HINT = ("check the network path and any proxy (HTTPS_PROXY/NO_PROXY) to that "
                    "endpoint, and region and endpoint_url in scaler.toml's [aws] table")
CREDENTIALS_HINT = ("set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with "
                    "an IAM role; a loopback [aws] endpoint_url (the sandbox) needs none")


def endpoint_of(client: Any) -> tuple[str, str]:
    """The endpoint URL and region a boto3 client sends its calls to."""
    meta = getattr(client, "meta", None)
    return (str(getattr(meta, "endpoint_url", "?")), str(getattr(meta, "region_name", "?")))


def _class_names(exc: BaseException | None) -> set[str]:
    return {klass.__name__ for klass in type(exc).__mro__} if exc is not None else set()


def _is_aws_failure(exc: BaseException) -> bool:
    return isinstance(exc, AwsError) or bool(
        _class_names(exc) & {"BotoCoreError", "ClientError"})


def explain(exc: BaseException, client: Any, operation: str, where: str) -> EdenError:
    """An eden error for ``exc`` raised by ``operation`` (e.g. "ecs:DescribeServices")."""
    endpoint, region = endpoint_of(client)
    at = f"{endpoint} (region {region})"
    response = getattr(exc, "response", None)
    if isinstance(response, dict):  # AWS answered: a refusal, with AWS's code
        error = response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", "")) or str(exc)
        hint = (f"grant {operation} to the scaler's IAM role (see docs/scaler.md, IAM)"
                if code in _DENIED else "check the cluster, service and target group names")
        return AwsError(f"{operation} for {where} failed at {at}: {code}: {message}",
                        code=code, operation=operation, where=where, hint=hint)
    # Nothing answered: botocore's exception, or the seam's translation of it (its cause).
    cause = exc.__cause__ if isinstance(exc, AwsUnreachable) and exc.__cause__ else exc
    names = _class_names(cause) | {str(getattr(exc, "code", ""))}
    if names & _NO_CREDENTIALS:
        return AwsUnreachable(f"{operation} for {where}: no usable AWS credentials for {at}: "
                              f"{cause}", code="NoCredentials", operation=operation,
                              where=where, hint=CREDENTIALS_HINT)
    if names & _UNREACHABLE:
        return AwsUnreachable(f"{operation} for {where}: cannot reach AWS at {at}: {cause}",
                              code="Unreachable", operation=operation, where=where,
                              hint=UNREACHABLE_HINT)
    if isinstance(exc, EdenError):
        return exc
    return AwsError(f"{operation} for {where} failed at {at}: {type(exc).__name__}: {exc}",
                    operation=operation, where=where,
                    hint="run with -vv to see botocore's own log of the call")


def aws_call(client: Any, operation: str, where: str, fn: Callable[[], T]) -> T:
    """Run one AWS call; any AWS failure comes out as ``explain``'s eden error."""
    try:
        return fn()
    except Exception as exc:
        if not _is_aws_failure(exc):
            raise  # not AWS failing: a bug, which must not pass for an outage
        raise explain(exc, client, operation, where) from exc
