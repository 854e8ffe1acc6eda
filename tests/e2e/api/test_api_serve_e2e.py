"""`eden serve` and `eden apikey` as a user runs them, on the sandbox profile."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from eden.cli.apikey_cmd import apikey
from eden.cli.serve_cmd import serve

pytestmark = pytest.mark.e2e


def test_serve_works_on_the_sandbox_out_of_the_box(served: Any) -> None:
    s = served
    health = httpx.get(f"{s.url}/healthz").json()
    assert health["status"] == "ok"
    image = s.seeded.image_uris[0]
    key = {"x-api-key": s.write_key}
    r = httpx.put(
        f"{s.url}/api/v1/environments/feature/served",
        json={"image": image},
        headers=key,
        timeout=60,
    )
    assert r.status_code == 201, r.text
    assert r.json()["record"]["profile"] == "sandbox"
    d = httpx.delete(
        f"{s.url}/api/v1/environments/feature/served",
        headers=key,
        timeout=60,
    )
    assert d.status_code == 200, d.text


def test_apikey_ls_and_revoke(served: Any) -> None:
    s = served
    runner = CliRunner()
    cfg = ["--config", str(s.config)]
    env = s.env
    made = runner.invoke(
        apikey, ["create", "--name", "temp", "--scope", "read", "-o", "json", *cfg], env=env
    )
    assert made.exit_code == 0, made.output
    created = json.loads(made.output)
    assert created["scope"] == "read" and created["secret"].startswith("eden_")
    assert "secret_hash" not in created
    headers = {"x-api-key": created["secret"]}
    assert httpx.get(f"{s.url}/api/v1/whoami", headers=headers).status_code == 200

    listed = runner.invoke(apikey, ["ls", "-o", "json", *cfg], env=env)
    keys = {k["id"]: k for k in json.loads(listed.output)}
    assert created["id"] in keys and not keys[created["id"]]["revoked"]
    assert all("secret" not in k and "secret_hash" not in k for k in keys.values())
    text = runner.invoke(apikey, ["ls", *cfg], env=env)
    assert "temp" in text.output and created["secret"] not in text.output

    revoked = runner.invoke(apikey, ["revoke", created["id"], *cfg], env=env)
    assert revoked.exit_code == 0, revoked.output
    assert httpx.get(f"{s.url}/api/v1/whoami", headers=headers).status_code == 401
    again = runner.invoke(apikey, ["revoke", created["id"], *cfg], env=env)
    assert again.exit_code != 0
    bad_scope = runner.invoke(apikey, ["create", "--name", "x", "--scope", "admin", *cfg], env=env)
    assert bad_scope.exit_code != 0 and "admin" in bad_scope.output


def test_serve_help_and_missing_profile(tmp_path: Any) -> None:
    runner = CliRunner()
    assert "--port" in runner.invoke(serve, ["--help"]).output
    result = runner.invoke(
        serve, ["--config", f"{tmp_path}/none.toml", "--port", "0"], env={"EDEN_PROFILE": ""}
    )
    assert result.exit_code != 0
    assert "not found" in str(result.exception)
