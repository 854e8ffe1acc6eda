"""Loading a profile: which one, and flag > EDEN_* environment > file > default."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_helpers import values, write_toml

from eden.config import load_profile, merge_values, resolve_profile_name
from eden.errors import ConfigError


def test_merge_values_precedence() -> None:
    file_values = {"cluster": "from-file", "region": "eu-west-1", "zone_id": "ZFILE"}
    environ = {"EDEN_CLUSTER": "from-env", "EDEN_REGION": "", "EDEN_DESIRED_COUNT": "2",
               "UNRELATED": "x"}
    flags = {"cluster": "from-flag", "zone_id": None}
    merged = merge_values(file_values, environ, flags)
    assert merged["cluster"] == "from-flag"  # flag > env > file
    assert merged["region"] == "eu-west-1"  # an empty env var does not count
    assert merged["zone_id"] == "ZFILE"  # a None flag does not count
    assert merged["desired_count"] == 2  # env values are coerced to the field's type
    assert "UNRELATED" not in merged and "unrelated" not in merged
    assert merge_values(file_values, environ, {})["cluster"] == "from-env"
    assert merge_values(file_values, {}, {})["cluster"] == "from-file"
    assert file_values["cluster"] == "from-file"  # the input is not modified


def test_merge_values_bad_int_env_is_named() -> None:
    with pytest.raises(
        ConfigError,
        match="desired_count must be a whole number, got 'two'",
    ) as info:
        merge_values({}, {"EDEN_DESIRED_COUNT": "two"}, {})
    assert "desired_count" in info.value.message
    assert info.value.where == "$EDEN_DESIRED_COUNT"


def test_load_profile_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDEN_PROFILE", raising=False)
    path = write_toml(tmp_path / "eden.toml", {
        "default_profile": "dev",
        "profiles": {
            "dev": {**values(cluster="file-cluster", desired_count=1), "env": {"A": "1"}},
            "staging": values(cluster="staging"),
        },
    })
    p = load_profile(config=path, environ={})
    assert p.name == "dev" and p.cluster == "file-cluster" and p.desired_count == 1
    assert p.env == {"A": "1"}
    env = {"EDEN_CLUSTER": "env-cluster", "EDEN_DESIRED_COUNT": "3"}
    p = load_profile(config=path, environ=env)
    assert p.cluster == "env-cluster" and p.desired_count == 3
    p = load_profile(config=path, environ=env, overrides={"cluster": "flag-cluster"})
    assert p.cluster == "flag-cluster" and p.desired_count == 3
    p = load_profile("staging", config=path, environ={})
    assert p.name == "staging" and p.cluster == "staging"


def test_load_profile_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDEN_PROFILE", raising=False)
    path = write_toml(tmp_path / "eden.toml", {"profiles": {"dev": values(zone_id="bad zone")}})
    with pytest.raises(
        ConfigError,
        match="zone_id 'bad zone' is not a Route 53 hosted zone id",
    ) as info:
        load_profile(config=path, environ={})
    assert "zone_id" in info.value.message
    assert info.value.where == f"{path} [profiles.dev]"
    with pytest.raises(ConfigError, match="'nope' not found") as missing:
        load_profile("nope", config=path, environ={})
    assert missing.value.hint is not None and "dev" in missing.value.hint
    with pytest.raises(ConfigError, match="not found"):
        load_profile("dev", config=tmp_path / "absent.toml", environ={})
    broken = tmp_path / "broken.toml"
    broken.write_text("[profiles.dev\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_profile("dev", config=broken, environ={})


def test_resolve_profile_name_order(monkeypatch: pytest.MonkeyPatch) -> None:
    two = {"default_profile": "staging", "profiles": {"dev": {}, "staging": {}}}
    monkeypatch.setenv("EDEN_PROFILE", "from-env")
    assert resolve_profile_name("flag", two) == "flag"
    assert resolve_profile_name(None, two) == "from-env"
    monkeypatch.delenv("EDEN_PROFILE")
    assert resolve_profile_name(None, two) == "staging"
    assert resolve_profile_name(None, {"profiles": {"dev": {}, "staging": {}}}) == "default"
    assert resolve_profile_name(None, {"profiles": {"only": {}}}) == "only"
    assert resolve_profile_name(None, {}) == "default"
    monkeypatch.setenv("EDEN_PROFILE", "")
    assert resolve_profile_name(None, {"profiles": {"only": {}}}) == "only"


def test_no_config_file_says_so_names_the_paths_and_how_to_make_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A new user: no ./eden.toml, no file in the user config dir, no --config.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    searched = f"{tmp_path / 'eden.toml'} or {tmp_path / 'xdg' / 'eden' / 'eden.toml'}"
    with pytest.raises(ConfigError, match=r"^no eden config file yet: not found at ") as info:
        load_profile(environ={})
    assert info.value.message == f"no eden config file yet: not found at {searched}"
    assert "profile" not in info.value.message  # not "profile 'default' not found"
    assert info.value.where == searched
    assert info.value.hint == (
        "run `eden sandbox up` for a local sandbox profile,"
        " or `eden config init` to describe your own stack"
    )


def test_no_config_file_at_the_given_path_repeats_it_in_the_hint(tmp_path: Path) -> None:
    absent = tmp_path / "my conf.toml"
    with pytest.raises(ConfigError, match="no eden config file yet") as info:
        load_profile(config=absent, environ={})
    assert info.value.where == str(absent)
    assert info.value.hint == (
        f"run `eden sandbox up --config '{absent}'` for a local sandbox profile,"
        f" or `eden config init --config '{absent}'` to describe your own stack"
    )
    # $EDEN_CONFIG names the file as --config does; the commands read it by themselves.
    with pytest.raises(ConfigError, match="no eden config file yet") as info:
        load_profile(environ={"EDEN_CONFIG": str(absent)})
    assert info.value.where == str(absent)
    assert info.value.hint is not None and "--config" not in info.value.hint


def test_allow_exec_from_the_environment_is_a_yes_or_no() -> None:
    assert merge_values({}, {"EDEN_ALLOW_EXEC": "true"}, {})["allow_exec"] is True
    assert merge_values({"allow_exec": True}, {"EDEN_ALLOW_EXEC": "off"}, {})["allow_exec"] is False
    with pytest.raises(ConfigError, match="allow_exec must be true or false, got 'maybe'"):
        merge_values({}, {"EDEN_ALLOW_EXEC": "maybe"}, {})
