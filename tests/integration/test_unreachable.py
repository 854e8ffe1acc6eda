"""AWS that does not answer: a closed port, no credentials. Every command says where it
tried and what to check, exits with AWS's code (5), and the API answers 503."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from eden.api import ApiSettings, create_app
from eden.api.auth import issue_key
from eden.api.serving import ServerThread
from eden.cli import main
from eden.config import write_profile
from eden.state import SqliteStore

pytestmark = pytest.mark.integration

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1"


def _closed_port() -> int:
    """A loopback port nothing listens on (connections are refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def dead_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    port = _closed_port()
    url = f"http://127.0.0.1:{port}"
    values: dict[str, Any] = {
        "region": "eu-west-1",
        "endpoint_url": url,
        "cluster": "dev",
        "reference_service": "api",
        "listener_arn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:"
        "listener/app/shared/abc/def",
        "zone_id": "Z0123456789ABC",
        "state": f"sqlite:///{tmp_path / 'state.db'}",
    }
    config = tmp_path / "eden.toml"
    write_profile(config, "dead", values)
    monkeypatch.setenv("EDEN_CONFIG", str(config))
    monkeypatch.delenv("EDEN_PROFILE", raising=False)
    yield url


@pytest.mark.parametrize(
    "args",
    [
        ["create", "feature/x", "--image", IMAGE],
        ["delete", "feature/x"],
        ["config", "check"],
        ["gc", "--orphans", "--dry-run"],
    ],
    ids=["create", "delete", "config-check", "gc-orphans"],
)
def test_unreachable_endpoint_is_a_clear_aws_error(
    dead_endpoint: str, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(args)
    err = capsys.readouterr().err
    assert code == 5, err
    assert "internal error" not in err
    assert "error: cannot reach AWS: Could not connect to the endpoint URL" in err
    assert f"at {dead_endpoint} (eu-west-1)" in err
    assert "eden sandbox status" in err


def test_missing_credentials_say_how_to_give_some(
    dead_endpoint: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask 169.254.169.254
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("EDEN_ENDPOINT_URL", "")  # real AWS: no fixed sandbox credentials
    path = Path(os.environ["EDEN_CONFIG"])
    text = path.read_text().replace(f'endpoint_url = "{dead_endpoint}"\n', "")
    path.write_text(text)
    code = main(["delete", "feature/x"])
    err = capsys.readouterr().err
    assert code == 5, err
    assert "error: no AWS credentials to sign the request with" in err
    assert "aws configure" in err


def test_the_api_answers_503_with_the_message(dead_endpoint: str, tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "api.db")
    _, secret = issue_key(store, "writer", "write")
    settings = ApiSettings(config=Path(os.environ["EDEN_CONFIG"]), store=store)
    try:
        with (
            ServerThread(create_app(settings)) as server,
            httpx.Client(base_url=server.url, timeout=60) as client,
        ):
            r = client.put(
                "/api/v1/environments/feature/x",
                json={"image": IMAGE},
                headers={"x-api-key": secret},
            )
            assert r.status_code == 503, r.text
            assert r.json()["error"] == "AwsUnreachable"
            assert r.json()["message"].startswith("cannot reach AWS: Could not connect")
            listed = client.get("/api/v1/environments", headers={"x-api-key": secret})
            assert listed.status_code == 200 and listed.json()["environments"] == []
    finally:
        store.close()
