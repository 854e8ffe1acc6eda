"""schemathesis over the live server's OpenAPI spec: whatever it sends, never a 5xx.

Run through schemathesis' own CLI (its stable interface) against the real server and
moto, with a write key so generated requests reach the engine, and a bounded number of
examples per operation so the run stays well under a minute.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.mark.skipif(
    not SCHEMATHESIS.exists() and shutil.which("schemathesis") is None,
    reason="schemathesis is not installed",
)
@pytest.mark.heavy(seconds=80)
def test_no_server_errors(api: Any, tmp_path: Path) -> None:
    exe = str(SCHEMATHESIS) if SCHEMATHESIS.exists() else "schemathesis"
    proc = subprocess.run(
        [
            exe,
            "run",
            f"{api.url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "25",
            "--phases",
            "examples,fuzzing",
            "--header",
            f"x-api-key: {api.write_key}",
            "--seed",
            "4",
            "--generation-database",
            "none",
            "--request-timeout",
            "30",
            "--workers",
            "4",
            "--no-color",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=280,  # a deadline for a hang (a loaded machine is slow, not stuck); pytest's is 300
        cwd=tmp_path,  # its caches (.hypothesis, .schemathesis) stay out of the repository
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and "generated" in proc.stdout
