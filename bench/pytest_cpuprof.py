"""Where the test suite's time and CPU go, per test: a pytest plugin and its summary.

The suite runs in parallel workers (scripts/test.sh), so its wall time is bounded by its
CPU on 2 cores: this records, for every test, the wall time, the CPU of the worker's
process (the tests' in-process moto server included) and the CPU of the children it waited
for (CLI processes, `eden serve`, nginx, Chromium), one JSON line each.

    CPUPROF_OUT=/tmp/cpu.jsonl PYTHONPATH=bench .venv/bin/pytest -p pytest_cpuprof -n 4
    .venv/bin/python bench/pytest_cpuprof.py /tmp/cpu.jsonl      # the heaviest files
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Iterator[None]:
    wall, cpu, children = time.monotonic(), time.process_time(), _children_cpu()
    yield
    record = {
        "id": item.nodeid,
        "wall": round(time.monotonic() - wall, 3),
        "cpu": round(time.process_time() - cpu, 3),
        "children": round(_children_cpu() - children, 3),
        "worker": os.environ.get("PYTEST_XDIST_WORKER", "-"),
    }
    with open(os.environ.get("CPUPROF_OUT", "cpuprof.jsonl"), "a") as out:
        out.write(json.dumps(record) + "\n")


def summary(path: str, top: int = 30) -> str:
    files: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    with open(path) as lines:
        for line in lines:
            r = json.loads(line)
            row = files[r["id"].split("::")[0]]
            row[0] += 1
            row[1] += r["wall"]
            row[2] += r["cpu"]
            row[3] += r["children"]
    total = [sum(row[i] for row in files.values()) for i in range(4)]
    out = [f"{int(total[0])} tests: wall {total[1]:.0f} s, CPU {total[2]:.0f} s "
           f"+ children {total[3]:.0f} s", "tests    wall     CPU children  file"]
    for name, row in sorted(files.items(), key=lambda kv: -(kv[1][2] + kv[1][3]))[:top]:
        out.append(f"{int(row[0]):5d} {row[1]:7.1f} {row[2]:7.1f} {row[3]:8.1f}  {name}")
    return "\n".join(out)


if __name__ == "__main__":
    print(summary(sys.argv[1] if len(sys.argv) > 1 else "cpuprof.jsonl"))
