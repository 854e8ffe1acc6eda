#!/usr/bin/env bash
# eden's whole test suite on a fresh machine: system packages, a venv, lint, types, tests.
#
# As root it installs what the end-to-end tests run for real (nginx for the autoscaler,
# chromium for the dashboard) with apt; without root it uses what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# A Japanese font, so the dashboard screenshot shows a CJK branch as text, not boxes.
fc-list :lang=ja 2>/dev/null | grep -q . || need+=(fonts-ipafont-gothic)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v jq >/dev/null 2>&1 || need+=(jq)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "==> apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "==> not root: not installing ${need[*]} (tests that need them will say so)"
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
echo "==> installing eden with its test dependencies (pip install -e '.[dev]')"
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'

echo "==> ruff"
.venv/bin/ruff check src tests bench
echo "==> mypy"
.venv/bin/mypy
echo "==> pytest"
.venv/bin/pytest "$@"
