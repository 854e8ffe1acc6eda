"""Logs and exec, the pure parts: where each container logs, --since, matching lines,
live tail's handling, which task and container exec picks, and the plugin's command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from eden.envs.logs import LogReader, LogSource, group_arn, log_sources, parse_since, to_lines
from eden.envs.shell import ExecTarget, choose_target, command_string, plugin_argv
from eden.errors import AwsError, NotReady, UsageError

NOW = 1_800_000_000.0
TD_ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/eden-x:3"


def test_log_sources_and_where_the_others_go() -> None:
    td = {
        "containerDefinitions": [
            {
                "name": "app",
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/api",
                        "awslogs-region": "eu-west-1",
                        "awslogs-stream-prefix": "api",
                    },
                },
            },
            {
                "name": "router",
                "logConfiguration": {
                    "logDriver": "awsfirelens",
                    "options": {"Name": "cloudwatch_logs", "log_group_name": "/firelens/api"},
                },
            },
            {"name": "bare"},
            {"name": "odd", "logConfiguration": {"logDriver": "splunk"}},
            {
                "name": "noprefix",
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-group": "/ecs/api"},
                },
            },
        ]
    }
    app, router, bare, odd, noprefix = log_sources(td)
    assert app.readable and app.stream("abc") == "api/app/abc" and app.region == "eu-west-1"
    assert not any(s.readable for s in (router, bare, odd, noprefix))
    assert router.where() == (
        "container router logs through FireLens (the task's log router), which sends them "
        "where its configuration says (Name=cloudwatch_logs, log_group_name=/firelens/api); "
        "read them there"
    )
    assert bare.where() == "container bare has no log configuration: ECS keeps none of its output"
    assert odd.where() == "container odd logs with the splunk driver; read them there"
    assert "without awslogs-stream-prefix" in noprefix.where()


@pytest.mark.parametrize(
    "text, ago",
    [("10m", 600), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), ("45s", 45), (" 5m ", 300)],
)
def test_since_durations(text: str, ago: float) -> None:
    assert parse_since(text, NOW) == NOW - ago


def test_since_times_and_bad_input() -> None:
    assert (
        parse_since("2027-01-15T08:00:00Z", NOW) == datetime(2027, 1, 15, 8, tzinfo=UTC).timestamp()
    )
    for bad in ("", "10", "m", "ten minutes", "2027-01-15T08:00:00", "-5m"):
        with pytest.raises(UsageError, match="is neither a duration nor a time with a zone"):
            parse_since(bad, NOW)


def test_lines_only_from_known_streams_and_matching_grep() -> None:
    owners = {"api/app/t1": ("app", "t1")}
    events = [
        {"logStreamName": "api/app/t1", "timestamp": 1_000, "message": "ERROR x\n", "eventId": "1"},
        {"logStreamName": "api/app/t1", "timestamp": 2_000, "message": "ok", "eventId": "2"},
        {"logStreamName": "api/app/other", "timestamp": 3_000, "message": "ERROR y"},
    ]
    assert [line.message for line in to_lines(events, owners, None)] == ["ERROR x", "ok"]
    (only,) = to_lines(events, owners, "ERROR")
    assert (only.at, only.container, only.task, only.message) == (1.0, "app", "t1", "ERROR x")
    assert to_lines(events, owners, "error") == []  # case-sensitive, like grep


def test_group_arn_follows_the_task_definitions_account_and_partition() -> None:
    assert group_arn(TD_ARN, "/ecs/api", None) == (
        "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/api"
    )
    cn = "arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/x:1"
    assert group_arn(cn, "/g", "cn-northwest-1") == (
        "arn:aws-cn:logs:cn-northwest-1:123456789012:log-group:/g"
    )


class _Tail:
    """Just enough of ``Aws`` for live tail: events arrive, or AWS refuses."""

    def __init__(self, events: list[dict[str, Any]], refuse: bool = False):
        self.logs = self
        self.events = events
        self.refuse = refuse
        self.asked: list[tuple[str, list[str]]] = []

    def live_tail(self, arn: str, streams: list[str], region: str | None) -> Iterator[Any]:
        self.asked.append((arn, streams))
        if self.refuse:
            raise AwsError("no", code="AccessDeniedException")
        yield from self.events


def test_live_tail_names_the_streams_and_falls_back_when_refused() -> None:
    source = LogSource(
        "app", "awslogs", {"awslogs-group": "/ecs/api", "awslogs-stream-prefix": "api"}
    )
    events = [
        {"logStreamName": "api/app/t1", "timestamp": 5_000, "message": "hello"},
        {"logStreamName": "api/app/zz", "timestamp": 6_000, "message": "not ours"},
    ]
    fake = _Tail(events)
    reader = LogReader(fake, lambda: ["t1"], [source])  # type: ignore[arg-type]
    seen: list[str] = []
    done = reader.live(
        lambda line: seen.append(line.message),
        lambda: len(seen) >= 1,
        lambda group, region: f"arn:{group}",
    )
    assert done and seen == ["hello"]
    assert fake.asked == [("arn:/ecs/api", ["api/app/t1"])]
    refused = LogReader(_Tail([], refuse=True), lambda: ["t1"], [source])  # type: ignore[arg-type]
    assert refused.live(lambda line: None, lambda: False, lambda g, r: g) is False


def _task(
    task_id: str, *, exec_on: bool = True, started: float = 0.0, agent: str | None = "RUNNING"
) -> dict[str, Any]:
    containers = [{"name": n, "runtimeId": f"{task_id}-{n}"} for n in ("app", "router")]
    if agent is not None:
        containers[0]["managedAgents"] = [{"name": "ExecuteCommandAgent", "lastStatus": agent}]
    return {
        "taskArn": f"arn:aws:ecs:eu-west-1:1:task/c/{task_id}",
        "lastStatus": "RUNNING",
        "enableExecuteCommand": exec_on,
        "startedAt": started,
        "containers": containers,
    }


SERVICE = {
    "enableExecuteCommand": True,
    "runningCount": 1,
    "desiredCount": 1,
    "loadBalancers": [{"containerName": "app"}],
}


def _choose(
    service: dict[str, Any] | None,
    tasks: list[dict[str, Any]],
    container: str | None = None,
    allow: bool = True,
) -> ExecTarget:
    return choose_target(
        "feature-x", "c", service, tasks, container, allow_exec=allow, profile="dev"
    )


def test_exec_picks_the_newest_running_task_and_the_load_balanced_container() -> None:
    target = _choose(SERVICE, [_task("old", started=1.0), _task("new", started=2.0)])
    assert (target.task_id, target.container, target.ssm_target) == (
        "new",
        "app",
        "ecs:c_new_new-app",
    )
    assert _choose(SERVICE, [_task("t")], container="router").runtime_id == "t-router"


def test_exec_refusals_say_why_and_what_to_do() -> None:
    off = {**SERVICE, "enableExecuteCommand": False}
    with pytest.raises(UsageError, match="exec is off for feature-x") as info:
        _choose(off, [_task("t")], allow=False)
    assert "set allow_exec = true in profile dev" in (info.value.hint or "")
    with pytest.raises(UsageError, match="exec is off") as info:
        _choose(off, [_task("t")], allow=True)
    assert info.value.hint == "turn it on with `eden create feature-x --refresh`"
    with pytest.raises(NotReady, match=r"no running task to open a shell in \(1 of 1 running\)"):
        _choose(SERVICE, [])
    with pytest.raises(UsageError, match="it started before exec was turned on"):
        _choose(SERVICE, [_task("t", exec_on=False)])
    with pytest.raises(UsageError, match="has no container 'db'") as info:
        _choose(SERVICE, [_task("t")], container="db")
    assert info.value.hint == "pick one with --container: app, router"
    with pytest.raises(NotReady, match="the exec agent in container app is PENDING"):
        _choose(SERVICE, [_task("t", agent="PENDING")])
    with pytest.raises(UsageError, match="has no ECS service"):
        _choose(None, [])


def test_the_plugin_command_is_the_aws_clis() -> None:
    assert command_string([]) == "/bin/sh"
    assert command_string(["ls", "-la", "/a b"]) == "ls -la '/a b'"
    target = ExecTarget("c", "arn:aws:ecs:eu-west-1:1:task/c/t1", "app", "rt-1")
    session = {"sessionId": "s", "streamUrl": "wss://x", "tokenValue": "tok"}
    argv = plugin_argv(
        "/usr/bin/session-manager-plugin",
        session,
        "eu-west-1",
        "dev",
        "https://ecs.eu-west-1.amazonaws.com",
        target,
    )
    assert argv == [
        "/usr/bin/session-manager-plugin",
        json.dumps(session),
        "eu-west-1",
        "StartSession",
        "dev",
        '{"Target": "ecs:c_t1_rt-1"}',
        "https://ecs.eu-west-1.amazonaws.com",
    ]
