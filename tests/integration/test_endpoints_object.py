"""Writing the endpoints document changes its body only: what an operator set on the
object (cache control, metadata, content type) stays; a profile may set some itself."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from eden_world import World

from eden.wiring import open_engine

pytestmark = pytest.mark.integration


def _head(world: World) -> dict[str, object]:
    s3 = world.checker.clients.client("s3")
    return dict(s3.head_object(Bucket=world.seed.bucket, Key=world.seed.key))


def test_the_objects_own_settings_survive_every_write(world: World) -> None:
    s3 = world.checker.clients.client("s3")
    doc = world.checker.s3.get_json(world.seed.bucket, world.seed.key).doc
    s3.put_object(
        Bucket=world.seed.bucket,
        Key=world.seed.key,
        Body=json.dumps(doc).encode(),
        CacheControl="max-age=30, must-revalidate",
        ContentType="application/json; charset=utf-8",
        Metadata={"owner": "mobile-team"},
    )
    world.engine.create("feature/cached-doc", world.image)
    world.engine.delete("feature/cached-doc")
    head = _head(world)
    assert head["CacheControl"] == "max-age=30, must-revalidate"
    assert head["ContentType"] == "application/json; charset=utf-8"
    assert head["Metadata"] == {"owner": "mobile-team"}


def test_a_profile_can_set_cache_control_and_acl(world: World) -> None:
    profile = world.engine.profile
    assert profile.endpoints is not None
    endpoints = replace(profile.endpoints, cache_control="no-cache", acl="public-read")
    with open_engine(
        replace(profile, endpoints=endpoints), store=world.store, clients=world.clients
    ) as engine:
        engine.create("feature/public-doc", world.image)
    assert _head(world)["CacheControl"] == "no-cache"
    s3 = world.checker.clients.client("s3")
    grants = s3.get_object_acl(Bucket=world.seed.bucket, Key=world.seed.key)["Grants"]
    assert any(
        g["Grantee"].get("URI") == "http://acs.amazonaws.com/groups/global/AllUsers"
        and g["Permission"] == "READ"
        for g in grants
    )
