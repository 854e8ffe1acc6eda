"""Scrape cost per tick for 100 and 1,000 endpoints on loopback.

    .venv/bin/python bench/scaler/scrape_cost.py [--sizes 100 1000] [--ticks 10]

The endpoints are stub stub_status servers in a *separate process* (so their CPU is not
billed to the scraper), all on 127.0.0.1. Each tick scrapes every endpoint ("all") or a
Knative-sized sample ("auto"), with eden's Scraper: the same code the daemon runs.
Reported per tick: wall time p50/p95 and the scraper process's CPU time, plus errors.
Bounded: at most 1,000 endpoints and ``--ticks`` ticks per size (10 by default), well
inside the ephemeral port range even with connections in TIME_WAIT.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import time
from multiprocessing.connection import Connection

from bench_support import StubTasks, percentile

from eden.scaler.discovery import Endpoint
from eden.scaler.metrics import MetricSpec
from eden.scaler.scrape import Scraper

MAX_ENDPOINTS = 1000


def serve(count: int, conn: Connection) -> None:
    async def main() -> None:
        stubs = await StubTasks(in_flight=3).start(count)
        conn.send(stubs.ports)
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # wait for "stop"
        await stubs.stop()

    asyncio.run(main())


async def measure(ports: list[int], ticks: int, sample: bool) -> tuple[list[float],
                                                                       list[float], int]:
    endpoints = [Endpoint("127.0.0.1", p) for p in ports]
    scraper = Scraper(MetricSpec(), timeout=2.0, limit=asyncio.Semaphore(256), sample=sample)
    walls, cpus, errors = [], [], 0
    for i in range(ticks):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        result = await scraper.scrape(endpoints, float(i))
        walls.append(time.perf_counter() - wall0)
        cpus.append(time.process_time() - cpu0)
        errors += result.errors
        await asyncio.sleep(0.2)
    return walls, cpus, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--ticks", type=int, default=10)
    args = parser.parse_args()
    print(f"cpus: {mp.cpu_count()}, ticks per row: {args.ticks}, concurrency limit 256")
    print("| endpoints | mode | scraped/tick | wall p50 ms | wall p95 ms | cpu ms/tick | errors |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        size = min(size, MAX_ENDPOINTS)
        parent, child = mp.Pipe()
        proc = mp.Process(target=serve, args=(size, child), daemon=True)
        proc.start()
        ports: list[int] = parent.recv()
        try:
            for sample in (False, True):
                walls, cpus, errors = asyncio.run(measure(ports, args.ticks, sample))
                scraped = len(Scraper(MetricSpec(), sample=sample).choose(
                    [Endpoint("h", p) for p in ports]))
                print(f"| {size} | {'auto' if sample else 'all'} | {scraped} | "
                      f"{percentile(walls, 50) * 1000:.1f} | {percentile(walls, 95) * 1000:.1f} | "
                      f"{sum(cpus) / len(cpus) * 1000:.1f} | {errors} |", flush=True)
        finally:
            parent.send("stop")
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()


if __name__ == "__main__":
    main()
