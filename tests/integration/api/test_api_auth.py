"""Who may call what: no key, wrong key, revoked key, read-only key on a write."""

from __future__ import annotations

from typing import Any

import pytest

from eden.api.auth import hash_secret, issue_key
from eden.api.problems import UNAUTHORIZED_MESSAGE

pytestmark = pytest.mark.integration


@pytest.fixture
def api(shared_api: Any) -> Any:
    """These tests change nothing, so they share one seeded account and server."""
    return shared_api


READS = [
    ("GET", "/api/v1/environments"),
    ("GET", "/api/v1/environments/feature/x"),
    ("GET", "/api/v1/operations"),
    ("GET", "/api/v1/operations/abc"),
    ("GET", "/api/v1/whoami"),
    ("GET", "/metrics"),
]
# What a reader gets from each: nothing exists in this account, so one environment or
# operation by name is not found; the lists, whoami and metrics answer.
READ_STATUS = {
    "/api/v1/environments": 200,
    "/api/v1/environments/feature/x": 404,
    "/api/v1/operations": 200,
    "/api/v1/operations/abc": 404,
    "/api/v1/whoami": 200,
    "/metrics": 200,
}
WRITES = [
    ("PUT", "/api/v1/environments/feature/x"),
    ("PUT", "/api/v1/environments?name=feature/x"),
    ("DELETE", "/api/v1/environments/feature/x"),
    ("DELETE", "/api/v1/environments?name=feature/x"),
    ("GET", "/api/v1/create?name=feature/x&image_uri=a/b:1"),
    ("GET", "/api/v1/delete?name=feature/x"),
]


def _call(api: Any, method: str, path: str, headers: dict[str, str]) -> Any:
    body = {"image": api.seeded.image_uris[0]} if method == "PUT" else None
    return api.client.request(method, path, json=body, headers=headers)


def test_matrix(api: Any) -> None:
    revoked, revoked_secret = issue_key(api.store, "old", "write")
    api.store.revoke_api_key(revoked.id)
    refused = [
        {},
        {"x-api-key": ""},
        {"x-api-key": "eden_wrong"},
        {"x-api-key": hash_secret(api.write_key)},  # the stored hash is not a key
        {"x-api-key": revoked_secret},
        {"authorization": f"Basic {api.write_key}"},
        {"x-api-key": "x" * 5000},
    ]
    bodies = set()
    for method, path in READS + WRITES:
        for headers in refused:
            r = _call(api, method, path, headers)
            assert r.status_code == 401, (method, path, headers, r.text)
            bodies.add(r.json()["message"])
    # Every refusal reads the same, and says nothing of the key: nothing tells keys apart.
    assert bodies == {UNAUTHORIZED_MESSAGE}

    for method, path in WRITES:
        r = _call(api, method, path, api.as_reader())
        assert r.status_code == 403, (method, path, r.text)
        assert "read-only" in r.json()["message"]
    for method, path in READS:
        r = _call(api, method, path, api.as_reader())
        assert r.status_code == READ_STATUS[path], (method, path, r.text)
    bearer = api.client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {api.write_key}"})
    assert bearer.json()["scope"] == "write"
    # Nothing was created by any refused call.
    assert (
        api.client.get("/api/v1/environments", headers=api.as_reader()).json()["environments"] == []
    )


def test_open_endpoints(api: Any) -> None:
    assert api.client.get("/healthz").status_code == 200
    assert api.client.get("/").status_code == 200  # the page; its data needs a key
    assert api.client.get("/openapi.json").status_code == 200


def test_revoking_takes_effect_at_once(api: Any) -> None:
    key, secret = issue_key(api.store, "temp", "read")
    headers = {"x-api-key": secret}
    assert api.client.get("/api/v1/whoami", headers=headers).status_code == 200
    assert api.store.revoke_api_key(key.id)
    assert api.client.get("/api/v1/whoami", headers=headers).status_code == 401


def test_the_key_is_judged_before_the_body(api: Any) -> None:
    """FastAPI parses bodies before dependencies; a caller without a key learns nothing."""
    for headers in ({}, {"x-api-key": "eden_wrong"}):
        r = api.client.put(
            "/api/v1/environments/feature/x",
            content=b"{not json",
            headers={**headers, "content-type": "application/json"},
        )
        assert r.status_code == 401, r.text
        legacy = api.client.get("/api/v1/create", headers=headers)  # parameters missing
        assert legacy.status_code == 401 and legacy.json()["status"] == "error"
    r = api.client.put(
        "/api/v1/environments/feature/x",
        content=b"{not json",
        headers={**api.as_writer(), "content-type": "application/json"},
    )
    assert r.status_code == 422
