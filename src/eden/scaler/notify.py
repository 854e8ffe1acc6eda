"""Telling people about scale events: an SNS topic and/or a webhook (Slack-compatible).

Notification is best effort: a failure is logged and never delays or blocks scaling.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.request
from dataclasses import asdict, dataclass
from typing import Any, Protocol

log = logging.getLogger("eden.scaler")


@dataclass(frozen=True)
class ScaleEvent:
    service: str
    old: int
    new: int
    reason: str
    dry_run: bool = False

    @property
    def text(self) -> str:
        prefix = "[dry run] " if self.dry_run else ""
        return f"{prefix}eden scaled {self.service} from {self.old} to {self.new}: {self.reason}"


class Notifier(Protocol):
    async def notify(self, event: ScaleEvent) -> None: ...


class SnsNotifier:
    def __init__(self, sns: Any, topic_arn: str) -> None:
        self.sns, self.topic_arn = sns, topic_arn

    async def notify(self, event: ScaleEvent) -> None:
        await asyncio.to_thread(
            self.sns.publish,
            TopicArn=self.topic_arn,
            Subject="eden scaling event",
            Message=json.dumps({**asdict(event), "text": event.text}),
        )


class WebhookNotifier:
    """POSTs ``{"text": ...}`` plus the event's fields as JSON (Slack reads ``text``)."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url, self.timeout = url, timeout

    async def notify(self, event: ScaleEvent) -> None:
        await asyncio.to_thread(self._post, event)

    def _post(self, event: ScaleEvent) -> None:
        body = json.dumps({"text": event.text, **asdict(event)}).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            response.read()


class FanOut:
    """Sends to every notifier; each failure is logged, none propagates."""

    def __init__(self, notifiers: list[Notifier]) -> None:
        self.notifiers = notifiers
        self.failures = 0

    async def notify(self, event: ScaleEvent) -> None:
        results = await asyncio.gather(
            *(n.notify(event) for n in self.notifiers), return_exceptions=True
        )
        for notifier, result in zip(self.notifiers, results, strict=True):
            if isinstance(result, BaseException):
                self.failures += 1
                log.warning("notification via %s failed: %s", type(notifier).__name__, result)
