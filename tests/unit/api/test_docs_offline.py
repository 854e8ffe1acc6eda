"""/docs needs no network: every file Swagger UI loads is served by eden itself."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx

from eden.api import ApiSettings, create_app


async def _fetch(app: Any, paths: list[str]) -> dict[str, httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://eden.test") as client:
        return {path: await client.get(path) for path in paths}


def test_docs_load_only_files_this_server_serves(tmp_path: Path) -> None:
    app = create_app(ApiSettings(config=tmp_path / "eden.toml"))
    page = asyncio.run(_fetch(app, ["/docs"]))["/docs"]
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", page.text)
    assert "/openapi.json" in urls
    assets = sorted(u for u in urls if u != "/openapi.json")
    assert assets == [
        "/docs/assets/favicon.png",
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/swagger-ui.css",
    ]
    got = asyncio.run(_fetch(app, assets))
    for url in assets:
        assert got[url].status_code == 200 and len(got[url].content) > 500, url
    assert "SwaggerUIBundle" in got["/docs/assets/swagger-ui-bundle.js"].text
