"""``eden github status PR`` and ``eden github sync`` against the GitHub double."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from payloads import REPO

from eden.cli import main

pytestmark = pytest.mark.integration


def _config(hub: Any, tmp_path: Path, app_key: Any) -> str:
    pem = tmp_path / "app.pem"
    pem.write_bytes(
        app_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    config = tmp_path / "eden.toml"  # the server's profiles file, plus eden's GitHub side
    with config.open("a") as f:
        f.write(
            f'\n[api.github]\napi_url = "{hub.gh.url}"\napp_id = "4242"\n'
            f'private_key_file = "app.pem"\n\n[api.github.repositories]\n'
            f'"{REPO}" = "sandbox"\n'
        )
    return str(config)


def test_status_and_sync(hub: Any, tmp_path: Path, app_key: Any, capsys: Any) -> None:
    sha = hub.sha(1)
    hub.push(sha)
    assert hub.done(hub.send(hub.pr("opened", sha)))["status"] == "succeeded"
    config = _config(hub, tmp_path, app_key)

    assert main(["github", "status", str(hub.number), "--config", config]) == 0
    text = capsys.readouterr().out
    assert f"eden:    {hub.branch} ready at {hub.host}" in text
    assert f"deployment success (Ready: {hub.host})" in text
    assert "check: check run completed success; comment: eden preview: ready" in text
    assert "= eden and GitHub agree" in text

    hub.server.state.eden.registry.engine("sandbox").delete(hub.branch)  # by hand
    assert main(["github", "status", str(hub.number), "--config", config, "-o", "json"]) == 0
    view = json.loads(capsys.readouterr().out)
    assert view["eden"] is None and view["github"]["deployment"]["state"] == "success"
    assert view["disagreements"][0].startswith("GitHub shows the preview as success, but eden")

    assert main(["github", "sync", "--config", config]) == 0
    assert "1 preview(s) marked deleted on GitHub" in capsys.readouterr().out
    assert hub.gh.previews(REPO, hub.number)[0]["states"][-1] == "inactive"


def test_status_of_a_pull_request_that_does_not_exist(
    hub: Any, tmp_path: Path, app_key: Any, capsys: Any
) -> None:
    config = _config(hub, tmp_path, app_key)
    assert main(["github", "status", "99999", "--config", config]) == 4
    err = capsys.readouterr().err
    assert f"error: pull request #99999 does not exist in {REPO.lower()}" in err
