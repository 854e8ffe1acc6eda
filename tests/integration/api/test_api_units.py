"""The API's pure parts, without a server: settings, templates, signatures, metrics, keys."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eden.api.auth import hash_secret, issue_key, verify
from eden.api.jobs import check_image
from eden.api.metrics import Metrics
from eden.api.settings import WebhookSettings, load_settings
from eden.api.webhooks import image_for, signature
from eden.errors import ConfigError, UsageError
from eden.state import SqliteStore


def test_settings_from_the_api_table(tmp_path: Path) -> None:
    config = tmp_path / "eden.toml"
    config.write_text(
        '[api]\nwebhook_secret = "s1"\nregistry = "reg.example"\nwebhook_profile = "dev"\n'
        '[api.profiles.dev]\nimage_template = "{registry}/app:{short_sha}"\n'
    )
    s = load_settings(config, environ={})
    assert s.webhook == WebhookSettings("s1", "reg.example", "{registry}/{repo}:{sha}")
    assert s.webhook_for("dev").image_template == "{registry}/app:{short_sha}"
    assert s.webhook_for("dev").secret == "s1"
    assert s.webhook_profile == "dev"
    from_env = load_settings(config, environ={"EDEN_WEBHOOK_SECRET": "s2"})
    assert from_env.webhook.secret == "s2" and from_env.webhook_for("dev").secret == "s2"
    assert load_settings(tmp_path / "missing.toml", environ={}).webhook.secret is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[api]\nimage_template = "{registry}/{typo}:{sha}"\n',
         "image_template '{registry}/{typo}:{sha}' is not usable: 'typo'"),
        ("[api]\nwebhook_secret = 5\n", "webhook_secret must be a string"),
        ("api = 3\n", "[api] must be a table"),
        ("[api]\nprofiles = 1\n", "[api.profiles] must be a table of tables"),
    ],
)
def test_bad_settings_fail_at_start(tmp_path: Path, text: str, says: str) -> None:
    config = tmp_path / "eden.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(says)):
        load_settings(config, environ={})


def test_image_template_and_signature() -> None:
    payload = {
        "number": 7,
        "pull_request": {"head": {"ref": "feature/x", "sha": "abcdef1234567890"}},
        "repository": {"name": "api", "full_name": "acme/api", "owner": {"login": "acme"}},
    }
    hook = WebhookSettings("s", "reg.example", "{registry}/{full_name}:{short_sha}-{number}")
    assert image_for(hook, payload) == "reg.example/acme/api:abcdef1-7"
    # GitHub's documented example: secret and body give this exact signature.
    assert signature("It's a Secret to Everybody", b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_image_references() -> None:
    for ok in (
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:abc123",
        "localhost:5000/team/api@sha256:" + "a" * 64,
        "nginx",
    ):
        assert check_image(ok) == ok
    for bad in ("repo@", "Upper/case:1", "a:b:c", "a//b", "x:" + "t" * 200):
        with pytest.raises(UsageError, match=r" is not a container image reference$"):
            check_image(bad)


def test_keys_are_hashed_and_verified(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    key, secret = issue_key(store, "ci", "write")
    assert key.secret_hash == hash_secret(secret) and secret not in key.secret_hash
    assert verify(store, secret) == key
    assert verify(store, secret + "x") is None and verify(store, None) is None
    store.revoke_api_key(key.id)
    assert verify(store, secret) is None
    with pytest.raises(UsageError, match=r"^scope must be read or write, got 'admin'$"):
        issue_key(store, "x", "admin")
    with pytest.raises(UsageError, match=r"^the key's name must be 1-100 characters$"):
        issue_key(store, " ", "read")
    store.close()


def test_metrics_text_format() -> None:
    m = Metrics()
    m.request("GET", "/healthz", 200)
    m.started()
    m.finished("create", "ok", "api", 0.3)
    m.started()
    m.finished("create", "failed", "webhook", 12.0)
    m.webhook("pull_request", "deploy")
    text = m.render()
    assert 'eden_api_requests_total{method="GET",route="/healthz",status="200"} 1' in text
    assert 'eden_operation_seconds_bucket{operation="create",le="0.5"} 1' in text
    assert 'eden_operation_seconds_bucket{operation="create",le="+Inf"} 2' in text
    assert 'eden_operation_seconds_count{operation="create"} 2' in text
    assert "eden_operations_in_flight 0" in text
    assert text.endswith("\n")
