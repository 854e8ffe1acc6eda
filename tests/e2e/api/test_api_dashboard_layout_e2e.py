"""The dashboard at 1280x800 with the names that broke it (a 250-character branch, a
Japanese one), and /docs with no network: screenshots go to artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
LONG = "feature/" + "make-the-checkout-page-load-faster-" * 6 + "x" * 32  # 250 characters
CJK = "日本語ブランチ"

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page() -> Any:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.set_default_timeout(20_000)
        # Assertions wait as long as actions: their default, 5 s, ran out once at a load
        # of 14 (two suites and the demo on 2 cores) before the first list was drawn.
        playwright_api.expect.set_options(timeout=20_000)
        # Offline: anything not on this machine is refused, as on a laptop on a plane.
        page.route("**/*", lambda route: route.continue_()
                   if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost")
                   else route.abort())
        yield page
        context.close()
        browser.close()


def _create(served: Any, branch: str, image: str) -> dict[str, Any]:
    r = httpx.put(f"{served.url}/api/v1/environments/{branch}", json={"image": image},
                  headers={"x-api-key": served.write_key}, timeout=60)
    assert r.status_code == 201, r.text  # created: each test makes its own environments
    return dict(r.json())


def test_the_page_fits_1280_and_wraps_long_names(served: Any, page: Any) -> None:
    assert len(LONG) == 250
    image = served.seeded.image_uris[0]
    long_env = _create(served, LONG, image)["env"]
    cjk_env = _create(served, CJK, served.seeded.image_uris[1])["env"]
    assert cjk_env == "ri-ben-yu-buranchi"
    page.goto(served.url + "/")
    page.fill("#api-key", served.write_key)
    page.click("#key-form button[type=submit]")
    page.wait_for_selector(f"tr[data-env='{long_env}']")
    page.wait_for_selector(f"tr[data-env='{cjk_env}']")

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"the page is {width} px wide in a 1280 px window"
    row = page.locator(f"tr[data-env='{long_env}']")
    assert row.locator(".env-name").inner_text() == long_env
    assert row.locator(".branch").inner_text().replace("\n", "") == LONG
    assert row.locator("td.image").inner_text() == "api:v1"  # the tag, without the registry
    assert row.locator("td.image").get_attribute("title") == image
    cjk = page.locator(f"tr[data-env='{cjk_env}']")
    assert cjk.locator(".branch").inner_text() == CJK
    assert cjk.locator("td.image").inner_text() == "api:v2"
    for cell in ("td.env", "td.url", "td.image", "td.actions"):  # nothing spills over
        box = row.locator(cell).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1280, cell
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-1280.png"), full_page=True)


def test_docs_render_with_no_network(served: Any, page: Any) -> None:
    page.goto(served.url + "/docs")
    page.wait_for_selector(".opblock")  # Swagger UI drew the operations
    assert page.locator(".opblock").count() >= 5
    assert "eden" in page.title()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "docs-offline.png"))
