"""`eden logs`: the CloudWatch Logs of an environment's tasks, read or followed.

Where a container's output goes is in its task definition: the ``awslogs`` driver names
the log group, its region and a stream prefix, and ECS writes each container of each
task to ``<prefix>/<container>/<task-id>``. Environments cloned from one reference share
its log group and prefix, so the environment's streams are found by its tasks' ids
(running and recently stopped), for every container that uses ``awslogs``: the app and
its sidecars. A container that logs elsewhere (FireLens, splunk, none at all) is named
with where its output goes, instead of being silently left out.

Following polls (FilterLogEvents every couple of seconds, overlapping a little so late
events are not lost, each event printed once), or on AWS uses live tail (StartLiveTail)
when every stream is in one log group; when live tail is refused it falls back to
polling.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from eden.aws import Aws
from eden.envs.health import seconds
from eden.errors import AwsError, NotFound, UsageError

POLL_SECONDS = 2.0
MAX_EVENTS = 10_000  # read at most this many events a call: narrow --since for more
OVERLAP_MS = 10_000  # events may arrive late; re-read this far back, print each once
TASKS_REFRESH = 10.0  # seconds between looks for new tasks while following
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


@dataclass(frozen=True)
class LogSource:
    """Where one container's output goes, from its ``logConfiguration``."""

    container: str
    driver: str | None
    options: Mapping[str, str] = field(default_factory=dict)

    @property
    def group(self) -> str | None:
        return self.options.get("awslogs-group")

    @property
    def prefix(self) -> str | None:
        return self.options.get("awslogs-stream-prefix")

    @property
    def region(self) -> str | None:
        return self.options.get("awslogs-region")

    @property
    def readable(self) -> bool:
        return self.driver == "awslogs" and bool(self.group) and bool(self.prefix)

    def stream(self, task_id: str) -> str:
        return f"{self.prefix}/{self.container}/{task_id}"

    def where(self) -> str:
        """Where the output goes, in words, for a container eden cannot read."""
        name = self.container
        if self.driver is None:
            return f"container {name} has no log configuration: ECS keeps none of its output"
        if self.driver == "awsfirelens":
            dest = ", ".join(f"{k}={v}" for k, v in sorted(self.options.items()))
            return (
                f"container {name} logs through FireLens (the task's log router), which sends "
                f"them where its configuration says ({dest or 'no options'}); read them there"
            )
        if self.driver == "awslogs":
            return (
                f"container {name} uses awslogs without awslogs-stream-prefix: its streams "
                "cannot be matched to tasks; add a stream prefix to the reference"
            )
        return f"container {name} logs with the {self.driver} driver; read them there"


@dataclass(frozen=True)
class LogLine:
    at: float  # epoch seconds
    container: str
    task: str
    message: str
    event_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "container": self.container,
            "task": self.task,
            "message": self.message,
        }


def log_sources(td: Mapping[str, Any]) -> list[LogSource]:
    out = []
    for c in td.get("containerDefinitions") or []:
        config = c.get("logConfiguration") or {}
        options = {str(k): str(v) for k, v in (config.get("options") or {}).items()}
        out.append(LogSource(str(c.get("name")), config.get("logDriver"), options))
    return out


def parse_since(text: str, now: float) -> float:
    """``10m``, ``2h``, ``1d``, ``1h30m``, ``45s`` ago, or an ISO time; epoch seconds."""
    value = text.strip()
    match = _DURATION.fullmatch(value)
    if value and match and any(match.groups()):
        d, h, m, s = (int(g or 0) for g in match.groups())
        return now - (((d * 24 + h) * 60 + m) * 60 + s)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise UsageError(
            f"--since {text!r} is neither a duration nor a time with a zone",
            hint="use a duration like 10m, 2h, 1d or 1h30m, or a time like 2026-05-01T10:00Z",
        )
    return moment.timestamp()


def matches(message: str, grep: str | None) -> bool:
    """``--grep``: plain text, case-sensitive, anywhere in the line."""
    return grep is None or grep in message


def to_lines(
    events: Sequence[Mapping[str, Any]], owners: Mapping[str, tuple[str, str]], grep: str | None
) -> list[LogLine]:
    """Events of known streams (``owners``: stream -> container, task) that match."""
    out = []
    for e in events:
        owner = owners.get(str(e.get("logStreamName")))
        message = str(e.get("message", "")).rstrip("\n")
        if owner is None or not matches(message, grep):
            continue
        at = (seconds(e.get("timestamp")) or 0.0) / 1000
        out.append(LogLine(at, owner[0], owner[1], message, str(e.get("eventId", ""))))
    return out


@dataclass
class Streams:
    """The environment's readable containers and its tasks' streams in each group."""

    sources: list[LogSource]
    task_ids: list[str]

    def by_group(self) -> dict[tuple[str, str | None], dict[str, tuple[str, str]]]:
        """(group, region) -> stream -> (container, task)."""
        out: dict[tuple[str, str | None], dict[str, tuple[str, str]]] = {}
        for source in self.sources:
            key = (str(source.group), source.region)
            for task in self.task_ids:
                out.setdefault(key, {})[source.stream(task)] = (source.container, task)
        return out


class LogReader:
    """Reads (or follows) the logs of one environment's tasks."""

    def __init__(
        self,
        aws: Aws,
        task_ids: Callable[[], list[str]],
        sources: list[LogSource],
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], object] = time.sleep,
    ):
        self.aws = aws
        self.task_ids = task_ids
        self.streams = Streams(sources, task_ids())
        self.clock = clock
        self.sleep = sleep

    def read(
        self, since: float, grep: str | None = None, limit: int = MAX_EVENTS
    ) -> tuple[list[LogLine], bool]:
        """The last ``limit`` lines since ``since``, oldest first; and whether lines were
        left out (more than ``limit`` matched, or more than ``MAX_EVENTS`` were read)."""
        lines: list[LogLine] = []
        more = False
        for (group, region), owners in self.streams.by_group().items():
            try:
                events, cut = self.aws.logs.events(
                    group, sorted(owners), int(since * 1000), region=region, limit=MAX_EVENTS
                )
            except AwsError as exc:
                if exc.code != "ResourceNotFoundException":
                    raise
                raise NotFound(
                    f"log group {group} does not exist"
                    + (f" in {region}" if region else ""),
                    hint="the task definition's awslogs-group names it; create it, or set "
                    "awslogs-create-group, and the tasks' next lines go there",
                ) from exc
            lines += to_lines(events, owners, grep)
            more = more or cut
        lines.sort(key=lambda line: (line.at, line.event_id))
        return lines[-limit:], more or len(lines) > limit

    def follow(
        self,
        since: float,
        emit: Callable[[LogLine], None],
        stop: Callable[[], bool],
        grep: str | None = None,
        poll: float = POLL_SECONDS,
    ) -> None:
        """Polls until ``stop()``: each line once, in time order within each poll."""
        seen: dict[str, float] = {}
        start = since
        looked = self.clock()
        while not stop():
            if self.clock() - looked >= TASKS_REFRESH:
                self.streams.task_ids = self.task_ids()
                looked = self.clock()
            lines, _ = self.read(max(since, start - OVERLAP_MS / 1000), grep)
            for line in lines:
                key = line.event_id or f"{line.task}/{line.at}/{line.message}"
                if key not in seen:
                    seen[key] = line.at
                    emit(line)
                    start = max(start, line.at)
            seen = {k: at for k, at in seen.items() if at >= start - OVERLAP_MS / 1000}
            if stop():
                return
            self.sleep(poll)

    def live(
        self,
        emit: Callable[[LogLine], None],
        stop: Callable[[], bool],
        arn_of: Callable[[str, str | None], str],
        grep: str | None = None,
    ) -> bool:
        """Follows with live tail; False when it cannot be used (several log groups, no
        task yet, or AWS refused it), so the caller polls instead. The session names the
        environment's streams; it starts again when the environment gets new tasks."""
        groups = self.streams.by_group()
        if len(groups) != 1:
            return False
        ((group, region),) = groups
        looked = self.clock()
        while not stop():
            owners = self.streams.by_group().get((group, region)) or {}
            if not owners:
                return False
            try:
                tail = self.aws.logs.live_tail(arn_of(group, region), sorted(owners), region)
                for event in tail:
                    for line in to_lines([event], owners, grep):
                        emit(line)
                    if stop():
                        return True
                    if self.clock() - looked >= TASKS_REFRESH:
                        looked = self.clock()
                        if self._tasks_changed():
                            break  # a new session that names the new tasks' streams
            except AwsError:
                return False
        return True

    def _tasks_changed(self) -> bool:
        ids = self.task_ids()
        changed = ids != self.streams.task_ids
        self.streams.task_ids = ids
        return changed


def group_arn(task_definition_arn: str, group: str, region: str | None) -> str:
    """A log group's ARN, in the partition and account of the task definition."""
    parts = task_definition_arn.split(":")
    partition, td_region, account = parts[1], parts[3], parts[4]
    return f"arn:{partition}:logs:{region or td_region}:{account}:log-group:{group}"
