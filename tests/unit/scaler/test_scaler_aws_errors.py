"""AWS failures become eden errors naming endpoint, region, call and what to check."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from eden.errors import AwsError, NotFound
from eden.scaler.aws_errors import aws_call, explain
from eden.scaler.config import AwsConfig
from eden.scaler.wiring import SANDBOX_KEY, credentials, is_loopback_url

CLIENT = SimpleNamespace(meta=SimpleNamespace(endpoint_url="https://ecs.eu-west-1.amazonaws.com",
                                              region_name="eu-west-1"))


def test_unreachable_endpoint() -> None:
    exc = EndpointConnectionError(endpoint_url="https://ecs.eu-west-1.amazonaws.com/")
    err = explain(exc, CLIENT, "ecs:DescribeServices", "cluster prod")
    assert isinstance(err, AwsError) and err.exit_code == 5 and err.code == "Unreachable"
    assert err.message.startswith("ecs:DescribeServices for cluster prod: cannot reach AWS at "
                                  "https://ecs.eu-west-1.amazonaws.com (region eu-west-1)")
    assert err.hint is not None and "HTTPS_PROXY" in err.hint and "region" in err.hint


def test_timeout_is_unreachable_too() -> None:
    exc = ReadTimeoutError(endpoint_url="https://ecs.eu-west-1.amazonaws.com/")
    assert explain(exc, CLIENT, "ecs:ListTasks", "prod/web").code == "Unreachable"  # type: ignore[attr-defined]


def test_missing_credentials() -> None:
    err = explain(NoCredentialsError(), CLIENT, "ecs:DescribeServices", "cluster prod")
    assert isinstance(err, AwsError) and err.code == "NoCredentials"
    assert "no usable AWS credentials for https://ecs.eu-west-1.amazonaws.com" in err.message
    assert err.hint is not None and "AWS_PROFILE" in err.hint


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "not allowed"}}, "DescribeServices")


def test_access_denied_names_the_permission() -> None:
    err = explain(client_error("AccessDeniedException"), CLIENT, "ecs:DescribeServices", "c")
    assert isinstance(err, AwsError) and err.code == "AccessDeniedException"
    assert err.message == ("ecs:DescribeServices for c failed at https://ecs.eu-west-1."
                           "amazonaws.com (region eu-west-1): AccessDeniedException: not allowed")
    assert err.hint == ("grant ecs:DescribeServices to the scaler's IAM role "
                        "(see docs/scaler.md, IAM)")


def test_other_client_errors_point_at_the_names() -> None:
    err = explain(client_error("ClusterNotFoundException"), CLIENT, "ecs:ListTasks", "c/web")
    assert err.hint == "check the cluster, service and target group names"


def test_eden_errors_pass_through() -> None:
    mine = NotFound("gone")
    assert explain(mine, CLIENT, "ecs:DescribeServices", "c") is mine


def test_aws_call_translates_aws_failures_only() -> None:
    def throttled() -> Any:
        raise client_error("ThrottlingException")

    with pytest.raises(AwsError, match="ThrottlingException: not allowed"):
        aws_call(CLIENT, "ecs:DescribeServices", "c", throttled)

    def bug() -> Any:
        raise KeyError("serviceName")

    with pytest.raises(KeyError, match="serviceName"):  # a bug is not an outage
        aws_call(CLIENT, "ecs:DescribeServices", "c", bug)


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://127.0.0.1:5000", True), ("http://127.8.0.2", True), ("http://localhost:1", True),
    ("http://[::1]:5000", True), ("https://ecs.eu-west-1.amazonaws.com", False),
    ("http://10.0.0.1", False), (None, False), ("", False),
])
def test_loopback_urls(url: str | None, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


def test_sandbox_endpoint_gets_the_sandbox_credentials() -> None:
    sandbox = AwsConfig(endpoint_url="http://127.0.0.1:5000")
    assert credentials(sandbox, {}) == (SANDBOX_KEY, SANDBOX_KEY)
    # The environment's own keys win, as for eden's other commands.
    assert credentials(sandbox, {"AWS_ACCESS_KEY_ID": "AKIA"}) == (None, None)
    explicit = AwsConfig(endpoint_url="http://127.0.0.1:5000", access_key_id="k",
                         secret_access_key="s")
    assert credentials(explicit, {}) == ("k", "s")
    assert credentials(AwsConfig(region="eu-west-1"), {}) == (None, None)


def test_the_seams_translations_are_put_in_the_scalers_words() -> None:
    from eden.aws.errors import refused, unreachable
    from eden.errors import AwsUnreachable

    meta = SimpleNamespace(service_model=SimpleNamespace(service_name="ecs"),
                           endpoint_url="https://ecs.eu-west-1.amazonaws.com",
                           region_name="eu-west-1")
    cause = EndpointConnectionError(endpoint_url="https://ecs.eu-west-1.amazonaws.com/")
    try:
        raise unreachable(cause, meta, "DescribeServices") from cause
    except AwsUnreachable as seam:
        err = explain(seam, CLIENT, "ecs:DescribeServices", "cluster prod")
    assert isinstance(err, AwsUnreachable) and err.code == "Unreachable"
    assert err.message.startswith("ecs:DescribeServices for cluster prod: cannot reach AWS at "
                                  "https://ecs.eu-west-1.amazonaws.com (region eu-west-1)")
    denied = explain(refused("AccessDeniedException", "not allowed", "DescribeServices", "ecs"),
                     CLIENT, "ecs:DescribeServices", "c")
    assert denied.hint == ("grant ecs:DescribeServices to the scaler's IAM role "
                           "(see docs/scaler.md, IAM)")
    assert denied.message.endswith("AccessDeniedException: not allowed")
