"""The 2019 API, called the way existing CI scripts call it: query strings and x-api-key."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.integration

LEGACY_KEYS = {"status", "message", "name", "cname"}


def test_create_deploy_delete_with_raw_query_strings(api: Any) -> None:
    image = api.seeded.image_uris[0]
    # Built by hand as a shell script would, with the branch's slash percent-encoded.
    query = f"name={quote('feature/legacy', safe='')}&image_uri={image}&profile=sandbox"
    r = api.client.get(f"/api/v1/create?{query}", headers=api.as_writer())
    assert r.status_code == 200, r.text
    assert r.json() == {
        "status": "ok",
        "message": r.json()["message"],
        "name": "feature-legacy",
        "cname": "api-feature-legacy.dev.example.com",
    }
    assert r.json()["message"].startswith("created feature-legacy in ")

    # An unencoded slash (what most scripts actually send) works just as well.
    r2 = api.client.get(
        f"/api/v1/create?name=feature/legacy&image_uri={api.seeded.image_uris[1]}",
        headers=api.as_writer(),
    )
    assert r2.status_code == 200 and r2.json()["message"].startswith("deployed")

    d = api.client.get(
        "/api/v1/delete?name=feature/legacy&profile=sandbox", headers=api.as_writer()
    )
    assert d.status_code == 200
    assert d.json()["status"] == "ok" and d.json()["cname"] == "api-feature-legacy.dev.example.com"
    listed = api.client.get("/api/v1/environments", headers=api.as_reader()).json()
    assert listed["environments"] == []


def test_errors_keep_the_2019_shape(api: Any) -> None:
    cases = [
        ("/api/v1/create?name=feature/x&image_uri=not%20an%20image", api.as_writer(), 422),
        ("/api/v1/create?name=feature/x", api.as_writer(), 422),  # image_uri missing
        ("/api/v1/create?name=a..b&image_uri=x/y:1", api.as_writer(), 422),
        ("/api/v1/create?name=x&image_uri=x/y:1&profile=nope", api.as_writer(), 404),
        ("/api/v1/create?name=x&image_uri=x/y:1", {}, 401),
        ("/api/v1/create?name=x&image_uri=x/y:1", api.as_reader(), 403),
        ("/api/v1/delete?name=x", {"x-api-key": "wrong"}, 401),
    ]
    for path, headers, status in cases:
        r = api.client.get(path, headers=headers)
        assert r.status_code == status, (path, r.text)
        body = r.json()
        assert set(body) == LEGACY_KEYS, body
        assert body["status"] == "error" and body["message"], body
    listed = api.client.get("/api/v1/environments", headers=api.as_reader()).json()
    assert listed["environments"] == []


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_with_curl(api: Any) -> None:
    image = api.seeded.image_uris[0]

    def curl(path: str, key: str) -> tuple[int, dict[str, Any]]:
        out = subprocess.run(
            ["curl", "-sS", "-w", "\n%{http_code}", "-H", f"x-api-key: {key}", api.url + path],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        body, _, code = out.rpartition("\n")
        return int(code), json.loads(body)

    code, body = curl(
        f"/api/v1/create?name=feature/curl&image_uri={image}&profile=sandbox", api.write_key
    )
    assert code == 200 and body["status"] == "ok", body
    assert body["cname"] == "api-feature-curl.dev.example.com"
    code, body = curl("/api/v1/delete?name=feature/curl&profile=sandbox", api.write_key)
    assert code == 200 and body["status"] == "ok", body
    code, body = curl("/api/v1/delete?name=feature/curl", "eden_wrong")
    assert code == 401 and body["status"] == "error"
