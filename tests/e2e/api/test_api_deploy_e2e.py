"""What ships in deploy/: the SAM template lints, the workflow's calls work, Lambda answers."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

pytestmark = pytest.mark.e2e

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
CFN_LINT = Path(sys.executable).with_name("cfn-lint")


@pytest.mark.skipif(
    not CFN_LINT.exists() and shutil.which("cfn-lint") is None, reason="cfn-lint not installed"
)
def test_template_passes_cfn_lint() -> None:
    exe = str(CFN_LINT) if CFN_LINT.exists() else "cfn-lint"
    proc = subprocess.run(
        [exe, str(DEPLOY / "template.yaml")], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


ACTION = Path(__file__).resolve().parents[3] / ".github" / "actions" / "eden-preview"


def _uses(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    return [s for s in workflow["jobs"][job]["steps"] if "eden-preview" in str(s.get("uses"))]


@pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("jq") is None, reason="needs curl and jq"
)
def test_the_workflows_action_works_against_the_server(served: Any, tmp_path: Path) -> None:
    """The example workflow calls eden's composite action; its script creates, waits for
    the environment to serve, reports it in the summary, and deletes on close."""
    workflow = yaml.safe_load((DEPLOY / "github-actions-example.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["pull_request"]["types"] == ["opened", "synchronize", "reopened", "closed"]
    [deploy] = _uses(workflow, "deploy")
    [delete] = _uses(workflow, "delete")
    assert deploy["with"]["image"] == "${{ env.IMAGE }}" and "image" not in delete["with"]
    action = yaml.safe_load((ACTION / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    env = {
        "PATH": os.environ["PATH"],
        "EDEN_URL": served.url,
        "EDEN_KEY": served.write_key,
        "NAME": "feature/from-ci",
        "IMAGE": served.seeded.image_uris[0],
        "TIMEOUT": "60",
        "GH_TOKEN": "",  # no GitHub deployment: nothing leaves 127.0.0.1
        "NUMBER": "7",
        "SHA": "a" * 40,
        "API": "http://127.0.0.1:9",
        "REPO": "acme/api",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
    }
    script = str(ACTION / "eden-preview.sh")
    for action_name in ("opened", "closed"):
        proc = subprocess.run(
            ["bash", script],
            cwd=tmp_path,
            env={**env, "ACTION": action_name},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = (tmp_path / "summary.md").read_text()
    assert "Preview of #7: https://api-feature-from-ci.dev.example.com" in summary
    assert "Preview of #7 deleted." in summary
    outputs = (tmp_path / "output").read_text().splitlines()
    assert "url=https://api-feature-from-ci.dev.example.com" in outputs
    assert outputs[-2:] == ["operation=delete", "url="]


def _url_event(
    method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> dict[str, Any]:
    """A Lambda function URL event (payload format 2.0)."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "abc.lambda-url.eu-west-1.on.aws", **headers},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc",
            "domainName": "abc.lambda-url.eu-west-1.on.aws",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "test",
            },
            "requestId": "r-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "24/Nov/2026:12:00:00 +0000",
            "timeEpoch": 0,
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


class _Context:
    function_name = "eden-api"
    aws_request_id = "r-1"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def test_lambda_handler(served: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from eden.api import lambda_handler

    monkeypatch.setenv("EDEN_CONFIG", str(served.config))
    for key, value in served.env.items():
        if value:
            monkeypatch.setenv(key, value)
    monkeypatch.delenv("EDEN_PROFILE", raising=False)
    monkeypatch.setattr(lambda_handler, "_adapter", None)
    health = lambda_handler.handler(_url_event("GET", "/healthz", {}), _Context())
    assert health["statusCode"] == 200
    assert json.loads(health["body"])["status"] == "ok"
    refused = lambda_handler.handler(_url_event("GET", "/api/v1/environments", {}), _Context())
    assert refused["statusCode"] == 401
    listed = lambda_handler.handler(
        _url_event("GET", "/api/v1/environments", {"x-api-key": served.read_key}), _Context()
    )
    assert listed["statusCode"] == 200, listed
    assert "environments" in json.loads(listed["body"])
    assert httpx.get(f"{served.url}/healthz").status_code == 200  # the server is unaffected
