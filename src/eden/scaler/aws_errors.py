"""Turn a failed AWS call of the scaler into an eden error that says where and what to check.

A daemon that watches services for days meets every way AWS can fail: no route to the
endpoint, a timeout, no credentials, a missing permission, a service that was deleted.
Each becomes an ``AwsError`` (exit code 5) naming the endpoint and region the call went
to, the call, and what to check, so the log line (or ``--once``'s error) is enough to fix
it without a debugger. botocore's exceptions are matched by name, so this module needs no
botocore import (the AWS seam in ``eden.aws`` owns that dependency).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from eden.errors import AwsError, EdenError

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


def endpoint_of(client: Any) -> tuple[str, str]:
    """The endpoint URL and region a boto3 client sends its calls to."""
    meta = getattr(client, "meta", None)
    return (str(getattr(meta, "endpoint_url", "?")), str(getattr(meta, "region_name", "?")))


def _class_names(exc: BaseException) -> set[str]:
    return {klass.__name__ for klass in type(exc).__mro__}


def explain(exc: BaseException, client: Any, operation: str, where: str) -> EdenError:
    """An eden error for ``exc`` raised by ``operation`` (e.g. "ecs:DescribeServices")."""
    if isinstance(exc, EdenError):
        return exc
    endpoint, region = endpoint_of(client)
    at = f"{endpoint} (region {region})"
    names = _class_names(exc)
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", exc))
        hint = (f"grant {operation} to the scaler's IAM role (see docs/scaler.md, IAM)"
                if code in _DENIED else "check the cluster, service and target group names")
        return AwsError(f"{operation} for {where} failed at {at}: {code}: {message}",
                        code=code, operation=operation, where=where, hint=hint)
    if names & _NO_CREDENTIALS:
        return AwsError(
            f"{operation} for {where}: no usable AWS credentials for {at}: {exc}",
            code="NoCredentials", operation=operation, where=where,
            hint="set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with an "
                 "IAM role; a loopback [aws] endpoint_url (the sandbox) needs none",
        )
    if names & _UNREACHABLE:
        return AwsError(
            f"{operation} for {where}: cannot reach AWS at {at}: {exc}",
            code="Unreachable", operation=operation, where=where,
            hint="check the network path and any proxy (HTTPS_PROXY/NO_PROXY) to that "
                 "endpoint, the region ([aws] region or AWS_REGION) and [aws] endpoint_url",
        )
    return AwsError(f"{operation} for {where} failed at {at}: {type(exc).__name__}: {exc}",
                    operation=operation, where=where,
                    hint="run with -vv to see botocore's own log of the call")


def aws_call(client: Any, operation: str, where: str, fn: Callable[[], T]) -> T:
    """Run one AWS call; any failure comes out as ``explain``'s eden error."""
    try:
        return fn()
    except Exception as exc:
        if not _class_names(exc) & {"BotoCoreError", "ClientError"}:
            raise  # not AWS failing: a bug, which must not pass for an outage
        raise explain(exc, client, operation, where) from exc
