"""Input of every odd shape gets a 4xx that says why, and nothing is left half-made."""

from __future__ import annotations

from typing import Any

import pytest

from eden.sandbox.seed import SeedInfo, sandbox_clients

pytestmark = pytest.mark.integration


@pytest.fixture
def api(shared_api: Any) -> Any:
    """These tests change nothing, so they share one seeded account and server."""
    return shared_api


ODD_NAMES = [
    "feature/has space",
    "a..b",
    "trailing/",
    "/leading",
    "x.lock",
    "ctrl\x07char",
    "star*name",
    "colon:name",
    "back\\slash",
    "q?mark",
    "x" * 300,
    "@",
    "-",
    ".hidden",
]
ODD_IMAGES = [
    "",
    " ",
    "has space:1",
    "x" * 300,
    "../../etc/passwd",
    "image;rm -rf /",
    ":tag-only",
    "ünïcode/image:1",
    "repo@",
]


def _nothing_made(api: Any, seeded: SeedInfo) -> None:
    assert (
        api.client.get("/api/v1/environments", headers=api.as_reader()).json()["environments"] == []
    )
    ecs = sandbox_clients(api.moto_url).client("ecs")
    services = ecs.list_services(cluster=seeded.cluster)["serviceArns"]
    assert [s for s in services if "/eden-" in s] == []


def test_odd_names(api: Any) -> None:
    image = api.seeded.image_uris[0]
    for name in ODD_NAMES:
        r = api.client.put(
            "/api/v1/environments",
            params={"name": name},
            json={"image": image},
            headers=api.as_writer(),
        )
        assert r.status_code == 422, (name, r.text)
        body = r.json()
        assert body["error"] in ("UsageError", "ValidationError") and body["message"], body
    r = api.client.put("/api/v1/environments/", json={"image": image}, headers=api.as_writer())
    assert r.status_code == 422 and "empty" in r.json()["message"]
    r = api.client.put(
        "/api/v1/environments/feature/x",
        json={"image": image, "alias": "Not_An_Alias!"},
        headers=api.as_writer(),
    )
    assert r.status_code == 422 and "alias" in r.json()["message"]
    _nothing_made(api, api.seeded)


def test_odd_images_and_bodies(api: Any) -> None:
    for image in ODD_IMAGES:
        r = api.client.put(
            "/api/v1/environments/feature/x", json={"image": image}, headers=api.as_writer()
        )
        assert r.status_code == 422, (image, r.text)
        assert r.json()["message"]
    malformed = [
        (b"{not json", "not valid JSON"),
        (b"", "JSON object"),
        (b"[]", "JSON object"),
        (b'{"image": 5}', "image"),
        (b'{"image": "x/y:1", "surprise": true}', "surprise"),
        (b'{"image": "x/y:1", "env": {"1BAD": "v"}}', "env"),
        (b'{"image": "x/y:1", "env": "LOG=1"}', "env"),
        (b'{"image": "x/y:1", "dry_run": "maybe"}', "dry_run"),
    ]
    for raw, hint in malformed:
        r = api.client.put(
            "/api/v1/environments/feature/x",
            content=raw,
            headers={**api.as_writer(), "content-type": "application/json"},
        )
        assert r.status_code == 422, (raw, r.text)
        assert hint in r.json()["message"], (raw, r.json())
        assert "Traceback" not in r.text
    _nothing_made(api, api.seeded)


def test_huge_body_is_413(api: Any) -> None:
    huge = b'{"image": "' + b"a" * (70 * 1024) + b'"}'
    r = api.client.put(
        "/api/v1/environments/feature/x",
        content=huge,
        headers={**api.as_writer(), "content-type": "application/json"},
    )
    assert r.status_code == 413 and "larger than" in r.json()["message"]

    def chunks() -> Any:  # no Content-Length: the limit holds for streamed bodies too
        for _ in range(100):
            yield b"a" * 1024

    r = api.client.put("/api/v1/environments/feature/x", content=chunks(), headers=api.as_writer())
    assert r.status_code == 413
    # The webhook route takes what GitHub may send (25 MB), and no more.
    hook = api.client.post("/api/v1/webhooks/github", content=huge)
    assert hook.status_code == 401 and "X-Hub-Signature-256" in hook.json()["message"]
    hook = api.client.post("/api/v1/webhooks/github", content=b"a" * (25 * 1024 * 1024 + 1))
    assert hook.status_code == 413
    _nothing_made(api, api.seeded)


def test_unknown_profile_is_404(api: Any) -> None:
    image = api.seeded.image_uris[0]
    for profile in ("nope", "../etc", "x" * 64):
        r = api.client.put(
            "/api/v1/environments/feature/x",
            params={"profile": profile},
            json={"image": image},
            headers=api.as_writer(),
        )
        assert r.status_code == 404, (profile, r.text)
        assert "no profile" in r.json()["message"]
        r = api.client.get(
            "/api/v1/environments", params={"profile": profile}, headers=api.as_reader()
        )
        assert r.status_code == 404
    r = api.client.get(
        "/api/v1/environments", params={"profile": "x" * 65}, headers=api.as_reader()
    )
    assert r.status_code == 422
    _nothing_made(api, api.seeded)
