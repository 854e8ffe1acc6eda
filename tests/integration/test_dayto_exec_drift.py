"""Day two against moto: a shell (eden exec, through a stand-in Session Manager plugin) and
drift from the reference (eden diff, create --refresh)."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from eden_world import World
from inventory import inventory
from moto.ecs.models import ecs_backends

from eden.cli import main
from eden.config import write_profile
from eden.errors import AwsError
from eden.sandbox import stack
from moto_tasks import add_task

pytestmark = pytest.mark.integration

SERVICE = "eden-feature-x"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _profile(path: Path, values: dict[str, Any], **extra: Any) -> None:
    write_profile(path, "sandbox", {**values, **extra})


def _fake_plugin(bin_dir: Path, record: Path) -> None:
    """A stand-in session-manager-plugin: keeps its arguments, answers like a session
    whose command exited with 7."""
    bin_dir.mkdir()
    plugin = bin_dir / "session-manager-plugin"
    plugin.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"open({str(record)!r}, 'w').write(json.dumps(sys.argv))\nsys.exit(7)\n"
    )
    plugin.chmod(plugin.stat().st_mode | stat.S_IXUSR)


def test_exec_is_refused_until_on_and_builds_the_plugin_command(
    world: World,
    tmp_path: Path,
    profile_values: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "eden.toml"
    _profile(config, profile_values)
    monkeypatch.setenv("EDEN_CONFIG", str(config))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no plugin yet
    world.engine.create("feature/x", world.image)
    cluster = world.seed.cluster
    old = add_task(cluster, SERVICE, ago=60)

    code, _, err = _run(capsys, "exec", "feature/x", "--", "ls")
    assert code == 2
    assert "error: exec is off for feature-x: its service runs without ECS Exec" in err
    assert "set allow_exec = true in profile sandbox" in err

    _profile(config, profile_values, allow_exec=True)
    code, out, err = _run(capsys, "create", "feature/x", "--refresh")
    assert code == 0 and "deployed feature-x" in out, err
    assert world.checker.ecs.describe_service(cluster, SERVICE)["enableExecuteCommand"] is True
    code, _, err = _run(capsys, "exec", "feature/x", "--", "ls")
    assert code == 2 and "it started before exec was turned on" in err
    # The AWS model refuses that task as AWS would, had eden asked.
    with pytest.raises(AwsError, match="execute command was not enabled when the task was run"):
        world.checker.ecs.execute_command(cluster, old, "app", "ls")

    task = add_task(cluster, SERVICE, exec_enabled=True, ago=1)
    code, _, err = _run(capsys, "exec", "feature/x", "--container", "nope", "--", "ls")
    assert code == 2 and "has no container 'nope'" in err
    assert "pick one with --container: app, log-router" in err
    code, _, err = _run(capsys, "exec", "feature/x", "--", "ls")
    assert code == 2 and "the Session Manager plugin is not installed" in err
    assert "session-manager-working-with-install-plugin" in err

    argv_file = tmp_path / "argv.json"
    _fake_plugin(tmp_path / "bin", argv_file)
    code, _, err = _run(capsys, "exec", "feature/x", "--", "ls", "-la", "/app dir")
    assert code == 7, err  # the session's own exit code
    backend = ecs_backends[stack.ACCOUNT_ID][stack.REGION]
    (asked,) = backend.eden_exec_sessions
    assert (asked["command"], asked["container"], asked["interactive"]) == (
        "ls -la '/app dir'",
        "app",
        True,
    )
    assert asked["task"].endswith(f"/{task}")
    runtime = next(
        c.runtime_id for c in backend.tasks[cluster][asked["task"]].containers if c.name == "app"
    )
    argv = json.loads(argv_file.read_text())
    assert argv == [
        str(tmp_path / "bin" / "session-manager-plugin"),
        json.dumps(asked["session"]),
        "us-east-1",
        "StartSession",
        "",
        json.dumps({"Target": f"ecs:{cluster}_{task}_{runtime}"}),
        profile_values["endpoint_url"],
    ]


def _change_the_reference(world: World) -> None:
    """The reference moves on: more memory, a log level, a longer grace period, a new
    deployment setting and a new health check."""
    ecs = world.checker.clients.client("ecs")
    elbv2 = world.checker.clients.client("elbv2")
    td = ecs.describe_task_definition(taskDefinition="api")["taskDefinition"]
    spec = stack.task_definition(
        td["containerDefinitions"][0]["image"], td["executionRoleArn"], td["taskRoleArn"]
    )
    spec["memory"] = "1024"
    app = spec["containerDefinitions"][0]
    app["environment"] = [
        e if e["name"] != "LOG_LEVEL" else {"name": "LOG_LEVEL", "value": "debug"}
        for e in app["environment"]
    ]
    arn = ecs.register_task_definition(**spec)["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(
        cluster=world.seed.cluster,
        service="api",
        taskDefinition=arn,
        healthCheckGracePeriodSeconds=90,
        deploymentConfiguration={
            "maximumPercent": 150,
            "minimumHealthyPercent": 100,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        },
    )
    elbv2.modify_target_group(
        TargetGroupArn=world.seed.reference_target_group_arn,
        HealthCheckPath="/ready",
        HealthCheckIntervalSeconds=10,
    )


def test_diff_shows_drift_and_refresh_applies_it_keeping_the_environments_own(
    world: World,
    tmp_path: Path,
    profile_values: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "eden.toml"
    _profile(config, profile_values)
    monkeypatch.setenv("EDEN_CONFIG", str(config))
    image = world.seed.image_uris[1]  # not the reference's
    world.engine.create("feature/x", image, env={"FOO": "bar"})
    cluster = world.seed.cluster
    ecs = world.checker.clients.client("ecs")
    ecs.update_service(cluster=cluster, service=SERVICE, desiredCount=2)  # its own count
    code, out, _ = _run(capsys, "diff", "feature/x")
    assert (code, out) == (0, "feature-x matches its reference\n")

    _change_the_reference(world)
    code, out, _ = _run(capsys, "diff", "feature/x", "-o", "json")
    assert code == 0
    drift = json.loads(out)
    assert sorted((c["section"], c["path"], c["now"], c["wanted"]) for c in drift["changes"]) == [
        ("service", "deploymentConfiguration.maximumPercent", 200, 150),
        ("service", "healthCheckGracePeriodSeconds", 30, 90),
        ("target group", "HealthCheckIntervalSeconds", 15, 10),
        ("target group", "HealthCheckPath", "/healthz", "/ready"),
        ("task definition", "containerDefinitions.app.environment.LOG_LEVEL", "info", "debug"),
        ("task definition", "memory", "512", "1024"),
    ]
    code, text, _ = _run(capsys, "diff", "feature/x")
    assert "--- task definition of feature-x (now)" in text
    assert '-  "memory": "512",' in text and '+  "memory": "1024",' in text
    assert '-  "healthCheckGracePeriodSeconds": 30,' in text
    assert "6 difference(s) in the service and target group and task definition" in text
    code, listed, _ = _run(capsys, "ls", "-o", "json")
    assert json.loads(listed)[0]["drift"]["drifted"] is True

    code, planned, _ = _run(capsys, "create", "feature/x", "--refresh", "--dry-run")
    assert code == 0 and "elbv2.refresh_target_group" in planned
    assert "with the reference's service settings" in planned

    before = inventory(world.checker, world.seed)
    service_arn = world.checker.ecs.describe_service(cluster, SERVICE)["serviceArn"]
    code, out, err = _run(capsys, "create", "feature/x", "--refresh")
    assert code == 0, err
    after = inventory(world.checker, world.seed)
    new_revision = [a for a in after["task_definitions"] if a not in before["task_definitions"]]
    assert {**after, "task_definitions": before["task_definitions"]} == before  # nothing gone
    assert [a.rsplit("/", 1)[1] for a in new_revision] == ["eden-feature-x:2"]

    td = ecs.describe_task_definition(taskDefinition="eden-feature-x")["taskDefinition"]
    app = next(c for c in td["containerDefinitions"] if c["name"] == "app")
    env = {e["name"]: e["value"] for e in app["environment"]}
    assert (td["memory"], env["LOG_LEVEL"], env["FOO"], app["image"]) == (
        "1024",
        "debug",
        "bar",
        image,
    )
    svc = world.checker.ecs.describe_service(cluster, SERVICE)
    assert svc["serviceArn"] == service_arn and svc["desiredCount"] == 2
    assert svc["healthCheckGracePeriodSeconds"] == 90
    assert svc["deploymentConfiguration"]["maximumPercent"] == 150
    tg_arn = svc["loadBalancers"][0]["targetGroupArn"]
    tg = world.checker.elbv2.describe_target_group(tg_arn)
    assert tg is not None and (tg["HealthCheckPath"], tg["HealthCheckIntervalSeconds"]) == (
        "/ready",
        10,
    )
    attributes = world.checker.elbv2.target_group_attributes(tg_arn)
    assert attributes["deregistration_delay.timeout_seconds"] == "10"  # eden's own
    code, out, _ = _run(capsys, "diff", "feature/x")
    assert (code, out) == (0, "feature-x matches its reference\n")
