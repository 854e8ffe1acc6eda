"""CloudWatch Logs: the events of named log streams, read by polling or by live tail.

An ECS task's ``awslogs`` driver writes each container to the stream
``<stream-prefix>/<container>/<task-id>`` of its log group. eden knows the task ids of
an environment, so it names the streams exactly instead of listing a group that every
environment cloned from one reference shares. A task that has not logged yet has no
stream; FilterLogEvents refuses a list naming a missing stream, so on that answer the
names are checked one by one and the call is made again with those that exist.

Log groups may live in another region than the profile's (``awslogs-region``), so every
call takes the region.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from eden.aws.base import Adapter
from eden.aws.errors import AwsRefused
from eden.errors import AwsError

STREAMS_PER_CALL = 100  # FilterLogEvents' logStreamNames limit
STREAMS_PER_TAIL = 100  # StartLiveTail's logStreamNames limit


class Logs(Adapter):
    service = "logs"

    def _client(self, region: str | None) -> Any:
        return self.clients.client(self.service, region)

    def events(
        self,
        group: str,
        streams: list[str],
        start_ms: int,
        *,
        end_ms: int | None = None,
        region: str | None = None,
        limit: int = 10_000,
    ) -> tuple[list[dict[str, Any]], bool]:
        """Events of ``streams`` from ``start_ms``, oldest first, at most ``limit``; and
        whether there were more. A missing log group raises ``AwsError``
        (``ResourceNotFoundException``)."""
        found: list[dict[str, Any]] = []
        for i in range(0, len(streams), STREAMS_PER_CALL):
            batch = streams[i : i + STREAMS_PER_CALL]
            try:
                found += self._filter(group, batch, start_ms, end_ms, region, limit)
            except AwsError as exc:
                if exc.code != "ResourceNotFoundException":
                    raise
                existing = self.existing_streams(group, batch, region)
                if existing:
                    found += self._filter(group, existing, start_ms, end_ms, region, limit)
        found.sort(key=lambda e: (e.get("timestamp", 0), e.get("eventId", "")))
        return found[:limit], len(found) > limit

    def _filter(
        self,
        group: str,
        streams: list[str],
        start_ms: int,
        end_ms: int | None,
        region: str | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "logGroupName": group,
            "logStreamNames": streams,
            "startTime": start_ms,
        }
        if end_ms is not None:
            kwargs["endTime"] = end_ms
        events: list[dict[str, Any]] = []
        client = self._client(region)
        while len(events) <= limit:
            out = client.filter_log_events(**kwargs)
            events += out.get("events", [])
            token = out.get("nextToken")
            if not token or token == kwargs.get("nextToken"):
                return events
            kwargs["nextToken"] = token
        return events

    def existing_streams(self, group: str, names: list[str], region: str | None) -> list[str]:
        """Which of ``names`` exist (a missing group raises ResourceNotFoundException)."""
        client = self._client(region)
        existing: list[str] = []
        for name in names:
            out = client.describe_log_streams(logGroupName=group, logStreamNamePrefix=name)
            if any(s.get("logStreamName") == name for s in out.get("logStreams", [])):
                existing.append(name)
        return existing

    def live_tail(
        self, group_arn: str, streams: list[str], region: str | None
    ) -> Iterator[dict[str, Any]]:
        """Events as they arrive (StartLiveTail), until the session ends (3 hours at most).

        Errors that arrive in the stream come as eden errors, like those of a call."""
        out = self._client(region).start_live_tail(
            logGroupIdentifiers=[group_arn],
            logStreamNames=streams[:STREAMS_PER_TAIL],
        )
        try:
            for event in out["responseStream"]:
                update = event.get("sessionUpdate") or {}
                yield from update.get("sessionResults", [])
        except AwsError:
            raise
        except ClientError as exc:  # EventStreamError: the stream's own errors
            raise AwsRefused(exc.response, "StartLiveTail", self.service) from exc
