"""The embedded sandbox: a local moto server seeded with a reference ECS stack.

``eden sandbox up`` runs moto in the background on 127.0.0.1, seeds it with what a real
account would hold, and writes a ``sandbox`` profile pointing at it, so eden can be tried
(and tested end to end) without an AWS account.

Modules: ``stack`` (what the sandbox contains), ``seed`` (the AWS calls that make it),
``server`` (the background moto process), ``lifecycle`` (``up`` and ``down``),
``scratch`` (throw-away services for the autoscaler's tests), and the data plane moto
lacks, run inside the moto process: ``dataplane`` (local nginx tasks that follow each
service, ``tasks`` deciding which, ``nginx_task`` running one) and ``router`` (the shared
listener's rules on a loopback port, ``routing`` deciding where a request goes).
"""

from eden.sandbox.lifecycle import down, load_seed, plane, up
from eden.sandbox.seed import sandbox_clients, seed
from eden.sandbox.server import ServerInfo, log_path, start, state_path, status, stop
from eden.sandbox.stack import SeedInfo, sandbox_profile_values

__all__ = [
    "SeedInfo",
    "ServerInfo",
    "down",
    "load_seed",
    "log_path",
    "plane",
    "sandbox_clients",
    "sandbox_profile_values",
    "seed",
    "start",
    "state_path",
    "status",
    "stop",
    "up",
]
