"""create / deploy / delete against a real moto server, with AWS's rules enforced."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from eden_world import World
from inventory import inventory

from eden.core.naming import DNS_LABEL_MAX, TARGET_GROUP_MAX, short_hash
from eden.envs.endpoints_sync import sync_endpoints
from eden.errors import ConfigError, ExecutionFailed, UsageError

EDEN_TAGS = {"eden:managed-by": "eden", "eden:profile": "sandbox"}


def _tags(items: list[dict[str, str]], key: str = "key", value: str = "value") -> dict[str, str]:
    return {t[key]: t[value] for t in items}


def test_create_makes_the_six_resources_tagged_and_wired(world: World) -> None:
    before = inventory(world.checker, world.seed)
    out = world.engine.create("feature/login", world.image)
    assert out.operation == "create"
    assert out.url == "https://api-feature-login.dev.example.com"
    ecs = world.checker.clients.client("ecs")
    elbv2 = world.checker.clients.client("elbv2")

    # 1. task definition: the new image in the target container, the sidecar untouched.
    td = ecs.describe_task_definition(taskDefinition="eden-feature-login", include=["TAGS"])
    containers = {c["name"]: c for c in td["taskDefinition"]["containerDefinitions"]}
    assert containers["app"]["image"] == world.image
    ref_td = ecs.describe_task_definition(taskDefinition="api")["taskDefinition"]
    ref_sidecar = next(c for c in ref_td["containerDefinitions"] if c["name"] == "log-router")
    assert containers["log-router"] == ref_sidecar
    assert td["taskDefinition"]["cpu"] == ref_td["cpu"]
    assert td["taskDefinition"]["executionRoleArn"] == ref_td["executionRoleArn"]
    assert EDEN_TAGS.items() <= _tags(td["tags"]).items()
    assert _tags(td["tags"])["eden:env"] == "feature-login"

    # 2. target group cloned from the reference's.
    tg = elbv2.describe_target_groups(Names=["eden-feature-login"])["TargetGroups"][0]
    ref_tg = elbv2.describe_target_groups(Names=["api-reference"])["TargetGroups"][0]
    for key in ("Protocol", "Port", "VpcId", "HealthCheckPath", "TargetType"):
        assert tg[key] == ref_tg[key]
    tg_tags = elbv2.describe_tags(ResourceArns=[tg["TargetGroupArn"]])["TagDescriptions"][0]["Tags"]
    assert EDEN_TAGS.items() <= _tags(tg_tags, "Key", "Value").items()

    # 3. host rule on the shared HTTPS listener -> the target group.
    rules = [r for r in world.checker.elbv2.rules(world.seed.listener_arn) if not r["IsDefault"]]
    assert len(rules) == 1
    assert rules[0]["Conditions"][0]["HostHeaderConfig"]["Values"] == [
        "api-feature-login.dev.example.com"
    ]
    assert rules[0]["Actions"][0]["TargetGroupArn"] == tg["TargetGroupArn"]

    # 4. service in the reference cluster behind that target group.
    svc = world.checker.ecs.describe_service(world.seed.cluster, "eden-feature-login")
    assert svc is not None
    assert svc["loadBalancers"][0]["targetGroupArn"] == tg["TargetGroupArn"]
    assert svc["loadBalancers"][0]["containerName"] == "app"
    assert svc["taskDefinition"] == td["taskDefinition"]["taskDefinitionArn"]
    assert svc["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
    assert EDEN_TAGS.items() <= _tags(svc["tags"]).items()

    # 5. alias record to the shared ALB.
    rec = world.checker.route53.record(world.seed.zone_id, "api-feature-login.dev.example.com")
    assert rec is not None and rec["Type"] == "A"
    alb = world.checker.elbv2.describe_load_balancer(world.seed.shared_alb_arn)
    assert alb is not None
    assert rec["AliasTarget"]["DNSName"].rstrip(".") == alb["DNSName"].rstrip(".")

    # 6. endpoints entry added; the entry eden does not manage is kept.
    doc = world.checker.s3.get_json(world.seed.bucket, world.seed.key).doc
    assert doc is not None
    names = {e["name"]: e for e in doc["environments"]}
    assert names["dev-feature-login"] == {
        "name": "dev-feature-login",
        "env": "dev",
        "api": "api-feature-login.dev.example.com",
    }
    assert "staging" in names

    after = inventory(world.checker, world.seed)
    assert len(after["services"]) == len(before["services"]) + 1
    assert len(after["target_groups"]) == len(before["target_groups"]) + 1
    assert len(after["task_definitions"]) == len(before["task_definitions"]) + 1
    assert len(after["records"]) == len(before["records"]) + 1
    assert not world.rules.violations

    rec_state = world.store.get("sandbox", "feature-login")
    assert rec_state is not None and rec_state.status == "ready"
    assert rec_state.services[0].service_arn == svc["serviceArn"]


def test_rule_is_created_before_the_service(world: World) -> None:
    world.engine.create("feature/order", world.image)
    ops = [c.operation for c in world.clients.calls()]
    assert ops.index("CreateRule") < ops.index("CreateService")
    rule_end = next(c.end for c in world.clients.calls() if c.operation == "CreateRule")
    svc_start = next(c.start for c in world.clients.calls() if c.operation == "CreateService")
    assert rule_end <= svc_start


def test_aws_rules_fixture_rejects_a_service_before_its_rule(world: World) -> None:
    """The enforcement itself can fail: without a rule, CreateService is refused."""
    ecs = world.clients.client("ecs")
    elbv2 = world.clients.client("elbv2")
    tg = elbv2.create_target_group(
        Name="lonely", Protocol="HTTP", Port=8080, VpcId=world.seed.vpc_id, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    with pytest.raises(ClientError, match="does not have an associated load balancer"):
        ecs.create_service(
            cluster=world.seed.cluster,
            serviceName="lonely",
            taskDefinition="api",
            desiredCount=1,
            loadBalancers=[{"targetGroupArn": tg, "containerName": "app", "containerPort": 8080}],
            networkConfiguration={"awsvpcConfiguration": {"subnets": list(world.seed.subnet_ids)}},
        )
    with pytest.raises(ClientError, match="not idempotent"):
        svc = world.checker.ecs.describe_service(world.seed.cluster, "api")
        assert svc is not None
        ecs.create_service(
            cluster=world.seed.cluster,
            serviceName="api",
            taskDefinition="api",
            desiredCount=1,
            networkConfiguration=svc["networkConfiguration"],
        )
    with pytest.raises(ClientError, match=r"(?i)target group name"):
        elbv2.create_target_group(Name="x" * 33, Protocol="HTTP", Port=80, VpcId=world.seed.vpc_id)


def test_second_create_deploys_a_new_revision(world: World) -> None:
    world.engine.create("feature/login", world.image)
    world.clients.reset_calls()
    new_image = world.seed.image_uris[1]
    out = world.engine.create("feature/login", new_image)
    assert out.operation == "deploy"
    assert [s.id for s in out.plan.steps] == ["task_definition", "service"]
    ops = [c.operation for c in world.clients.calls()]
    assert "CreateService" not in ops and "CreateTargetGroup" not in ops
    svc = world.checker.ecs.describe_service(world.seed.cluster, "eden-feature-login")
    assert svc is not None and svc["taskDefinition"].endswith("eden-feature-login:2")
    ecs = world.checker.clients.client("ecs")
    td = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    assert next(c for c in td["containerDefinitions"] if c["name"] == "app")["image"] == new_image
    record = world.store.get("sandbox", "feature-login")
    assert record is not None and record.image == new_image
    events = world.store.events("sandbox", "feature-login")
    assert [e.action for e in events] == ["deploy", "create"]


def test_delete_leaves_exactly_what_was_there_before(world: World) -> None:
    before = inventory(world.checker, world.seed)
    world.engine.create("feature/login", world.image)
    world.engine.create("feature/login", world.seed.image_uris[1])  # two revisions
    out = world.engine.delete("feature/login")
    assert [s.id for s in out.plan.steps][:2] == ["endpoint", "dns_record"]
    assert inventory(world.checker, world.seed) == before
    assert world.store.get("sandbox", "feature-login") is None
    assert not world.rules.violations


def test_delete_of_what_is_gone_succeeds(world: World) -> None:
    world.engine.create("feature/login", world.image)
    world.engine.delete("feature/login")
    again = world.engine.delete("feature/login")
    assert again.plan.steps == ()
    assert "already deleted" in again.messages[0]
    never = world.engine.delete("feature/never-existed")
    assert never.plan.steps == ()


def test_delete_finds_resources_without_state(world: World) -> None:
    """State lost (or a half-made env): delete finds everything by its names."""
    before = inventory(world.checker, world.seed)
    world.engine.create("feature/login", world.image)
    world.store.delete("sandbox", "feature-login")
    out = world.engine.delete("feature/login")
    assert len(out.plan.steps) == 6
    assert inventory(world.checker, world.seed) == before


def test_long_branches_sharing_a_prefix_get_distinct_valid_names(world: World) -> None:
    base = "feature/JIRA-4242-make-the-checkout-page-load-faster-for-everyone"
    a = world.engine.create(base + "-part-one", world.image)
    b = world.engine.create(base + "-part-two", world.image)
    assert a.url != b.url
    tgs = {r.names["target_group"] for r in world.store.list_envs("sandbox")}
    assert len(tgs) == 2 and all(len(t) <= TARGET_GROUP_MAX for t in tgs)
    for out in (a, b):
        assert len(out.url.removeprefix("https://").split(".")[0]) <= DNS_LABEL_MAX
    assert not world.rules.violations


def test_alias_names_the_environment(world: World) -> None:
    out = world.engine.create("feature/" + "x" * 120, world.image, alias="xx")
    assert out.url == "https://api-xx.dev.example.com"
    # A later deploy by branch finds the alias again.
    again = world.engine.create("feature/" + "x" * 120, world.seed.image_uris[1])
    assert again.operation == "deploy" and again.env == "xx"


def test_a_name_taken_by_another_branch_is_refused(world: World) -> None:
    world.engine.create("feature/login", world.image)
    before = inventory(world.checker, world.seed)
    with pytest.raises(UsageError, match="already used by branch 'feature/login'"):
        world.engine.create("feature-login", world.image)
    assert inventory(world.checker, world.seed) == before


@pytest.mark.parametrize(
    "branch",
    ["", "has space", "a..b", "x" * 256, "bad~name", "trailing/"],
)
def test_bad_branch_names_change_nothing(world: World, branch: str) -> None:
    before = inventory(world.checker, world.seed)
    with pytest.raises(UsageError):
        world.engine.create(branch, world.image)
    assert inventory(world.checker, world.seed) == before
    assert world.clients.calls() == []  # rejected before any AWS call


def test_unicode_and_250_character_branches_work(world: World) -> None:
    a = world.engine.create("feature/Ünïcode-straße", world.image)
    b = world.engine.create("feature/" + "y" * 242, world.image)
    assert a.env == "feature-unicode-strasse"  # ß reads "ss" (it was dropped before)
    assert len(b.env) <= 40
    digest = short_hash("feature/" + "y" * 242)  # one hash in every name that was cut
    assert b.env.endswith(digest) and b.record is not None
    assert b.record.names["target_group"].endswith(f"-{digest}")
    assert not world.rules.violations


@pytest.mark.parametrize(
    "image",
    [
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:does-not-exist",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/no-such-repo:v1",
        "not an image",
        "",
    ],
)
def test_bad_images_change_nothing(world: World, image: str) -> None:
    before = inventory(world.checker, world.seed)
    with pytest.raises(UsageError):
        world.engine.create("feature/login", image)
    assert inventory(world.checker, world.seed) == before
    assert world.store.list_envs() == []


def test_failure_half_way_is_undone(world: World) -> None:
    before = inventory(world.checker, world.seed)

    def boom(**_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "ServiceUnavailable", "Message": "boom"}}, "CreateService"
        )

    world.clients.on("before-call.ecs.CreateService", boom)
    with pytest.raises(ExecutionFailed, match="boom") as info:
        world.engine.create("feature/login", world.image)
    assert "undid" in (info.value.hint or "")
    assert inventory(world.checker, world.seed) == before
    assert world.store.get("sandbox", "feature-login") is None
    events = world.store.events("sandbox", "feature-login")
    assert [e.result for e in events] == ["failed"]


def test_keep_on_failure_keeps_and_the_next_create_converges(world: World, profile: Any) -> None:
    failing = {"on": True}

    def boom(**_: Any) -> None:
        if failing["on"]:
            raise ClientError(
                {"Error": {"Code": "ServiceUnavailable", "Message": "boom"}}, "CreateService"
            )

    world.clients.on("before-call.ecs.CreateService", boom)
    with pytest.raises(ExecutionFailed):
        world.engine.create("feature/login", world.image, keep_on_failure=True)
    rec = world.store.get("sandbox", "feature-login")
    assert rec is not None and rec.status == "failed"
    assert world.checker.elbv2.target_group_arn_by_name("eden-feature-login") is not None

    failing["on"] = False
    out = world.engine.create("feature/login", world.image)
    # Only what is missing is made; what exists is reused.
    assert {s.id for s in out.plan.steps} == {"task_definition", "service"}
    assert world.checker.ecs.describe_service(world.seed.cluster, "eden-feature-login") is not None
    rec = world.store.get("sandbox", "feature-login")
    assert rec is not None and rec.status == "ready"
    assert not world.rules.violations


def test_dry_run_changes_nothing_and_shows_every_call(world: World) -> None:
    before = inventory(world.checker, world.seed)
    out = world.engine.create("feature/login", world.image, dry_run=True)
    assert out.run.dry_run
    assert [s.action for s in out.plan.steps] == [
        "ecs.register_task_definition",
        "elbv2.create_target_group",
        "elbv2.set_target_group_attributes",
        "elbv2.create_rule",
        "ecs.create_service",
        "route53.upsert_alias",
        "s3.endpoints_upsert",
    ]
    assert out.plan.as_dict()["steps"][4]["params"]["taskDefinition"] == (
        "<task_definition.taskDefinitionArn>"
    )
    assert inventory(world.checker, world.seed) == before
    writes = [
        c.operation
        for c in world.clients.calls()
        if not c.operation.startswith(("Describe", "List", "Get", "Head"))
    ]
    assert writes == []


def test_listener_full_is_refused_before_anything_is_made(world: World) -> None:
    elbv2 = world.checker.clients.client("elbv2")
    filler_tg = elbv2.create_target_group(
        Name="filler", Protocol="HTTP", Port=80, VpcId=world.seed.vpc_id, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    for i in range(100):
        elbv2.create_rule(
            ListenerArn=world.seed.listener_arn,
            Priority=2000 + i,
            Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [f"f{i}.x"]}}],
            Actions=[{"Type": "forward", "TargetGroupArn": filler_tg}],
        )
    before = inventory(world.checker, world.seed)
    with pytest.raises(ConfigError, match="100 rules"):
        world.engine.create("feature/login", world.image)
    assert inventory(world.checker, world.seed) == before


def test_rules_beyond_the_first_page_are_found(world: World) -> None:
    """moto pages describe_rules at 50: eden's rule on a later page must still be found."""
    elbv2 = world.checker.clients.client("elbv2")
    filler_tg = elbv2.create_target_group(
        Name="filler", Protocol="HTTP", Port=80, VpcId=world.seed.vpc_id, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    for i in range(60):
        elbv2.create_rule(
            ListenerArn=world.seed.listener_arn,
            Priority=1 + i,
            Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [f"f{i}.x"]}}],
            Actions=[{"Type": "forward", "TargetGroupArn": filler_tg}],
        )
    before = inventory(world.checker, world.seed)
    world.engine.create("feature/login", world.image)
    assert len(world.checker.elbv2.rules(world.seed.listener_arn)) == 62  # 60 + ours + default
    world.engine.delete("feature/login")
    assert inventory(world.checker, world.seed) == before


def test_priority_taken_by_a_concurrent_create_is_retried(world: World) -> None:
    """Between eden's read and its CreateRule, someone takes that priority."""
    elbv2 = world.checker.clients.client("elbv2")
    filler_tg = elbv2.create_target_group(
        Name="racer", Protocol="HTTP", Port=80, VpcId=world.seed.vpc_id, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    raced = {"done": False}

    def race(params: dict[str, Any], **_: Any) -> None:
        if not raced["done"]:
            raced["done"] = True
            elbv2.create_rule(
                ListenerArn=world.seed.listener_arn,
                Priority=int(params["body"]["Priority"]),
                Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": ["racer.x"]}}],
                Actions=[{"Type": "forward", "TargetGroupArn": filler_tg}],
            )

    world.clients.on("before-call.elastic-load-balancing-v2.CreateRule", race)
    out = world.engine.create("feature/login", world.image)
    assert raced["done"]
    ops = [c.operation for c in world.clients.calls()]
    assert ops.count("CreateRule") == 2  # the first lost the race, the retry won
    priorities = [r["Priority"] for r in world.checker.elbv2.rules(world.seed.listener_arn)]
    assert len(priorities) == len(set(priorities)) == 3
    assert out.record is not None and out.record.status == "ready"


def test_profile_pointing_at_missing_things_fails_cleanly(
    world: World, profile_values: dict[str, Any]
) -> None:
    from eden.config import build_profile
    from eden.wiring import open_engine

    before = inventory(world.checker, world.seed)
    bad = {
        "reference_service": "no-such-service",
        "listener_arn": world.seed.listener_arn[:-6] + "abcdef",
        "zone_id": "ZNOSUCHZONE",
    }
    for key, value in bad.items():
        prof = build_profile("sandbox", {**profile_values, key: value})
        with (
            open_engine(prof, store=world.store, clients=world.clients) as engine,
            pytest.raises(ConfigError) as info,
        ):
            engine.create("feature/login", world.image)
        assert info.value.hint, key
    assert inventory(world.checker, world.seed) == before
    assert world.store.list_envs() == []


def test_endpoints_sync_rebuilds_edens_entries_and_keeps_others(world: World) -> None:
    world.engine.create("feature/a", world.image)
    world.engine.create("feature/b", world.image)
    aws, bucket, key = world.checker, world.seed.bucket, world.seed.key
    got = aws.s3.get_json(bucket, key)
    doc, etag = got.doc, got.etag
    assert doc is not None
    # Damage it: lose b, add an entry for an environment that no longer exists, a foreign
    # entry with eden's prefix but another host, and a second key on a's entry.
    doc["environments"] = [e for e in doc["environments"] if e["name"] != "dev-feature-b"]
    doc["environments"].append(
        {"name": "dev-gone", "env": "dev", "api": "api-gone.dev.example.com"}
    )
    doc["environments"].append({"name": "dev-manual", "env": "dev", "api": "manual.example.org"})
    next(e for e in doc["environments"] if e["name"] == "dev-feature-a")["web"] = "w.example.org"
    aws.s3.put_json(bucket, key, doc, if_match=etag)

    dry = sync_endpoints(world.engine, dry_run=True)
    assert dry == {"added": ["dev-feature-b"], "removed": ["dev-gone"]}
    assert aws.s3.get_json(bucket, key).doc == doc  # a dry run writes nothing

    assert sync_endpoints(world.engine) == dry
    synced = aws.s3.get_json(bucket, key).doc
    assert synced is not None
    by_name = {e["name"]: e for e in synced["environments"]}
    assert sorted(by_name) == ["dev-feature-a", "dev-feature-b", "dev-manual", "staging"]
    assert by_name["dev-feature-b"]["api"] == "api-feature-b.dev.example.com"
    assert by_name["dev-feature-a"]["web"] == "w.example.org"
    assert sync_endpoints(world.engine) == {"added": [], "removed": []}


def test_delete_never_touches_another_branchs_environment(world: World) -> None:
    world.engine.create("feature/login", world.image)  # name feature-login
    before = inventory(world.checker, world.seed)
    # "feature-login" as a *branch* would derive the same names; it has no environment.
    with pytest.raises(UsageError, match="belongs to branch 'feature/login'"):
        world.engine.delete("feature_login")
    assert inventory(world.checker, world.seed) == before
    # By its own name, alias or branch it is found and deleted.
    world.engine.delete("feature-login")
    assert world.store.list_envs() == []


def test_an_image_in_another_regions_ecr_is_found(world: World) -> None:
    """A us-east-1 profile deploying an image pushed to eu-west-1's registry."""
    from eden.sandbox.seed import _manifest

    ecr = world.checker.clients.client("ecr", region="eu-west-1")
    ecr.create_repository(repositoryName="api-eu")
    ecr.put_image(repositoryName="api-eu", imageManifest=_manifest("eu1"), imageTag="eu1")
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api-eu:eu1"
    out = world.engine.create("feature/eu", image)
    assert out.record is not None and out.record.image == image
    with pytest.raises(UsageError, match="does not exist in ECR"):
        world.engine.create("feature/eu2", image.replace(":eu1", ":nope"))
