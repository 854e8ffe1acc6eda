"""The dashboard in a real headless Chromium (Debian's, driven by Playwright).

It must show what the API created, delete with confirmation when the key may write,
hide the button for a read-only key, and leave a screenshot under artifacts/.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from eden.sandbox.seed import sandbox_clients
from moto_tasks import add_task

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page() -> Any:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 700})
        page = context.new_page()
        page.set_default_timeout(20_000)
        # Assertions wait as long as actions: their default, 5 s, ran out once at a load
        # of 14 (two suites and the demo on 2 cores) before the first list was drawn.
        playwright_api.expect.set_options(timeout=20_000)
        yield page
        context.close()
        browser.close()


def _create(served: Any, branch: str, image: str) -> None:
    r = httpx.put(
        f"{served.url}/api/v1/environments/{branch}",
        json={"image": image},
        headers={"x-api-key": served.write_key},
        timeout=60,
    )
    assert r.status_code == 201, r.text  # created: each test makes its own environments


def _use_key(page: Any, served: Any, key: str) -> None:
    page.goto(served.url + "/")
    page.fill("#api-key", key)
    page.click("#key-form button[type=submit]")


def test_lists_deletes_and_screenshots(served: Any, page: Any) -> None:
    images = served.seeded.image_uris
    _create(served, "feature/dashboard", images[0])
    _create(served, "fix/keep-me", images[1])
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    _use_key(page, served, served.write_key)
    page.wait_for_selector("tr[data-env='feature-dashboard']")
    row = page.locator("tr[data-env='feature-dashboard']")
    assert "feature/dashboard" in row.inner_text()
    # The image cell shows the repository and tag; the whole reference is its tooltip.
    assert row.locator("td.image").inner_text() == images[0].rsplit("/", 1)[1]
    assert row.locator("td.image").get_attribute("title") == images[0]
    assert "ready" in row.inner_text()
    link = row.locator("a")
    assert link.get_attribute("href") == "https://api-feature-dashboard.dev.example.com"
    assert page.locator("#key-state").inner_text() == "e2e-write · write"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "api-dashboard.png"), full_page=True)

    # Dismissing the confirmation keeps the environment.
    page.once("dialog", lambda d: d.dismiss())
    row.locator("button.danger").click()
    assert page.locator("tr[data-env='feature-dashboard']").count() == 1

    dialogs: list[str] = []

    def accept(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    row.locator("button.danger").click()
    page.wait_for_selector("tr[data-env='feature-dashboard']", state="detached")
    assert "feature-dashboard" in dialogs[0]
    listed = httpx.get(
        f"{served.url}/api/v1/environments", headers={"x-api-key": served.read_key}
    ).json()
    assert [e["branch"] for e in listed["environments"]] == ["fix/keep-me"]
    assert page.locator("tr[data-env='fix-keep-me']").count() == 1

    # Pin (confirmed) exempts it from the cleaner; the row says so, and so does the API.
    keep = page.locator("tr[data-env='fix-keep-me']")
    assert "expires in" in keep.inner_text()
    page.once("dialog", lambda d: d.accept())
    keep.locator("button.pin").click()
    playwright_api.expect(keep.locator("button.pin")).to_have_text("Unpin")
    assert "pinned" in keep.inner_text()
    shown = httpx.get(
        f"{served.url}/api/v1/environments/fix/keep-me", headers={"x-api-key": served.read_key}
    ).json()
    assert shown["pinned"] is True and shown["expires_at"] is None
    page.once("dialog", lambda d: d.accept())
    keep.locator("button.pin").click()
    playwright_api.expect(keep.locator("button.pin")).to_have_text("Pin")
    assert errors == []


def test_read_key_has_no_delete_and_bad_key_is_refused(served: Any, page: Any) -> None:
    _create(served, "feature/readonly", served.seeded.image_uris[0])
    _use_key(page, served, served.read_key)
    page.wait_for_selector("tr[data-env='feature-readonly']")
    assert page.locator("button.danger").count() == 0
    assert page.locator("button.pin").count() == 0
    assert "read" in page.locator("#key-state").inner_text()
    # The key survives a reload (localStorage), and Forget clears it.
    page.reload()
    page.wait_for_selector("tr[data-env='feature-readonly']")
    page.click("#forget-key")
    page.wait_for_selector("tr[data-env='feature-readonly']", state="detached")
    _use_key(page, served, "eden_not_a_key")
    # A locator wait, not wait_for_function: the page's CSP forbids evaluating strings.
    playwright_api.expect(page.locator("#key-state")).to_have_text("key refused")
    assert page.locator("#message").is_visible()
    # It says why a key can be unknown: a new sandbox has a new state, keys included.
    playwright_api.expect(page.locator("#message")).to_contain_text("eden apikey create")


def test_health_column_and_details_with_the_last_log_lines(
    served: Any, page: Any, moto: str
) -> None:
    """Day two: the row says how the environment is; Details says why and shows its logs."""
    _create(served, "feature/health", served.seeded.image_uris[0])
    cluster = served.seeded.cluster
    running = add_task(cluster, "eden-feature-health")
    pull = "CannotPullContainerError: failed to resolve ref api:gone: not found"
    add_task(cluster, "eden-feature-health", status="STOPPED", stopped_reason=pull,
             stop_code="TaskFailedToStart", exits={"app": (None, pull)})
    logs = sandbox_clients(moto).client("logs")
    logs.create_log_stream(logGroupName="/ecs/api", logStreamName=f"app/app/{running}")
    logs.put_log_events(logGroupName="/ecs/api", logStreamName=f"app/app/{running}",
                        logEvents=[{"timestamp": int(time.time() * 1000),
                                    "message": "listening on :8080"}])
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _use_key(page, served, served.read_key)
    row = page.locator("tr[data-env='feature-health']")
    playwright_api.expect(row.locator("td.health")).to_have_text(
        f"healthy 1/1 running: recently stopped: the image could not be pulled "
        f"(CannotPullContainerError): {pull.split(': ', 1)[1]}"
    )
    row.locator("button.details-toggle").click()
    details = page.locator("tr[data-details='feature-health']")
    playwright_api.expect(details.locator("pre.logs")).to_contain_text("listening on :8080")
    text = details.inner_text()
    assert "the image could not be pulled (CannotPullContainerError)" in text
    assert f"app/{running[:8]} listening on :8080" in text
    assert "container log-router has no log configuration" in text
    assert re.search(r"Cost so far \$0\.\d\d, saved by sleeping \$0\.00 · \$0\.01/hour awake "
                     r"\(Fargate us-east-1, an estimate\)", text), text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "api-dashboard-details.png"), full_page=True)
    row.locator("button.details-toggle").click()
    playwright_api.expect(details).to_have_count(0)
    assert errors == []


POLLED = "/api/v1/environments?view=summary&limit=500"  # all profiles, no health


def test_the_list_is_lean_and_revalidated_with_its_etag(served: Any, page: Any) -> None:
    """The dashboard asks for the lean view, and asking again for a list it has costs a
    304: the server builds nothing, and the rows stay as they were."""
    _create(served, "feature/lean", served.seeded.image_uris[0])
    listed: list[tuple[str, int]] = []
    page.on("response", lambda r: listed.append((r.url, r.status))
            if "/api/v1/environments?" in r.url else None)
    with page.expect_response(lambda r: r.url.endswith(POLLED)) as first:
        _use_key(page, served, served.read_key)
    assert first.value.status == 200
    row = page.locator("tr[data-env='feature-lean']")
    playwright_api.expect(row).to_contain_text("feature/lean")
    assert row.locator("a").inner_text() == "api-feature-lean.dev.example.com"

    with page.expect_response(lambda r: "profile=sandbox" in r.url):
        page.select_option("#profile", "sandbox")  # another URL, its own answer
    with page.expect_response(lambda r: r.url.endswith(POLLED)) as again:
        page.select_option("#profile", "")  # the first URL again: revalidated
    assert again.value.status == 304
    assert again.value.request.headers["if-none-match"] == first.value.headers["etag"]
    playwright_api.expect(row).to_contain_text("feature/lean")
    assert listed and all("view=summary" in url for url, _ in listed)


def test_sleep_and_wake_buttons(served: Any, page: Any) -> None:
    """Sleep from the dashboard, then Wake: the status says sleeping, then ready again
    once `eden serve` (its waker's finisher) has put the rule back."""
    _create(served, "feature/nap", served.seeded.image_uris[0])
    # `eden serve` started the waker on the profile's port, with nothing of the API on it.
    assert httpx.get(f"{served.waker_url}/_eden/waker/health").text == "ok\n"
    assert httpx.get(f"{served.waker_url}/api/v1/environments").status_code == 404
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _use_key(page, served, served.write_key)
    row = page.locator("tr[data-env='feature-nap']")
    button = row.locator("button.power")
    playwright_api.expect(button).to_have_text("Sleep")
    button.click()
    playwright_api.expect(row.locator("span.status")).to_have_text("sleeping")
    playwright_api.expect(button).to_have_text("Wake")
    shown = httpx.get(
        f"{served.url}/api/v1/environments/feature-nap", headers={"x-api-key": served.read_key}
    ).json()
    assert shown["power"] == "sleeping" and shown["extra"]["sleep"]["counts"] == {"app": 1}
    button.click()
    playwright_api.expect(row.locator("span.status")).to_have_text("ready", timeout=30_000)
    playwright_api.expect(button).to_have_text("Sleep")
    assert errors == []
