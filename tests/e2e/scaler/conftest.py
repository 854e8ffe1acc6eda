"""A moto server for the scaler's end-to-end test (loopback only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moto_server import empty_moto


@pytest.fixture
def e2e_moto_url() -> Iterator[str]:
    with empty_moto() as url:
        yield url
