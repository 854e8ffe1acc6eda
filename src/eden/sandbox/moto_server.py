"""``python -m eden.sandbox.moto_server``: moto's server, with eden's AWS model installed.

The sandbox runs this instead of ``python -m moto.server`` so that it behaves like AWS where
eden relies on it (a deleted service drains, a new one starts, an ALB has quotas: see
``aws_model``). Timings come from ``EDEN_SANDBOX_DRAIN_SECONDS`` (default 5: a preview's
short deregistration delay) and ``EDEN_SANDBOX_START_SECONDS`` (default 0).
"""

from __future__ import annotations

import os
import sys

from moto.server import main

from eden.sandbox.aws_model import Model, install


def _seconds(name: str, default: float) -> float:
    try:
        return max(0.0, float(os.environ.get(name, default)))
    except ValueError:
        return default


if __name__ == "__main__":
    install(
        Model(
            drain_seconds=_seconds("EDEN_SANDBOX_DRAIN_SECONDS", 5.0),
            start_seconds=_seconds("EDEN_SANDBOX_START_SECONDS", 0.0),
        )
    )
    main(sys.argv[1:])
