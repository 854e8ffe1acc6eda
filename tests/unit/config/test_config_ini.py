"""The 2019 tool's INI file, imported as eden profiles. No AWS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from config_helpers import ACCOUNT, ALB_ARN, SERVICE_ARN

from eden.config import build_profile, import_ini, read_file, write_profile
from eden.config import ini as ini_module
from eden.errors import ConfigError

INI = f"""\
[profile dev]
reference_service_arn = {SERVICE_ARN}
master_alb_arn = {ALB_ARN}
dynamic_zone_id = Z0123456789ABC
name_prefix = dyn
domain_name_prefix = api
endpoint_s3_bucket_name = dev-endpoints
endpoint_s3_key = "config/endpoints.json"
endpoint_update_key = api
endpoint_env_type = dev
endpoint_name_prefix = dev
target_cluster = main
api_token = not-copied

[staging]
reference_service_arn = {SERVICE_ARN.replace("/main/", "/staging/")}
master_alb_arn = {ALB_ARN}
dynamic_zone_id = ZSTAGING1
name_prefix = stg
domain_name_prefix = web
target_cluster = staging
"""


def test_import_ini(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(INI, encoding="utf-8")
    out = import_ini(path)
    assert sorted(out) == ["dev", "staging"]
    dev = out["dev"]
    assert dev["alb_arn"] == ALB_ARN
    assert dev["zone_id"] == "Z0123456789ABC"
    assert dev["cluster"] == "main"
    assert dev["reference_service"] == SERVICE_ARN
    assert "api_token" not in dev
    assert dev["endpoints"] == {
        "bucket": "dev-endpoints",
        "key": "config/endpoints.json",
        "update_key": "api",
        "env_type": "dev",
        "name_prefix": "dev",
    }
    p = build_profile("dev", dev)
    assert p.alb_arns == (ALB_ARN,)
    assert p.listener_arns == ()
    assert p.name_prefix == "dyn"
    assert p.region == "eu-west-1"  # from the ALB ARN
    assert p.endpoints is not None and p.endpoints.key == "config/endpoints.json"
    staging = build_profile("staging", out["staging"])
    assert staging.endpoints is None
    assert staging.cluster == "staging"
    assert staging.service.domain_prefix == "web"
    # the imported values can be written to eden's own file as they are
    toml_path = tmp_path / "eden.toml"
    write_profile(toml_path, "dev", dev)
    assert build_profile("dev", read_file(toml_path)["profiles"]["dev"]) == p


def test_import_ini_rejects_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        import_ini(tmp_path / "nope")


def test_import_ini_rejects_a_broken_section(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(INI.replace("dynamic_zone_id = ZSTAGING1", "dynamic_zone_id = not a zone"),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="dynamic_zone_id 'not a zone' is not a Route 53") as info:
        import_ini(path)
    assert "zone_id" in info.value.message
    assert info.value.where is not None and "[staging]" in info.value.where


def test_import_ini_rejects_a_file_without_sections(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="no profiles"):
        import_ini(path)
    path.write_text("reference_service_arn = x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not an INI file"):
        import_ini(path)


def _ini(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config"
    path.write_text(text, encoding="utf-8")
    return path


STAGING = INI.split("[staging]")[1]


def test_an_unknown_key_is_named_with_the_nearest_known_one(tmp_path: Path) -> None:
    # The README once listed `endpoint_s3_*`; `endpoint_s3_bucket` was silently dropped and
    # the error then asked for the TOML field endpoints.bucket.
    path = _ini(tmp_path, "[dev]" + STAGING + "endpoint_s3_bucket = dev-endpoints\nzone = Z1\n")
    with pytest.raises(ConfigError, match="unknown key") as info:
        import_ini(path)
    assert info.value.message == (
        "unknown key(s) in the 2019 config: endpoint_s3_bucket (did you mean"
        " endpoint_s3_bucket_name?), zone"
    )
    assert info.value.where == f"{path} [dev]"
    assert info.value.hint is not None
    assert "endpoint_s3_bucket_name, endpoint_s3_key" in info.value.hint
    assert info.value.hint.endswith("ignored: api_token, dynamic_zone_name")


def test_ignored_keys_and_older_names(tmp_path: Path) -> None:
    path = _ini(
        tmp_path,
        "[dev]" + STAGING + "api_token = secret\ndynamic_zone_name = dev.example.com.\n"
        "config_bucket_name = dev-endpoints\nconfig_bucket_key = e.json\n"
        "config_update_key = api_endpoint\nconfig_env_type = qa\nconfig_name_prefix = qa\n"
        "target_container_name = api\n",
    )
    dev = import_ini(path)["dev"]
    assert dev["endpoints"] == {
        "bucket": "dev-endpoints",
        "key": "e.json",
        "update_key": "api_endpoint",
        "env_type": "qa",
        "name_prefix": "qa",
    }
    assert dev["container"] == "api"
    assert "api_token" not in dev and "dynamic_zone_name" not in dev
    assert set(dev) == {
        "reference_service", "alb_arn", "zone_id", "name_prefix", "domain_prefix", "cluster",
        "endpoints", "container",
    }


def test_an_older_and_a_newer_name_of_one_key_is_refused(tmp_path: Path) -> None:
    path = _ini(tmp_path, "[dev]" + STAGING + "config_bucket_name = a-1\n"
                "endpoint_s3_bucket_name = b-2\n")
    with pytest.raises(ConfigError, match="config_bucket_name and endpoint_s3_bucket_name"):
        import_ini(path)


@pytest.mark.parametrize(
    ("drop", "add", "message", "hint"),
    [
        ("target_cluster = staging\n",
         f"reference_service_arn = arn:aws:ecs:eu-west-1:{ACCOUNT}:service/api\n",
         "target_cluster is missing: the ECS cluster of the reference service",
         "set target_cluster in this section (eden's profile field cluster)"),
        ("master_alb_arn", "",
         "master_alb_arn is missing: the HTTPS:443 listener of the shared ALB",
         "set master_alb_arn in this section (eden's profile field listener_arn)"),
        ("", "endpoint_s3_key = e.json\n",
         "endpoint_s3_bucket_name is missing: the S3 bucket of the endpoints document",
         "set endpoint_s3_bucket_name in this section (eden's profile field endpoints.bucket)"),
    ],
    ids=["cluster", "alb", "bucket"],
)
def test_validation_errors_use_the_ini_key_names(
    tmp_path: Path, drop: str, add: str, message: str, hint: str
) -> None:
    lines = [ln for ln in STAGING.splitlines(keepends=True) if not drop or drop not in ln]
    if add.startswith("reference_service_arn"):
        lines = [ln for ln in lines if not ln.startswith("reference_service_arn")]
    path = _ini(tmp_path, "[dev]" + "".join(lines) + add)
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        import_ini(path)
    assert info.value.message == message
    assert info.value.hint == hint


def test_the_docstring_table_lists_exactly_the_keys_read() -> None:
    # The README quotes this table; it must not drift from the code.
    doc = ini_module.__doc__ or ""
    body = doc.split("\n==")[2]  # the rows between the header's rule and the closing one
    rows = [ln.split() for ln in body.splitlines() if ln.startswith("``")]
    listed = {row[0].strip("`"): row[1].strip("`") for row in rows}
    older = {row[2].strip("`"): row[0].strip("`") for row in rows if len(row) == 3}
    expected = dict(ini_module.INI_PROFILE_KEYS)
    expected.update({k: f"endpoints.{v}" for k, v in ini_module.INI_ENDPOINT_KEYS.items()})
    assert listed == expected
    assert older == ini_module.INI_OLD_NAMES
    for ignored in ini_module.INI_IGNORED_KEYS:
        assert f"``{ignored}``" in doc
