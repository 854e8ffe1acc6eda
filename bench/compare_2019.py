"""eden against the 2019 tool, whole processes, on the same sandbox, 100 ms per AWS call.

What it measures
    For N runs (default 5), each with fresh branch names: the wall time and CPU time of
    one whole ``eden create`` process and one ``eden delete`` process, and of the 2019
    tool's ``create_env`` and ``delete_env`` (``aws-eden-core`` 0.2.0 from PyPI, the
    library behind the 2019 CLI) each run as a process the same way. Both tools reach the
    sandbox through ``latency_proxy.py``, which sleeps 100 ms before forwarding each
    request: the same round trip for every call, added outside either tool (not eden's
    ``EDEN_INJECT_LATENCY_MS`` hook). The proxy also counts the requests of each process
    and the most that were in flight at once.

    Ratios (eden / 2019) of the medians are the result: the goal is 0.35 or less for
    both create and delete.

How to run (from the repository root; about 2 minutes, most of it the 2019 tool)
    .venv/bin/python bench/compare_2019.py
    .venv/bin/python bench/compare_2019.py --runs 10 --delay-ms 50

It makes the 2019 tool's venv on first use (``bench/.venv-2019``: ``pip install --no-deps
aws-eden-core==0.2.0`` plus the boto3 and botocore versions eden's venv has, so both
build the same clients). The 2019 tool builds its boto3 clients when it is imported,
so it gets the proxy as ``AWS_ENDPOINT_URL``. A sandbox of its own is started (``eden
sandbox up`` with a temporary XDG_DATA_HOME) and stopped at the end. Results go to
stdout (Markdown) and ``bench/results/compare_2019.json``.
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
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from _common import environment, markdown_table
from latency_proxy import LatencyProxy

HERE = Path(__file__).resolve().parent
EDEN = Path(sys.executable).parent / "eden"
VENV_2019 = HERE / ".venv-2019"
RUNNER_2019 = """
import json, sys
from aws_eden_core import methods
op, branch, profile = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
if op == "create":
    methods.create_env(branch, sys.argv[4], profile)
else:
    methods.delete_env(branch, profile)
"""


def ensure_2019_venv() -> Path:
    python = VENV_2019 / "bin" / "python"
    if python.exists():
        return python
    subprocess.run([sys.executable, "-m", "venv", str(VENV_2019)], check=True)
    pins = [f"boto3=={metadata.version('boto3')}", f"botocore=={metadata.version('botocore')}"]
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, *pins], check=True)
    subprocess.run([*pip, "--no-deps", "aws-eden-core==0.2.0"], check=True)
    return python


def timed(args: list[str], env: dict[str, str], proxy: LatencyProxy) -> dict[str, Any]:
    """One whole process: wall, CPU (user + system), and the proxy's count of its calls."""
    proxy.counter.reset()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{args[:3]} failed:\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "calls": proxy.counter.requests,
            "max_in_flight": proxy.counter.max_in_flight}


def sandbox(env: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Starts a sandbox of this benchmark's own; returns its status and the profile."""
    up = subprocess.run([str(EDEN), "sandbox", "up", "-o", "json"], env=env,
                        capture_output=True, text=True, check=True)
    info = json.loads(up.stdout)
    shown = subprocess.run([str(EDEN), "config", "show", "-p", "sandbox", "-o", "json"],
                           env=env, capture_output=True, text=True, check=True)
    return info, json.loads(shown.stdout)


def bench_profile(config: Path, sandbox_values: dict[str, Any], proxy_url: str,
                  state: Path) -> None:
    from eden.config import write_profile

    values = {k: v for k, v in sandbox_values.items() if k != "profile"}
    values.update(endpoint_url=proxy_url, state=f"sqlite:///{state}")
    write_profile(config, "bench", values, default=True)


def profile_2019(seed: dict[str, Any]) -> dict[str, str]:
    return {
        "endpoint_s3_bucket_name": seed["bucket"], "endpoint_s3_key": seed["key"],
        "endpoint_update_key": "api", "endpoint_name_prefix": "old",
        "endpoint_env_type": "dev", "domain_name_prefix": "old",
        "dynamic_zone_id": seed["zone_id"], "name_prefix": "eden2019",
        "target_cluster": seed["cluster"], "reference_service_arn": seed["reference_service_arn"],
        "master_alb_arn": seed["shared_alb_arn"],
    }


def run(runs: int, delay: float) -> dict[str, Any]:
    python_2019 = ensure_2019_venv()
    with tempfile.TemporaryDirectory(prefix="eden-compare-") as tmp:
        base = {**os.environ, "XDG_DATA_HOME": f"{tmp}/data", "XDG_CONFIG_HOME": f"{tmp}/cfg",
                "EDEN_CONFIG": f"{tmp}/eden.toml"}
        base.pop("EDEN_PROFILE", None)
        base.pop("EDEN_INJECT_LATENCY_MS", None)
        info, values = sandbox(base)
        proxy = LatencyProxy(info["endpoint_url"], delay)
        try:
            config = Path(tmp) / "bench.toml"
            bench_profile(config, values, proxy.url, Path(tmp) / "state.db")
            eden_env = {**base, "EDEN_CONFIG": str(config)}
            old_env = {**base, "AWS_ENDPOINT_URL": proxy.url, "AWS_DEFAULT_REGION": "us-east-1",
                       "AWS_ACCESS_KEY_ID": "sandbox", "AWS_SECRET_ACCESS_KEY": "sandbox"}
            old_profile = json.dumps(profile_2019(info["seed"]))
            image = info["seed"]["image_uris"][0]
            results: dict[str, list[dict[str, Any]]] = {
                k: [] for k in ("eden create", "eden delete", "2019 create", "2019 delete")}
            for i in range(runs):
                branch = f"feature/bench-{i}"
                old_branch = f"bench2019-{i}"
                print(f"run {i + 1}/{runs}", file=sys.stderr)
                # The 2019 tool reads only a rule's legacy ``Values``; a rule eden made
                # (HostHeaderConfig only, as AWS answers it) makes it fail, so its own
                # create and delete run while the listener holds none of eden's rules.
                results["2019 create"].append(
                    timed([str(python_2019), "-c", RUNNER_2019, "create", old_branch,
                           old_profile, image], old_env, proxy))
                results["2019 delete"].append(
                    timed([str(python_2019), "-c", RUNNER_2019, "delete", old_branch,
                           old_profile], old_env, proxy))
                results["eden create"].append(
                    timed([str(EDEN), "create", branch, "--image", image], eden_env, proxy))
                results["eden delete"].append(
                    timed([str(EDEN), "delete", branch], eden_env, proxy))
        finally:
            proxy.close()
            subprocess.run([str(EDEN), "sandbox", "down"], env=base, capture_output=True)
    return {"delay_ms": delay * 1000, "runs": runs, "results": results,
            "environment": environment()}


def report(data: dict[str, Any]) -> str:
    res = data["results"]

    def med(key: str, field: str) -> float:
        return float(statistics.median(r[field] for r in res[key]))

    rows = []
    for op in ("create", "delete"):
        new, old = f"eden {op}", f"2019 {op}"
        rows.append([
            op, f"{med(new, 'wall'):.2f}", f"{med(old, 'wall'):.2f}",
            f"{med(new, 'wall') / med(old, 'wall'):.2f}",
            f"{med(new, 'cpu'):.2f}", f"{med(old, 'cpu'):.2f}",
            f"{med(new, 'calls'):g}", f"{med(old, 'calls'):g}",
        ])
    header = ["op", "eden wall (s)", "2019 wall (s)", "eden / 2019", "eden CPU (s)",
              "2019 CPU (s)", "eden calls", "2019 calls"]
    return markdown_table(header, rows, ["l", "r", "r", "r", "r", "r", "r", "r"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--delay-ms", type=float, default=100.0)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "compare_2019.json")
    args = parser.parse_args()
    data = run(args.runs, args.delay_ms / 1000)
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2) + "\n")
    print(f"whole processes, {args.delay_ms:g} ms per AWS call, median of {args.runs} runs\n")
    print(report(data))


if __name__ == "__main__":
    main()
