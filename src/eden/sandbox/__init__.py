"""The embedded sandbox: a local moto server seeded with a reference ECS stack.

``eden sandbox up`` runs moto in the background on 127.0.0.1, seeds it with what a real
account would hold, and writes a ``sandbox`` profile pointing at it, so eden can be tried
(and tested end to end) without an AWS account.
"""

from eden.sandbox.seed import (
    SeedInfo,
    down,
    load_seed,
    sandbox_clients,
    sandbox_profile_values,
    seed,
    up,
)
from eden.sandbox.server import ServerInfo, log_path, start, state_path, status, stop

__all__ = [
    "SeedInfo",
    "ServerInfo",
    "down",
    "load_seed",
    "log_path",
    "sandbox_clients",
    "sandbox_profile_values",
    "seed",
    "start",
    "state_path",
    "status",
    "stop",
    "up",
]
