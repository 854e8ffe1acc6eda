"""Wires a profile into a working engine: clients, adapters, pool, state. The one factory.

Nothing here runs at import time; the CLI and the API call ``open_engine`` per command
or per process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from eden.aws import Aws, AwsClients, AwsSettings
from eden.config import Profile
from eden.core.urls import is_loopback_url
from eden.envs.engine import Engine
from eden.state.base import StateStore, open_store
from eden.state.leases import LockPolicy

WORKERS = 32  # threads that mostly wait on AWS; a gc or an API server runs many ops at once


def aws_settings(profile: Profile) -> AwsSettings:
    """The profile's region and endpoint. A loopback endpoint (the sandbox) gets fixed
    credentials unless the environment has some, so the sandbox needs no AWS account."""
    creds: dict[str, str] = {}
    if is_loopback_url(profile.endpoint_url) and not os.environ.get("AWS_ACCESS_KEY_ID"):
        creds = {"access_key_id": "sandbox", "secret_access_key": "sandbox"}
    return AwsSettings(
        region=profile.region,
        endpoint_url=profile.endpoint_url,
        retry_mode=profile.retry_mode,
        **creds,  # type: ignore[arg-type]  # str fields only
    )


@contextmanager
def open_engine(
    profile: Profile,
    *,
    store: StateStore | None = None,
    clients: AwsClients | None = None,
    inject_latency: float | None = None,
    actor: str | None = None,
    lock_policy: LockPolicy | None = None,
    clock: Callable[[], float] = time.time,
    workers: int = WORKERS,
) -> Iterator[Engine]:
    if inject_latency is None:
        # A debugging and benchmarking knob: a fixed delay before every AWS call.
        inject_latency = float(os.environ.get("EDEN_INJECT_LATENCY_MS", "0")) / 1000
    clients = clients or AwsClients(aws_settings(profile), inject_latency=inject_latency)
    own_store = store is None
    store = store or open_store(profile.state_url())
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eden")
    try:
        yield Engine(
            profile,
            Aws(clients),
            store,
            pool=pool,
            actor=actor,
            lock_policy=lock_policy or LockPolicy.from_env(),
            clock=clock,
        )
    finally:
        pool.shutdown(wait=True)
        if own_store:
            store.close()
