"""Where AWS's answers become eden's errors: the one place that knows botocore's exceptions.

Every client eden builds (``AwsClients``) has ``Translating`` mixed into its class, so every
call, paginator and waiter raises eden errors:

* AWS answered with an error: ``AwsRefused``, an ``AwsError`` with AWS's ``code`` (and,
  for code written before the seam, still a botocore ``ClientError``);
* nothing answered (refused, timed out, no credentials, no region): ``AwsUnreachable``,
  which says where eden tried and what to check.

Callers check ``exc.code`` (``"PriorityInUse"``, ``"PreconditionFailed"``...) instead of
importing botocore.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)
from botocore.parsers import ResponseParserError

from eden.errors import AwsError, AwsUnreachable


class AwsRefused(AwsError, ClientError):  # type: ignore[misc]  # botocore is untyped
    """AWS's answer to one call was an error; ``code`` is AWS's error code."""

    def __init__(self, response: Mapping[str, Any], operation: str, service: str):
        # ClientError.__init__ sets the exception's args; eden's fields are set here (not
        # through AwsError.__init__, whose super() call would land on ClientError's).
        ClientError.__init__(self, dict(response), operation)
        error = response.get("Error", {})
        self.code = str(error.get("Code", ""))
        self.message = f"AWS answered {self.code}: {error.get('Message') or self.code}"
        self.operation = operation
        self.where = f"{service} {operation}"
        self.hint = None
        self.status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> Any:  # picklable like ClientError (process pools, tests)
        return (type(self), (self.response, self.operation, self.where or ""))


class Translating:
    """Mixed into every client class; see the module docstring.

    It wraps ``_make_api_call``, which every operation, paginator and waiter goes through,
    and so runs after botocore's own retries have given up.
    """

    meta: Any

    def _make_api_call(self, operation_name: str, api_params: Any) -> Any:
        try:
            return super()._make_api_call(operation_name, api_params)  # type: ignore[misc]
        except AwsError:
            raise
        except ClientError as exc:
            service = self.meta.service_model.service_name
            raise AwsRefused(exc.response, operation_name, service) from exc
        except (BotoCoreError, ResponseParserError) as exc:
            raise unreachable(exc, self.meta, operation_name) from exc


def add_translation(base_classes: list[type], **_: Any) -> None:
    """botocore's ``creating-client-class`` hook: put ``Translating`` first in the bases."""
    if Translating not in base_classes:
        base_classes.insert(0, Translating)


def unreachable(exc: Exception, meta: Any, operation: str) -> AwsUnreachable:
    """What failed, where eden tried (service, endpoint, region) and what to check."""
    service = meta.service_model.service_name
    where = f"{service} at {meta.endpoint_url} ({meta.region_name or 'no region'})"
    if isinstance(exc, NoCredentialsError | PartialCredentialsError | CredentialRetrievalError):
        what, hint = (
            "no AWS credentials to sign the request with",
            "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run `aws configure` "
            "or `aws sso login`, or run where an instance or task role is attached",
        )
    elif isinstance(exc, NoRegionError):
        what, hint = "no AWS region is set", "set region in the profile (or AWS_REGION)"
    elif isinstance(exc, ConnectionError | HTTPClientError):
        what, hint = (
            f"cannot reach AWS: {exc}",
            "check the network and the profile's region and endpoint_url; for the local "
            "sandbox, `eden sandbox status` (start it with `eden sandbox up`)",
        )
    elif isinstance(exc, ResponseParserError):
        first = str(exc).splitlines()[0]
        what, hint = (
            f"AWS's answer could not be read ({first})",
            "a proxy or load balancer between eden and AWS may have answered instead; "
            "run the command again",
        )
    else:
        what, hint = f"the call got no usable answer: {exc}", "run the command again"
    return AwsUnreachable(
        f"{what} (calling {service} {operation})",
        code=type(exc).__name__,
        operation=operation,
        where=where,
        hint=hint,
    )


def refused(code: str, message: str, operation: str, service: str = "aws") -> AwsRefused:
    """An AWS refusal built by hand: rules that moto does not enforce, and test faults."""
    return AwsRefused({"Error": {"Code": code, "Message": message}}, operation, service)
