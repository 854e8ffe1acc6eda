"""Profile validation: the top-level fields and the [endpoints] and [env] tables. No I/O."""

from __future__ import annotations

import re
from typing import Any

import pytest
from config_helpers import ACCOUNT, ALB_ARN, LISTENER_ARN, SERVICE_ARN, values

from eden.config import EndpointsDoc, build_profile, profile_to_toml_values
from eden.errors import ConfigError


def test_build_profile_happy_path() -> None:
    p = build_profile(
        "dev",
        values(
            region="eu-west-1",
            zone_id="/hostedzone/Z0123456789ABC",
            container="app",
            name_prefix="dyn",
            domain_prefix="svc",
            desired_count=2,
            endpoint_url="http://127.0.0.1:4566",
            state="sqlite:///tmp/eden.db",
            retry_mode="adaptive",
            endpoints={"bucket": "dev-endpoints", "update_key": "web", "name_prefix": "dev"},
            env={"LOG_LEVEL": "debug", "DEBUG": True, "WORKERS": 4},
        ),
    )
    assert p.name == "dev"
    assert p.cluster == "main"
    assert p.zone_id == "Z0123456789ABC"  # the /hostedzone/ prefix is dropped
    assert p.listener_arns == (LISTENER_ARN,)
    assert p.alb_arns == ()
    assert p.name_prefix == "dyn"
    assert p.region == "eu-west-1"
    assert p.endpoint_url == "http://127.0.0.1:4566"
    assert p.desired_count == 2
    assert p.retry_mode == "adaptive"
    assert p.state_url() == "sqlite:///tmp/eden.db"
    assert p.service.reference_service == "api"
    assert p.service.container == "app"
    assert p.service.domain_prefix == "svc"
    assert p.service.role == "app"
    assert p.endpoints == EndpointsDoc(
        bucket="dev-endpoints", key="endpoints.json", update_key="web", env_type="dev",
        name_prefix="dev",
    )
    assert p.env == {"LOG_LEVEL": "debug", "DEBUG": "true", "WORKERS": "4"}


def test_build_profile_defaults() -> None:
    p = build_profile("dev", values())
    assert p.name_prefix == "eden"
    assert p.service.domain_prefix == "api"
    assert p.service.container is None
    assert p.endpoints is None
    assert p.env == {}
    assert p.desired_count is None
    assert p.retry_mode == "standard"
    assert p.region == "eu-west-1"  # from the listener ARN
    assert p.state_url().startswith("sqlite:///")


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("reference_service", "reference_service"),
        ("zone_id", "zone_id"),
        ("listener_arn", "listener_arn"),
        ("cluster", "cluster"),
    ],
)
def test_each_required_field_missing_is_named(missing: str, named: str) -> None:
    v = values()
    del v[missing]
    with pytest.raises(ConfigError, match=f"^{named} is missing: ") as info:
        build_profile("dev", v, where="eden.toml [profiles.dev]")
    assert info.value.message.startswith(named)
    assert "missing" in info.value.message
    assert info.value.where == "eden.toml [profiles.dev]"
    assert info.value.exit_code == 3


def test_empty_required_field_counts_as_missing() -> None:
    with pytest.raises(ConfigError, match="zone_id is missing"):
        build_profile("dev", values(zone_id=""))


def test_alb_arn_can_replace_the_listener_arn() -> None:
    v = values(alb_arn=ALB_ARN)
    del v["listener_arn"]
    p = build_profile("dev", v)
    assert p.alb_arns == (ALB_ARN,)
    assert p.listener_arns == ()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("zone_id", "not-a-zone"),
        ("zone_id", "z0123lower"),
        ("listener_arn", ALB_ARN),
        ("listener_arn", "listener"),
        ("alb_arn", LISTENER_ARN),
        ("name_prefix", "Eden"),
        ("name_prefix", "internal-dev"),
        ("name_prefix", "internal"),
        ("name_prefix", "a" * 17),
        ("name_prefix", "-eden"),
        ("name_prefix", ""),
        ("domain_prefix", "API"),
        ("region", "Ireland"),
        ("region", "eu-west"),
        ("endpoint_url", "ftp://127.0.0.1"),
        ("endpoint_url", "127.0.0.1:4566"),
        ("reference_service", "my service"),
        ("desired_count", 5000),
        ("desired_count", -1),
        ("desired_count", "2"),
        ("cluster", 7),
        ("retry_mode", "fast"),
        ("container", "app container"),
        ("state", "postgres://db"),
    ],
)
def test_bad_values_are_named(field: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=f"^{field} ") as info:
        build_profile("dev", values(**{field: value}))
    assert field in info.value.message


def test_name_prefix_limits() -> None:
    assert build_profile("dev", values(name_prefix="a" * 16)).name_prefix == "a" * 16
    assert build_profile("dev", values(name_prefix="a")).name_prefix == "a"
    assert build_profile("dev", values(name_prefix="my-team1")).name_prefix == "my-team1"


def test_unknown_field_is_named() -> None:
    with pytest.raises(ConfigError, match=r"^unknown field\(s\) clustr$") as info:
        build_profile("dev", values(clustr="main"))
    assert "clustr" in info.value.message
    assert info.value.hint is not None and "cluster" in info.value.hint


@pytest.mark.parametrize(
    ("endpoints", "named"),
    [
        ({"key": "e.json"}, "endpoints.bucket"),
        ({"bucket": "Bad_Bucket"}, "endpoints.bucket"),
        ({"bucket": "dev-endpoints", "colour": "red"}, "colour"),
        ({"bucket": "dev-endpoints", "key": 3}, "endpoints.key"),
        ({"bucket": "dev-endpoints", "key": ""}, "endpoints.key"),
        ("dev-endpoints", "[endpoints]"),
        ({"bucket": "dev-endpoints", "acl": "everyone"}, "endpoints.acl 'everyone'"),
        ({"bucket": "dev-endpoints", "cache_control": 60}, "endpoints.cache_control"),
    ],
)
def test_bad_endpoints_table_is_named(endpoints: Any, named: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(named)) as info:
        build_profile("dev", values(endpoints=endpoints))
    assert named in info.value.message


def test_the_endpoints_object_settings_round_trip() -> None:
    profile = build_profile(
        "dev",
        values(
            endpoints={"bucket": "dev-endpoints", "cache_control": "no-cache", "acl": "private"}
        ),
    )
    assert profile.endpoints is not None
    assert profile.endpoints.write_overrides() == {"CacheControl": "no-cache", "ACL": "private"}
    again = build_profile("dev", profile_to_toml_values(profile))
    assert again.endpoints == profile.endpoints
    plain = build_profile("dev", values(endpoints={"bucket": "dev-endpoints"}))
    assert plain.endpoints is not None and plain.endpoints.write_overrides() == {}


@pytest.mark.parametrize(("env", "named"), [({"1BAD": "x"}, "1BAD"), ({"OK": [1]}, "env.OK")])
def test_bad_env_table_is_named(env: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(named)) as info:
        build_profile("dev", values(env=env))
    assert named in info.value.message


def test_cluster_from_a_new_format_service_arn() -> None:
    v = values(reference_service=SERVICE_ARN, cluster=None)
    del v["listener_arn"]
    v["alb_arn"] = ALB_ARN
    p = build_profile("dev", v)
    assert p.cluster == "main"
    assert p.service.reference_service == SERVICE_ARN


def test_old_format_service_arn_needs_a_cluster() -> None:
    old = f"arn:aws:ecs:eu-west-1:{ACCOUNT}:service/api"
    with pytest.raises(ConfigError, match="cluster is missing"):
        build_profile("dev", values(reference_service=old, cluster=None))
    assert build_profile("dev", values(reference_service=old)).cluster == "main"


def test_region_from_an_arn() -> None:
    # the listener (or ALB) ARN comes first, then the reference service ARN
    assert build_profile("dev", values()).region == "eu-west-1"
    v = values(reference_service=SERVICE_ARN)
    assert build_profile("dev", v).region == "eu-west-1"
    gov = LISTENER_ARN.replace("arn:aws:", "arn:aws-us-gov:").replace("eu-west-1", "us-gov-west-1")
    assert build_profile("dev", values(listener_arn=gov)).region == "us-gov-west-1"
    # an explicit region wins over the ARN
    assert build_profile("dev", values(region="eu-central-1")).region == "eu-central-1"


@pytest.mark.parametrize("name", ["my profile", "", "a/b", "x" * 65])
def test_bad_profile_names_are_rejected(name: str) -> None:
    with pytest.raises(ConfigError, match="profile name"):
        build_profile(name, values())


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"zone_id": "Z0123456789ABC\n"}, "zone_id"),  # _ZONE_RE
        ({"name_prefix": "eden\n"}, "name_prefix"),  # _PREFIX_RE
        ({"region": "eu-west-1\n"}, "region"),  # _REGION_RE
        ({"reference_service": "api\n"}, "reference_service"),  # _NAME_RE
        ({"env": {"LOG_LEVEL\n": "x"}}, "env var name"),  # _ENV_KEY_RE
        ({"endpoints": {"bucket": "dev-endpoints\n"}}, "endpoints.bucket"),  # _BUCKET_RE
    ],
    ids=["zone_id", "name_prefix", "region", "reference_service", "env_key", "bucket"],
)
def test_a_trailing_newline_is_rejected(extra: dict[str, Any], named: str) -> None:
    # A fixed bug (eden.config.validate and .tables): with .match, '$' also matches
    # before a final '\n', so these values were accepted with the newline; fullmatch.
    with pytest.raises(ConfigError, match=f"^{named} "):
        build_profile("dev", values(**extra))


def test_a_profile_name_with_a_trailing_newline_is_rejected() -> None:
    # The same fixed '$' bug, in _PROFILE_RE.
    with pytest.raises(ConfigError, match="profile name"):
        build_profile("dev\n", values())


def test_endpoint_url_with_a_space_is_rejected() -> None:
    # A fixed bug (eden.config.validate): the endpoint_url pattern was anchored only at
    # the start, so anything after a valid "http://host" prefix passed.
    with pytest.raises(ConfigError, match="endpoint_url"):
        build_profile("dev", values(endpoint_url="http://localhost:4566 oops"))


def test_desired_count_must_not_be_a_boolean() -> None:
    # A fixed bug (eden.config.validate, the type check): bool is a subclass of int, so
    # `desired_count = true` passed isinstance(value, int) and became True.
    with pytest.raises(ConfigError, match="desired_count"):
        build_profile("dev", values(desired_count=True))


def test_allow_exec_is_off_unless_the_profile_says_so() -> None:
    assert build_profile("dev", values()).allow_exec is False
    allowed = build_profile("dev", values(allow_exec=True))
    assert allowed.allow_exec is True
    assert profile_to_toml_values(allowed)["allow_exec"] is True
    assert "allow_exec" not in profile_to_toml_values(build_profile("dev", values()))
    with pytest.raises(ConfigError, match="allow_exec must be a bool, got 'yes'"):
        build_profile("dev", values(allow_exec="yes"))
