"""How much a whole `eden` process costs before and beside its AWS calls.

What it measures (CPU time, user + system, of whole processes, median of N runs)
    * ``python -c pass``: the floor; ``eden --version`` and ``eden --help`` against it
      (goal: at most 6x);
    * ``python -c "import boto3"``; ``eden create`` and ``eden delete`` on a sandbox
      (goal for create: at most boto3's import + 0.1 s). CPU time is what a process
      spends that is not waiting, so waiting for AWS (here a moto server in another
      process) is left out by construction;
    * ``eden ls`` (state, and each environment's health and drift from AWS) and
      ``eden ls --no-status`` (the state store only).

CPU time, not wall time: on a shared 2-core machine the wall time of a 50 ms process
mostly measures the neighbours. Runs alternate between the commands so drift hits all
alike.

How to run (from the repository root; about a minute)
    .venv/bin/python bench/startup.py
    .venv/bin/python bench/startup.py --runs 30

It starts a sandbox of its own (a temporary XDG_DATA_HOME), creates and deletes fresh
branches in it, stops it, and writes ``bench/results/startup.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import environment, markdown_table

HERE = Path(__file__).resolve().parent
PY = sys.executable
EDEN = str(Path(sys.executable).parent / "eden")


def cpu(args: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{args} failed: {done.stderr}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run(runs: int) -> dict[str, Any]:
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="eden-startup-") as tmp:
        env = {**os.environ, "XDG_DATA_HOME": f"{tmp}/data", "XDG_CONFIG_HOME": f"{tmp}/cfg",
               "EDEN_CONFIG": f"{tmp}/eden.toml"}
        for key in ("EDEN_PROFILE", "EDEN_INJECT_LATENCY_MS"):
            env.pop(key, None)
        up = subprocess.run([EDEN, "sandbox", "up", "-o", "json"], env=env,
                            capture_output=True, text=True, check=True)
        image = json.loads(up.stdout)["seed"]["image_uris"][0]
        try:
            for i in range(runs):
                print(f"run {i + 1}/{runs}", file=sys.stderr)
                for name, args in (
                    ("python -c pass", [PY, "-c", "pass"]),
                    ("eden --version", [EDEN, "--version"]),
                    ("eden --help", [EDEN, "--help"]),
                    ("python -c 'import boto3'", [PY, "-c", "import boto3"]),
                    ("eden create", [EDEN, "create", f"feature/s{i}", "--image", image]),
                    ("eden ls", [EDEN, "ls"]),
                    ("eden ls --no-status", [EDEN, "ls", "--no-status"]),
                    ("eden delete", [EDEN, "delete", f"feature/s{i}"]),
                ):
                    samples.setdefault(name, []).append(cpu(args, env))
        finally:
            subprocess.run([EDEN, "sandbox", "down"], env=env, capture_output=True)
    return {"runs": runs, "cpu_seconds": samples, "environment": environment()}


def report(data: dict[str, Any]) -> str:
    med = {k: statistics.median(v) for k, v in data["cpu_seconds"].items()}
    floor, boto3 = med["python -c pass"], med["python -c 'import boto3'"]
    rows = []
    for name, value in med.items():
        goal = ""
        if name in ("eden --version", "eden --help"):
            goal = f"<= 6x ({'met' if value <= 6 * floor else 'missed'})"
        elif name == "eden create":
            goal = f"<= boto3 + 0.1 s ({'met' if value <= boto3 + 0.1 else 'missed'})"
        rows.append([name, f"{value * 1000:.0f}", f"{value / floor:.1f}x",
                     f"{(value - boto3) * 1000:+.0f}", goal])
    header = ["process", "CPU (ms)", "vs python -c pass", "vs import boto3 (ms)", "goal"]
    return markdown_table(header, rows, ["l", "r", "r", "r", "l"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "startup.json")
    args = parser.parse_args()
    data = run(args.runs)
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2) + "\n")
    print(f"CPU time (user + system) of whole processes, median of {args.runs} runs\n")
    print(report(data))


if __name__ == "__main__":
    main()
