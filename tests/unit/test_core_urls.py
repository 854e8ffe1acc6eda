"""eden.core.urls: which endpoint URLs are this machine (the sandbox gets fixed credentials)."""

from __future__ import annotations

import pytest

from eden.core.urls import is_loopback_url


@pytest.mark.parametrize(
    "url",
    ["http://localhost:5000", "https://localhost", "http://127.0.0.1:4566",
     "http://127.200.3.4", "http://[::1]:8080"],
)
def test_loopback_urls(url: str) -> None:
    assert is_loopback_url(url) is True


@pytest.mark.parametrize(
    "url",
    [None, "", "https://s3.us-east-1.amazonaws.com", "http://127.0.0.1.example.com",
     "http://localhost.example.com", "http://128.0.0.1", "http://10.0.0.1", "not a url"],
)
def test_everything_else_is_not_loopback(url: str | None) -> None:
    assert is_loopback_url(url) is False
