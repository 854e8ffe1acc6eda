"""An environment's own variables and secrets (`eden vars`) against a real moto server:
kept across deploys, refused before anything is made when the profile denies them, and
redacted wherever eden shows them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from eden_world import World
from inventory import inventory

from eden.cli import main
from eden.config import write_profile
from eden.core.envvars import VarsChange
from eden.envs.engine import Engine
from eden.envs.vars_ops import VarsEditor
from eden.errors import ConfigError, UsageError
from eden.wiring import open_engine

BRANCH = "feature/vars"
DENY = ["/prod/*", "arn:aws:secretsmanager:*:*:secret:prod/*"]


def _container(world: World, revision: str) -> dict[str, Any]:
    ecs = world.checker.clients.client("ecs")
    td = ecs.describe_task_definition(taskDefinition=revision)["taskDefinition"]
    return next(c for c in td["containerDefinitions"] if c["name"] == "app")


def _env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("environment", [])}


def _secrets(container: dict[str, Any]) -> dict[str, str]:
    return {s["name"]: s["valueFrom"] for s in container.get("secrets", [])}


def _secret_arn(world: World, name: str) -> str:
    sm = world.checker.clients.client("secretsmanager")
    return str(sm.create_secret(Name=name, SecretString="s3cret")["ARN"])


@pytest.fixture
def guarded(world: World) -> Iterator[Engine]:
    """The sandbox profile with a deny list."""
    profile = replace(world.engine.profile, deny_secrets=tuple(DENY))
    with open_engine(profile, store=world.store, clients=world.clients, actor="test") as engine:
        yield engine


def test_secrets_and_values_are_kept_across_deploys_and_unset_removes_them(world: World) -> None:
    world.engine.create(BRANCH, world.image)
    ssm = world.checker.clients.client("ssm")
    ssm.put_parameter(Name="/previews/cache-url", Value="redis://cache", Type="SecureString")
    db = _secret_arn(world, "previews/db")
    editor = VarsEditor(world.engine)
    change = VarsChange(
        env={"FEATURE_X": "on", "LOG_LEVEL": "debug"},
        secrets={"DB_PASSWORD": f"{db}:password::", "CACHE_URL": "/previews/cache-url"},
    )

    result = editor.change(BRANCH, change)

    assert result.deployed and result.changed
    app = _container(world, "eden-feature-vars:2")
    assert _env(app)["FEATURE_X"] == "on" and _env(app)["LOG_LEVEL"] == "debug"
    assert _secrets(app) == {"CACHE_URL": "/previews/cache-url", "DB_PASSWORD": f"{db}:password::"}

    # A later deploy of a new image keeps them: the new revision still has both.
    world.engine.create(BRANCH, world.seed.image_uris[1])
    app = _container(world, "eden-feature-vars:3")
    assert app["image"] == world.seed.image_uris[1]
    assert _env(app)["FEATURE_X"] == "on"
    assert _secrets(app)["DB_PASSWORD"] == f"{db}:password::"
    events = [(e.action, e.detail) for e in world.store.events("sandbox", "feature-vars")]
    assert ("vars", "set FEATURE_X, LOG_LEVEL; secret CACHE_URL, DB_PASSWORD") in events

    # Unset removes them from the next revision; the reference's LOG_LEVEL comes back.
    reference = _env(_container(world, "api"))
    editor.change(BRANCH, VarsChange(unset=("LOG_LEVEL", "DB_PASSWORD")))
    app = _container(world, "eden-feature-vars:4")
    assert _secrets(app) == {"CACHE_URL": "/previews/cache-url"}
    assert _env(app).get("LOG_LEVEL") == reference.get("LOG_LEVEL")
    assert "FEATURE_X" in _env(app)


def test_a_denied_secret_is_refused_before_anything_is_registered(
    world: World, guarded: Engine
) -> None:
    guarded.create(BRANCH, world.image)
    before = inventory(world.checker, world.seed)
    record_before = world.store.get("sandbox", "feature-vars")
    assert record_before is not None
    world.clients.reset_calls()
    prod = _secret_arn(world, "prod/db")

    with pytest.raises(UsageError, match=r"secret DB: .*prod/db.* is denied by profile sandbox"):
        VarsEditor(guarded).change(BRANCH, VarsChange(secrets={"DB": prod}))
    with pytest.raises(UsageError, match=r"deny_secrets: /prod/\*"):
        VarsEditor(guarded).change(BRANCH, VarsChange(secrets={"DB": "/prod/db"}), deploy=False)

    assert inventory(world.checker, world.seed) == before
    assert world.store.get("sandbox", "feature-vars").to_json() == record_before.to_json()
    assert world.clients.calls() == []  # not even a read: refused from the input alone


def test_a_reference_reading_a_denied_secret_makes_nothing(world: World, guarded: Engine) -> None:
    """The deny list covers the whole task definition a preview registers, the reference's
    secrets too: a preview must never read production secrets, whoever put them there."""
    _reference_reads(world, [{"name": "DB", "valueFrom": "/prod/db"}])
    before = inventory(world.checker, world.seed)

    with pytest.raises(ConfigError, match=r"reference's container app reads DB from /prod/db"):
        guarded.create(BRANCH, world.image)

    assert inventory(world.checker, world.seed) == before
    assert world.store.list_envs("sandbox") == []
    assert world.rules.violations == []


def test_secrets_without_an_execution_role_are_refused_by_eden_and_by_aws(world: World) -> None:
    world.engine.create(BRANCH, world.image)
    _reference_reads(world, [], execution_role=False)
    with pytest.raises(ConfigError, match="has no execution role: ECS fetches secrets with it"):
        VarsEditor(world.engine).change(BRANCH, VarsChange(secrets={"DB": "/previews/db"}))
    assert world.rules.violations == []  # eden said so before AWS could

    # The rule eden's tests hold moto to (AWS refuses it; moto would register it).
    ecs = world.clients.client("ecs")
    container = {"name": "app", "image": world.image, "memory": 128,
                 "secrets": [{"name": "DB", "valueFrom": "/previews/db"}]}  # fmt: skip
    with pytest.raises(ClientError, match="you must also specify a value for 'executionRoleArn'"):
        ecs.register_task_definition(family="rule-check", containerDefinitions=[container])
    both = {**container, "environment": [{"name": "DB", "value": "x"}]}
    with pytest.raises(ClientError, match="secret name must be unique and not shared"):
        ecs.register_task_definition(
            family="rule-check", containerDefinitions=[both], executionRoleArn="arn:aws:iam::"
            "123456789012:role/x",
        )  # fmt: skip
    bad = {**container, "secrets": [{"name": "DB", "valueFrom": "prod db"}]}
    with pytest.raises(ClientError, match="Systems Manager parameter name specified for secret DB"):
        ecs.register_task_definition(
            family="rule-check", containerDefinitions=[bad], executionRoleArn="arn:aws:iam::"
            "123456789012:role/x",
        )  # fmt: skip


def test_no_deploy_keeps_the_change_for_the_next_deploy(world: World) -> None:
    world.engine.create(BRANCH, world.image)
    editor = VarsEditor(world.engine)
    result = editor.change(BRANCH, VarsChange(env={"FEATURE_X": "on"}), deploy=False)
    assert not result.deployed and result.record.extra["vars_pending"] is True
    assert world.checker.ecs.task_definition_arns("eden-feature-vars")[-1].endswith(":1")

    world.engine.create(BRANCH, world.seed.image_uris[1])  # any deploy sets them

    assert _env(_container(world, "eden-feature-vars:2"))["FEATURE_X"] == "on"
    record = world.store.get("sandbox", "feature-vars")
    assert record is not None and record.extra["vars_pending"] is False
    again = editor.change(BRANCH, VarsChange(env={"FEATURE_X": "on"}))
    assert (again.changed, again.deployed) == (False, False)
    assert again.messages == ["nothing changed: feature-vars was not deployed"]


def test_cli_redacts_secret_looking_values_in_ls_show_and_diff(
    world: World, tmp_path: Path, profile_values: dict[str, Any],
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    config = tmp_path / "eden.toml"
    write_profile(config, "sandbox", profile_values)
    monkeypatch.setenv("EDEN_CONFIG", str(config))
    monkeypatch.delenv("EDEN_PROFILE", raising=False)
    world.engine.create(BRANCH, world.image)
    token = "tok-9f8e7d"
    code = main(["vars", "set", BRANCH, f"API_TOKEN={token}", "MODE=fast",
                 "--secret", "DB_PASSWORD=/previews/db"])  # fmt: skip
    said = capsys.readouterr()
    assert code == 0, said.err
    assert "warning: API_TOKEN looks like a secret" in said.out + said.err
    assert "deployed feature-vars with its variables" in said.out

    outputs = {}
    for args in (["vars", "ls", BRANCH], ["vars", "ls", BRANCH, "-o", "json"],
                 ["show", BRANCH], ["show", BRANCH, "-o", "json"], ["ls", "-o", "json"],
                 ["diff", BRANCH, "-o", "json"]):  # fmt: skip
        assert main(args) == 0
        outputs[" ".join(args)] = capsys.readouterr().out
    for args, text in outputs.items():
        assert token not in text, args
    listed = json.loads(outputs[f"vars ls {BRANCH} -o json"])["vars"]
    assert [(v["name"], v["kind"], v["value"] or v["value_from"]) for v in listed] == [
        ("API_TOKEN", "value", "****"), ("DB_PASSWORD", "secret", "/previews/db"),
        ("MODE", "value", "fast"),
    ]  # fmt: skip
    assert "API_TOKEN=****, DB_PASSWORD <- /previews/db, MODE=fast" in outputs[f"show {BRANCH}"]
    assert outputs[f"vars ls {BRANCH}"].splitlines()[:4] == [
        "NAME         KIND    VALUE", "API_TOKEN    value   ****",
        "DB_PASSWORD  secret  /previews/db", "MODE         value   fast",
    ]  # fmt: skip
    assert json.loads(outputs[f"diff {BRANCH} -o json"])["drifted"] is False
    assert main(["vars", "ls", BRANCH, "--show-values", "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["vars"][0]["value"] == token


def _reference_reads(
    world: World, secrets: list[dict[str, str]], *, execution_role: bool = True
) -> None:
    """A new revision of the reference's task definition whose app container reads
    ``secrets`` (and has no execution role when asked), and the reference service on it."""
    ecs = world.checker.clients.client("ecs")
    td = ecs.describe_task_definition(taskDefinition="api")["taskDefinition"]
    containers = [dict(c) for c in td["containerDefinitions"]]
    for c in containers:
        if c["name"] == "app":
            c["secrets"] = secrets
    keep = ("family", "taskRoleArn", "networkMode", "requiresCompatibilities", "cpu", "memory")
    body = {k: td[k] for k in keep if td.get(k)}
    if execution_role:
        body["executionRoleArn"] = td["executionRoleArn"]
    arn = ecs.register_task_definition(**body, containerDefinitions=containers)
    ecs.update_service(
        cluster=world.seed.cluster,
        service=world.seed.reference_service,
        taskDefinition=arn["taskDefinition"]["taskDefinitionArn"],
    )
