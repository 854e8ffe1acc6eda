"""A moto server for the scaler's integration tests (one per module, loopback only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moto_server import empty_moto


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with empty_moto() as url:
        yield url
