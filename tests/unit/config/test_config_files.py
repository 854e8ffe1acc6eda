"""The profiles file: writing one profile, reading it back, and the TOML form of a profile."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from config_helpers import ALB_ARN, SERVICE_ARN, values

from eden.config import (
    Profile,
    build_profile,
    profile_names,
    profile_to_toml_values,
    read_file,
    tomlw,
    write_profile,
)
from eden.errors import ConfigError


def test_write_profile_keeps_other_profiles_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "eden.toml"
    dev = build_profile("dev", values(
        region="eu-west-1", desired_count=1, env={"A": "1", "QUOTE": 'say "hi"'},
        endpoints={"bucket": "dev-endpoints", "name_prefix": "dev"},
    ))
    staging = build_profile("staging", values(cluster="staging", name_prefix="stg"))
    write_profile(path, "dev", profile_to_toml_values(dev))
    write_profile(path, "staging", profile_to_toml_values(staging))
    data = read_file(path)
    assert data["default_profile"] == "dev"  # the first profile written stays the default
    assert profile_names(path) == ["dev", "staging"]
    assert build_profile("dev", data["profiles"]["dev"]) == dev
    assert build_profile("staging", data["profiles"]["staging"]) == staging
    # replacing one profile leaves the other as it was
    dev2 = build_profile("dev", values(cluster="other"))
    write_profile(path, "dev", profile_to_toml_values(dev2), default=False)
    data = read_file(path)
    assert build_profile("dev", data["profiles"]["dev"]) == dev2
    assert build_profile("staging", data["profiles"]["staging"]) == staging
    assert data["default_profile"] == "dev"
    write_profile(path, "staging", profile_to_toml_values(staging), default=True)
    assert read_file(path)["default_profile"] == "staging"
    assert not list(path.parent.glob("*.tmp"))
    with path.open("rb") as fh:
        assert tomllib.load(fh) == read_file(path)


def test_write_profile_rejects_a_name_with_spaces(tmp_path: Path) -> None:
    path = tmp_path / "eden.toml"
    with pytest.raises(ConfigError, match="profile name"):
        write_profile(path, "my profile", values())
    assert not path.exists()


def test_write_profile_drops_empty_values(tmp_path: Path) -> None:
    path = tmp_path / "eden.toml"
    write_profile(path, "dev", {**values(), "region": None, "env": {}})
    stored = read_file(path)["profiles"]["dev"]
    assert "region" not in stored and "env" not in stored
    assert stored == values()


def test_read_file_of_a_missing_file_is_empty(tmp_path: Path) -> None:
    assert read_file(tmp_path / "absent.toml") == {}
    assert profile_names(tmp_path / "absent.toml") == []


@pytest.mark.parametrize(
    "profile",
    [
        build_profile("dev", values()),
        build_profile("sandbox", values(
            region="us-east-1", endpoint_url="http://127.0.0.1:4566", container="app",
            desired_count=0, state="sqlite:///x.db", retry_mode="legacy",
            endpoints={"bucket": "b-1", "key": "k.json", "update_key": "api",
                       "env_type": "qa", "name_prefix": "qa"},
            env={"X": "1"},
        )),
        build_profile("alb", {
            "reference_service": SERVICE_ARN, "alb_arn": ALB_ARN, "zone_id": "ZABC",
        }),
    ],
)
def test_profile_to_toml_values_round_trips(profile: Profile) -> None:
    v = profile_to_toml_values(profile)
    assert None not in v.values()
    assert build_profile(profile.name, v) == profile
    text = tomlw.dumps({"profiles": {profile.name: v}})
    assert build_profile(profile.name, tomllib.loads(text)["profiles"][profile.name]) == profile
