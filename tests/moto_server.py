"""An in-process moto server that starts from an empty account.

moto keeps its state per process, not per server: a server started in a pytest-xdist
worker sees whatever the worker's earlier tests left, whichever server they used (an ALB
full of rules, a table, a service). The fixtures that start one for a module or a test go
through here, so their tests start from nothing whatever ran before them on that worker.
(The integration tests' shared server is reset by each test: `moto_snapshot.py`.)
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from moto.server import ThreadedMotoServer


def reset(url: str) -> None:
    """Empties every moto backend of this process (moto's own reset endpoint)."""
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    # A reset after a big test takes seconds on a loaded machine: the deadline is for a hang.
    urllib.request.urlopen(request, timeout=120).close()


@contextmanager
def empty_moto() -> Iterator[str]:
    """A moto server on 127.0.0.1 with nothing in it; stopped on the way out."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        reset(url)
        yield url
    finally:
        server.stop()
