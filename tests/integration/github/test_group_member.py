"""A repository mapped to one service of a group (``"owner/web" = "sandbox:web"``): its
pull requests build that service; the group's other services run their references'
images, and the PR's close removes every service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from payloads import REPO

from conftest import running_hub

pytestmark = pytest.mark.integration


def test_a_repository_mapped_to_a_member_deploys_that_member(
    tmp_path: Path, account: dict[str, Any], moto_url: str, app_key: rsa.RSAPrivateKey
) -> None:
    values = {k: v for k, v in account.items() if k not in ("container", "domain_prefix")}
    reference = values.pop("reference_service")
    values["services"] = {
        "api": {"reference_service": reference, "container": "app"},
        "web": {"reference_service": reference, "container": "app"},
    }
    mapped = {REPO.lower(): "sandbox"}
    with running_hub(tmp_path, moto_url, values, app_key, repositories=mapped,
                     services={REPO.lower(): "web"}) as hub:  # fmt: skip
        image = hub.push(hub.sha(1))
        op = hub.done(hub.send(hub.pr("opened", hub.sha(1))))
        assert op["status"] == "succeeded", op
        env = hub.env(hub.branch).json()
        images = {s["role"]: s["image"] for s in env["services"]}
        assert images["web"] == image
        assert images["api"] != image  # the reference's image, not this repository's
        op = hub.done(hub.send(hub.pr("closed", hub.sha(1))))
        assert op["status"] == "succeeded", op
        assert hub.env(hub.branch).status_code == 404

