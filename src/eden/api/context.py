"""The server's shared parts, hung on the app so routes reach them without globals."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from eden.api.answers import Answers
from eden.api.auth import requires
from eden.api.metrics import Metrics
from eden.api.operations import Deliveries, Operations
from eden.api.registry import Registry
from eden.api.settings import ApiSettings
from eden.api.waker import Waker
from eden.github.service import GitHubService
from eden.state.base import StateStore


@dataclass
class ApiContext:
    settings: ApiSettings
    registry: Registry
    operations: Operations
    metrics: Metrics
    deliveries: Deliveries = field(default_factory=Deliveries)
    github: GitHubService | None = None  # reports to GitHub, when [api.github] has credentials
    answers: Answers = field(default_factory=Answers)  # list answers by ETag
    waker: Waker | None = None  # wakes sleeping environments (``eden serve --waker-port``)

    def close(self) -> None:
        self.operations.close()
        if self.github is not None:
            self.github.close()
        if self.waker is not None:
            self.waker.close()
        self.registry.close()


def _context(request: Request) -> ApiContext:
    context = request.app.state.eden
    assert isinstance(context, ApiContext)
    return context


async def ctx(request: Request) -> ApiContext:
    """The dependency: async, as it only reads the app's state (FastAPI runs a sync
    dependency on a worker thread, a hop that cost more than this does)."""
    return _context(request)


def _key_store(request: Request) -> StateStore:
    return _context(request).registry.key_store()


read_key = requires("read", _key_store)
write_key = requires("write", _key_store)
