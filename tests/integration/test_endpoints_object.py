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


def test_a_later_write_skips_the_read_and_still_keeps_a_write_made_meanwhile(
    world: World,
) -> None:
    """The engine writes on top of the document as it last wrote it (IfMatch its ETag);
    someone else's write in between makes S3 refuse that, and the document is read. An
    edit that finds nothing to change in the remembered document reads it too."""
    bucket, key = world.seed.bucket, world.seed.key
    world.engine.create("feature/doc-one", world.image)
    world.clients.reset_calls()
    world.engine.create("feature/doc-two", world.image)
    reads = [c for c in world.clients.calls() if c.operation == "GetObject"]
    assert len(reads) == 1  # the snapshot's; the write did not read again
    records = [world.store.get("sandbox", f"feature-doc-{n}") for n in ("one", "two")]
    one, two = (r.names["endpoint_name"] for r in records if r is not None)

    # By hand: a foreign entry added, and doc-two's entry lost; then doc-two is deployed.
    s3 = world.checker.clients.client("s3")
    doc = world.checker.s3.get_json(bucket, key).doc
    doc["environments"] = [e for e in doc["environments"] if e["name"] != two]
    doc["environments"].append({"name": "by-hand", "env": "dev", "api": "h.example.com"})
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(doc).encode())
    world.engine.create("feature/doc-two", world.image)
    names = [e["name"] for e in world.checker.s3.get_json(bucket, key).doc["environments"]]
    assert {"by-hand", one, two} <= set(names) and len(names) == len(set(names))
