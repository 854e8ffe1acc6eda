"""What a local task serves: its nginx config and its page (pure rendering)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eden.sandbox.nginx_task import health_path, render_conf, render_page
from eden.sandbox.tasks import TaskSpec


def test_the_page_names_the_environment_and_the_image_escaped() -> None:
    spec = TaskSpec("feat<script>", "eden-feat", "repo/api:v1&x", "td:1", "/healthz")
    page = render_page(spec, "0123abcd")
    assert '<b id="environment">feat&lt;script&gt;</b>' in page
    assert '<b id="image">repo/api:v1&amp;x</b>' in page
    assert '<b id="task">0123abcd</b>' in page
    assert "<script>" not in page


@pytest.mark.parametrize(
    ("given", "served"),
    [
        ("/healthz", "/healthz"),
        ("/api/v1/health-check.json", "/api/v1/health-check.json"),
        ("/", "/"),
        (None, "/healthz"),
        ("", "/healthz"),
        ("/a b", "/healthz"),  # not something to write into nginx's config
        ('/x";}evil', "/healthz"),
        ("healthz", "/healthz"),
        ("/" + "a" * 300, "/healthz"),
    ],
)
def test_health_path_is_served_only_when_safe(given: str | None, served: str) -> None:
    assert health_path(given) == served


def test_the_config_listens_on_loopback_and_answers_the_health_path(tmp_path: Path) -> None:
    conf = render_conf(tmp_path, 40123, "abc", "/healthz")
    assert "listen 127.0.0.1:40123;" in conf
    assert 'location = /healthz { return 200 "ok\\n"; }' in conf
    assert "master_process off;" in conf
    assert f'pid "{tmp_path}/nginx.pid";' in conf  # quoted: the path may hold spaces
    assert "location = /nginx_status { stub_status; }" in conf


def test_a_root_health_path_is_the_page_itself(tmp_path: Path) -> None:
    assert "return 200" not in render_conf(tmp_path, 40123, "abc", "/")
