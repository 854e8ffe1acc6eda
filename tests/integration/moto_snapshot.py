"""A freshly seeded moto account for every test, without seeding it every time.

Seeding the reference stack is 42 AWS calls (VPC, roles, images, cluster, ALBs, a
certificate, a zone, a bucket) and was the largest single cost of an integration test.
The tests' moto server runs in this process, so after the first seed its state is copied
once (``copy.deepcopy`` of the services' backends, about 10 ms), and every later test gets
a reset moto with a fresh copy of that state put back: the same account the seed makes,
with nothing shared between tests. The seed's own behaviour keeps its tests
(``tests/integration/test_sandbox.py`` seeds for real, twice).
"""

from __future__ import annotations

import copy
import copyreg
import sys
import threading
from typing import Any

from moto.backends import get_backend, list_of_moto_modules
from moto.core.base_backend import BackendDict
from moto.core.model_instances import model_data

from eden.sandbox.seed import SeedInfo, sandbox_clients, seed
from moto_server import reset

# Some moto objects hold a lock (ECR's backend, S3's keys); a copy gets a lock of its own.
copyreg.pickle(type(threading.Lock()), lambda _lock: (threading.Lock, ()))
copyreg.pickle(type(threading.RLock()), lambda _lock: (threading.RLock, ()))



State = dict[str, dict[str, dict[str, Any]]]  # service -> account -> region -> backend
_SNAPSHOTS: dict[str, tuple[SeedInfo, State, dict[str, Any]]] = {}


def fresh_seeded_account(moto_url: str) -> SeedInfo:
    """Resets the moto server at ``moto_url`` and gives it the seeded reference stack."""
    reset(moto_url)
    taken = _SNAPSHOTS.get(moto_url)
    if taken is None:
        info = seed(sandbox_clients(moto_url))
        _SNAPSHOTS[moto_url] = (info, _copy_backends(), dict(get_backend("s3").bucket_accounts))
        return info
    info, state, bucket_accounts = taken
    for name, accounts in copy.deepcopy(state).items():
        backends = get_backend(name)  # type: ignore[call-overload]
        for account_id, regions in accounts.items():
            for region, backend in regions.items():
                backends[account_id][region] = backend
    # S3 finds a bucket's account in a table beside its backends, which a reset empties.
    get_backend("s3").bucket_accounts.update(bucket_accounts)
    return info


def _copy_backends() -> State:
    """Every service's backends that the seed touched, copied in one go (one memo keeps
    the references between services: an ALB's subnets are EC2's objects)."""
    used: State = {}
    for name in list_of_moto_modules():
        if f"moto.{name}" not in sys.modules:
            continue  # a service nothing has called in this process has no state
        try:
            backends = get_backend(name)  # type: ignore[call-overload]
        except Exception:  # a service whose optional dependencies are not installed
            continue
        if isinstance(backends, BackendDict):
            regions = {account: dict(per_region) for account, per_region in backends.items()}
            if any(regions.values()):
                used[name] = regions
    # moto tracks every model object it makes, and a reset disposes of the tracked S3
    # objects' bytes: the copy kept here must not be tracked, or the next reset empties it.
    tracked = {cls: len(cls.instances_tracked) for cls in _model_classes()}
    snapshot = copy.deepcopy(used)
    for cls, count in tracked.items():
        del cls.instances_tracked[count:]
    return snapshot


def _model_classes() -> list[Any]:
    return [cls for models in model_data.values() for cls in models.values()]
