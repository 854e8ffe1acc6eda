"""The built wheel, installed into a fresh venv outside the checkout, is a working eden.

pip builds the wheel (no build isolation, so no download); a new venv gets it with
``--no-deps``, and sees the test venv's dependencies through a ``.pth`` line (so this
test needs no network), never the checkout: ``import eden`` must come from the wheel.
Then the installed ``eden`` command runs ``--version`` and ``sandbox up``/``down``.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import eden

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.e2e


def _run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120) -> str:
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
          "-w", str(out), str(ROOT)], dict(os.environ), out, timeout=300)
    (built,) = out.glob("eden_ecs-*.whl")
    return built


def test_the_wheel_holds_the_assets_and_its_own_name(wheel: Path) -> None:
    assert wheel.name == f"eden_ecs-{eden.__version__}-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    for asset in ("index.html", "app.js", "style.css"):
        assert f"eden/api/dashboard/{asset}" in names
    traces = {n for n in names if n.startswith("eden/scaler/traces/")}
    # Every shipped trace, and the README that gives the NASA traces' source and licence.
    shipped = {f"eden/scaler/traces/{p.name}" for p in (ROOT / "traces").iterdir()}
    assert "eden/scaler/traces/README.md" in shipped and traces == shipped
    templates = {n for n in names if n.startswith("eden/templates/")}
    assert templates == {f"eden/templates/{p.name}" for p in (ROOT / "deploy").iterdir()}
    assert "eden/templates/template.yaml" in templates
    meta = zipfile.ZipFile(wheel).read(
        f"eden_ecs-{eden.__version__}.dist-info/METADATA"
    ).decode()
    assert "Name: eden-ecs" in meta and f"Version: {eden.__version__}" in meta
    assert "Requires-Dist: anyascii" in meta and "License-Expression: MIT" in meta
    entry = zipfile.ZipFile(wheel).read(
        f"eden_ecs-{eden.__version__}.dist-info/entry_points.txt"
    ).decode()
    assert "eden = eden.cli:run" in entry


def test_installed_in_a_fresh_venv_eden_runs_the_sandbox(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "fresh"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], dict(os.environ), tmp_path)
    py = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
          str(wheel)], dict(os.environ), tmp_path, timeout=300)
    purelib = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()"
                         "['purelib'])"], dict(os.environ), tmp_path).strip())
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    assert sysconfig.get_paths()["purelib"] in deps
    (purelib / "test-deps.pth").write_text("\n".join(deps) + "\n")
    home = tmp_path / "home"
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
    }
    where = _run([str(py), "-c", "import eden; print(eden.__file__)"], env, tmp_path)
    assert where.startswith(str(venv)), where  # the wheel's copy, not the checkout
    eden_cmd = str(venv / "bin" / "eden")
    assert _run([eden_cmd, "--version"], env, tmp_path) == f"eden, version {eden.__version__}\n"
    try:
        up = json.loads(_run([eden_cmd, "sandbox", "up", "-o", "json"], env, tmp_path))
        assert up["running"] is True and up["config"].startswith(str(home))
        listed = _run([eden_cmd, "ls", "-p", "sandbox"], env, tmp_path)
        assert listed.startswith("no environments")
    finally:
        down = _run([eden_cmd, "sandbox", "down", "-o", "json"], env, tmp_path)
    assert json.loads(down) == {"running": False, "stopped": True}
