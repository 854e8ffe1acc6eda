"""Suite-wide rules.

Tests skip only when a tool they drive is absent (nginx, chromium, curl, cfn-lint). CI
installs all of them, so in CI (``CI=true``) a skip means an install step broke and a
feature went untested: the run fails and names the skipped tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from eden.sandbox import aws_model
from heavy_first import order_items


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist, the tests marked ``heavy(seconds)`` start first, one worker's
    share each in turn (tests/heavy_first.py)."""
    order_items(items)


@pytest.hookimpl(trylast=True)  # after the session's fixtures are torn down
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:
        # A pytest-xdist worker: its AWS calls go to the controller, which checks them all
        # (and sees every worker's skips) once the workers are done.
        from eden.aws.clients import CALLED

        worker_output["eden_aws_calls"] = sorted(CALLED)
        _save_coverage_now()
        return
    _every_call_is_granted(session)
    if os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped and exitstatus == 0:
        names = ", ".join(sorted({r.nodeid for r in skipped}))
        print(f"\nCI: {len(skipped)} test(s) skipped, which CI does not allow: {names}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _save_coverage_now() -> None:
    """On a worker under ``coverage run``: write what it measured, now.

    A worker keeps its coverage in memory until its process exits, and the controller
    kills a worker that has not exited 10 s after it was told to (execnet's terminate). A
    run at a load of 12 with every test passed reported 76.8 % of branches instead of 85:
    the likeliest loss is a worker killed on its way out. What runs after this is still
    measured, and saved at exit as before when the worker gets that far."""
    import coverage

    current = coverage.Coverage.current()
    if current is not None:
        current.save()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """pytest-xdist, on the controller: a worker finished; keep the AWS calls it made."""
    from eden.aws.clients import CALLED

    calls = getattr(node, "workeroutput", {}).get("eden_aws_calls", [])
    CALLED.update((service, operation) for service, operation in calls)


# moto is made to behave like AWS where eden relies on it (services drain and start, ALB
# quotas, deployment controllers), for every moto server in this process and from the
# first test on, so no test sees a different moto depending on what ran before it.
# Services drain for 0.3 s here (AWS: until their tasks stop); tests that need other
# timings use the ``aws_model`` fixture.
AWS_MODEL = aws_model.install(aws_model.Model(drain_seconds=0.3, start_seconds=0.0))


@pytest.fixture
def aws_model_timings() -> Iterator[aws_model.Model]:
    """The installed model; timings changed in a test are put back after it."""
    before = (AWS_MODEL.drain_seconds, AWS_MODEL.start_seconds)
    try:
        yield AWS_MODEL
    finally:
        AWS_MODEL.drain_seconds, AWS_MODEL.start_seconds = before


def _every_call_is_granted(session: pytest.Session) -> None:
    """Every AWS call eden's clients made in this run must be in eden's IAM policy
    (eden.aws.permissions, from which the README's table and the template's role are
    made): a call it lacks would be AccessDenied on a real account."""
    from eden.aws.clients import CALLED
    from eden.aws.permissions import ungranted

    missing = ungranted(CALLED)
    if missing:
        names = ", ".join(f"{service}:{operation}" for service, operation in missing)
        print(f"\nIAM: eden called {names}, which eden.aws.permissions does not grant")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
