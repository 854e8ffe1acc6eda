"""Fixtures for the scaler's unit tests (helpers live in scaler_unit_helpers)."""

from __future__ import annotations

import pytest
from scaler_unit_helpers import Feed, feed_policy


@pytest.fixture
def feed() -> Feed:
    return feed_policy
