"""Sleep and wake through the sandbox's router: real nginx tasks, the real waker (eden
serve's app on a port of its own), 50 requests at once, and the page coming back."""

from __future__ import annotations

import http.client
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sandbox_e2e_helpers import HOST, NGINX, Page, Sandbox, page_showing, task_pids, wait_for

from eden.api import ApiSettings, create_app
from eden.api.serving import ServerThread
from eden.api.waker import create_waker_app
from eden.aws.clients import AwsClients
from eden.config import build_profile, write_profile
from eden.envs.sleep import Power
from eden.wiring import aws_settings, open_engine

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(NGINX is None, reason="nginx binary not installed (apt nginx-light)"),
]
START = 30.0  # seconds a task takes to start (skipped with the model's clock)


@dataclass
class Served:
    engine: Any
    clients: AwsClients  # the server's AWS calls
    waker_url: str


@pytest.fixture
def served(local_tasks: Sandbox, tmp_path: Path) -> Iterator[Served]:
    """`eden serve` with its waker, on the profile the sandbox would write."""
    config = tmp_path / "eden.toml"
    with ExitStack() as stack:
        holder: dict[str, AwsClients] = {}

        def clients(profile: Any) -> AwsClients:
            return holder.setdefault("c", AwsClients(aws_settings(profile)))

        app = create_app(ApiSettings(config=config, clients=clients))
        waker = stack.enter_context(ServerThread(create_waker_app(app.state.eden.waker)))
        stack.enter_context(ServerThread(app))
        values = {**local_tasks.profile_values, "sleep": {"waker": f"127.0.0.1:{waker.port}"}}
        write_profile(config, "sandbox", values, default=True)
        engine = stack.enter_context(open_engine(build_profile("sandbox", values), actor="t"))
        app.state.eden.registry.engine("sandbox")  # build the server's clients now
        yield Served(engine, holder["c"], waker.url)


def ask(router: str, accept: str) -> Page:
    parts = urllib.parse.urlsplit(router)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        conn.request("GET", "/", headers={"Host": HOST, "Accept": accept})
        resp = conn.getresponse()
        body = resp.read().decode()
        return Page(resp.status, body, {k.lower(): v for k, v in resp.getheaders()})
    finally:
        conn.close()


def test_a_request_wakes_a_sleeping_environment_once(
    local_tasks: Sandbox, served: Served
) -> None:
    image = local_tasks.seed.image_uris[0]
    served.engine.create("feature/login", image)
    tasks_dir = local_tasks.plane.settings.tasks_dir
    wait_for("the task's page", page_showing(local_tasks.router, HOST, environment="feature-login"))
    before = task_pids(tasks_dir)

    Power(served.engine).sleep("feature/login")

    wait_for("the environment's task to stop", lambda: len(task_pids(tasks_dir)) < len(before))
    local_tasks.model.start_seconds = START
    served.clients.reset_calls()
    accepts = ["text/html,application/xhtml+xml", "application/json"]
    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda i: ask(local_tasks.router, accepts[i % 2]), range(50)))

    assert {a.status for a in answers} == {503}
    assert all(a.headers["retry-after"] == "5" for a in answers)
    assert all(f"<h1>Waking up {HOST}</h1>" in a.body for a in answers[0::2])
    assert all(a.body == f"{HOST} is waking up; retry in a few seconds\n" for a in answers[1::2])
    # The one request that took the wake lease woke it in the background.
    wait_for("the record to say waking",
             lambda: served.engine.store.get("sandbox", "feature-login").power == "waking")
    updates = [c for c in served.clients.calls() if c.operation == "UpdateService"]
    assert len(updates) == 1
    assert ask(local_tasks.router, accepts[0]).status == 503  # still the waker: not started

    local_tasks.model.advance(START)

    page = wait_for("the environment's own page again",
                    page_showing(local_tasks.router, HOST, environment="feature-login",
                                 image=image))  # fmt: skip
    assert page.headers["x-eden-task"] == page.field("task")
    # The rule is back before the record says so (the finisher writes it right after).
    wait_for("the record to say awake",
             lambda: served.engine.store.get("sandbox", "feature-login").power == "awake")
    assert len([c for c in served.clients.calls() if c.operation == "UpdateService"]) == 1


CHROMIUM = Path("/usr/bin/chromium")


def test_chromium_sees_the_waking_page_then_the_app_without_a_reload(
    local_tasks: Sandbox, served: Served
) -> None:
    """The browser resolves the environment's host to the router (as its DNS record would
    send it to the ALB); the waking page reloads itself until the app answers."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    image = local_tasks.seed.image_uris[0]
    served.engine.create("feature/login", image)
    wait_for("the task's page", page_showing(local_tasks.router, HOST, environment="feature-login"))
    Power(served.engine).sleep("feature/login")
    tasks_dir = local_tasks.plane.settings.tasks_dir
    wait_for("the environment's task to stop", lambda: len(task_pids(tasks_dir)) == 1)
    local_tasks.model.start_seconds = START
    port = urllib.parse.urlsplit(local_tasks.router).port
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            f"--host-resolver-rules=MAP {HOST} 127.0.0.1:{port}"]  # fmt: skip
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)
        try:
            page = browser.new_page()
            page.goto(f"http://{HOST}/")
            assert page.locator("h1").inner_text() == f"Waking up {HOST}"
            wait_for("the wake to start",
                     lambda: served.engine.store.get("sandbox", "feature-login").power == "waking")
            local_tasks.model.advance(START)
            # No reload by the test: the page's own refresh brings the app.
            page.wait_for_selector("#environment", timeout=30_000)
            assert page.locator("#environment").inner_text() == "feature-login"
            assert page.locator("#image").inner_text() == image
        finally:
            browser.close()
