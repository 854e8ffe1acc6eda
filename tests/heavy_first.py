"""Starts the suite's longest tests first, spread over the pytest-xdist workers.

``scripts/test.sh`` runs the suite with ``--dist worksteal``: the controller first gives
each worker a contiguous share of the collected tests, in order, and a worker that runs
out takes the back half of the longest queue left. A test of a minute that sits late in
one share starts late and runs on alone at the end while the other workers wait: in a
run on 26 November 2026 the workers finished about 45 s apart, the last one running the
``test_team.py`` sweeps one after the other.

So the tests marked ``heavy`` are dealt out first, longest first, each to the share with
the fewest heavy seconds so far, and each share starts with its heavy tests. The rest
keep their order (a module's tests stay together and share its fixtures). Only the
order changes: every test still runs, once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TypeVar

import pytest

T = TypeVar("T")


def order_items(items: list[pytest.Item]) -> None:
    """Reorders the collected ``items`` in place (``pytest_collection_modifyitems``): under
    pytest-xdist, the tests marked ``heavy(seconds=...)`` first; otherwise as collected."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    seconds = []
    for item in items:
        mark = item.get_closest_marker("heavy")
        seconds.append(float(mark.kwargs["seconds"]) if mark is not None else None)
    items[:] = heavy_first(items, seconds, workers)


def share_sizes(count: int, workers: int) -> list[int]:
    """How many of ``count`` tests pytest-xdist's work-stealing scheduler first gives each
    of ``workers`` workers: each in turn gets an even part of what is left."""
    sizes = []
    left = count
    for i in range(workers):
        size = left // (workers - i)
        sizes.append(size)
        left -= size
    return sizes


def heavy_first(items: Sequence[T], seconds: Sequence[float | None], workers: int) -> list[T]:
    """``items`` reordered so that each worker's first share begins with its part of the
    heavy items (those with ``seconds``), balanced by those seconds.

    ``seconds[i]`` is ``items[i]``'s expected time if it is heavy, else None."""
    if workers < 2:
        return list(items)
    heavy = sorted(
        (i for i, s in enumerate(seconds) if s is not None),
        key=lambda i: (-(seconds[i] or 0.0), i),
    )
    sizes = share_sizes(len(items), workers)
    dealt: list[list[int]] = [[] for _ in range(workers)]
    load = [0.0] * workers
    for i in heavy:
        # The share with the least heavy time that still has room for one more test.
        open_shares = [w for w in range(workers) if len(dealt[w]) < sizes[w]]
        target = min(open_shares, key=lambda w: (load[w], w))
        dealt[target].append(i)
        load[target] += seconds[i] or 0.0
    heavy_set = set(heavy)
    rest = iter(i for i in range(len(items)) if i not in heavy_set)
    order: list[int] = []
    for w in range(workers):
        order += dealt[w]
        order += [next(rest) for _ in range(sizes[w] - len(dealt[w]))]
    return [items[i] for i in order]
