"""Delete, then create the same branch at once: a pull request closed and reopened, or a
create retried after its undo, under the sandbox's DRAINING model.

What it measures
    AWS keeps a deleted ECS service DRAINING until its tasks stop, and refuses CreateService
    with that name meanwhile. eden's create waits the drain out (with a progress note)
    instead of failing. For each drain time D (the AWS model's ``drain_seconds``; default 5
    and 30) and each of N runs: the delete's wall time, the create right after it (which
    waits for the drain), and the two together, with 100 ms injected per AWS call.

    On AWS, D is how long the service's tasks take to stop: the target group's
    deregistration delay (eden sets 10 s on previews' target groups; AWS's default is
    300 s) plus the container's stop timeout (30 s by default, less for an app that exits
    on SIGTERM). So about 10-40 s: the default 5 s is the sandbox's, 30 s a realistic AWS
    figure.

How to run (from the repository root)
    .venv/bin/python bench/recreate.py [--drain 5 --drain 30] [--runs 3]

The moto server (eden's AWS model installed) runs in its own process. Markdown on
stdout, JSON in bench/results/recreate.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _common import environment, markdown_table, moto_process

from eden.aws.clients import AwsClients
from eden.config import build_profile
from eden.sandbox.seed import sandbox_clients, sandbox_profile_values, seed
from eden.state import SqliteStore
from eden.wiring import aws_settings, open_engine


def one_drain(drain: float, runs: int, latency: float, tmp: Path) -> dict[str, Any]:
    samples: list[dict[str, float]] = []
    with moto_process(drain_seconds=drain) as url:
        info = seed(sandbox_clients(url))
        profile = build_profile("sandbox", sandbox_profile_values(info, url))
        store = SqliteStore(tmp / f"recreate-{drain}.db")
        clients = AwsClients(aws_settings(profile), inject_latency=latency)
        with open_engine(profile, store=store, clients=clients) as engine:
            for run in range(runs):
                branch = f"feature/reopened-{run}"
                engine.create(branch, info.image_uris[0])
                t0 = time.monotonic()
                engine.delete(branch)
                t1 = time.monotonic()
                engine.create(branch, info.image_uris[0])
                t2 = time.monotonic()
                samples.append({"delete": t1 - t0, "create": t2 - t1, "total": t2 - t0})
                engine.delete(branch)
                print(f"drain {drain:g} s: run {run + 1}/{runs}", file=sys.stderr)
        store.close()
    return {
        "drain": drain,
        "samples": samples,
        **{k: statistics.median(s[k] for s in samples) for k in ("delete", "create", "total")},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drain", type=float, action="append")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).parent / "results" / "recreate.json")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        results = [one_drain(d, args.runs, args.latency_ms / 1000, Path(tmp))
                   for d in (args.drain or [5.0, 30.0])]
    print(f"## Delete then create of one branch, {args.latency_ms:.0f} ms per AWS call "
          f"(median of {args.runs})\n")
    rows = [[f"{r['drain']:g}", f"{r['delete']:.2f}", f"{r['create']:.2f}", f"{r['total']:.2f}"]
            for r in results]
    print(markdown_table(["drain (s)", "delete (s)", "create after it (s)", "total (s)"], rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"results": results, "environment": environment()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
