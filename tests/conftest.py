"""Suite-wide rules.

Tests skip only when a tool they drive is absent (nginx, chromium, curl, cfn-lint). CI
installs all of them, so in CI (``CI=true``) a skip means an install step broke and a
feature went untested: the run fails and names the skipped tests.
"""

from __future__ import annotations

import os

import pytest


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped and exitstatus == 0:
        names = ", ".join(sorted({r.nodeid for r in skipped}))
        print(f"\nCI: {len(skipped)} test(s) skipped, which CI does not allow: {names}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
