"""Acting on a decision: UpdateService, or (dry run) only saying what would be done.

Dry run is another actuator, not a flag checked everywhere: the daemon runs the same code
either way. A failed call raises AwsError; the daemon logs it and the next tick, which still
sees the old count, simply decides again (throttling heals itself).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from eden.errors import AwsError, AwsUnreachable

log = logging.getLogger("eden.scaler")


class Actuator(Protocol):
    dry_run: bool

    async def set_desired(self, cluster: str, service: str, count: int) -> None: ...


class EcsActuator:
    """Calls ECS UpdateService(desiredCount) in a worker thread."""

    dry_run = False

    def __init__(self, ecs: Any) -> None:
        self.ecs = ecs

    async def set_desired(self, cluster: str, service: str, count: int) -> None:
        await asyncio.to_thread(self._update, cluster, service, count)

    def _update(self, cluster: str, service: str, count: int) -> None:
        # The clients translate AWS's answers (eden.aws.errors): a refusal or no answer at
        # all arrives as an AwsError; say which service it was about.
        try:
            self.ecs.update_service(cluster=cluster, service=service, desiredCount=count)
        except AwsUnreachable:
            raise
        except AwsError as exc:
            raise AwsError(
                f"UpdateService failed: {exc.message}",
                code=exc.code,
                operation="UpdateService",
                where=f"{cluster}/{service}",
                hint="retried on the next tick; check IAM (ecs:UpdateService) if it persists",
            ) from exc


@dataclass
class DryRunActuator:
    """Logs what it would do and remembers it; never calls AWS."""

    dry_run: bool = True
    calls: list[tuple[str, str, int]] = field(default_factory=list)

    async def set_desired(self, cluster: str, service: str, count: int) -> None:
        # The daemon logs the would-be change next to the service's real count.
        self.calls.append((cluster, service, count))
        del self.calls[:-100]  # bounded: a dry run may go on for days
