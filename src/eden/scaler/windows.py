"""Fixed-duration sliding windows with O(1) amortised updates.

The policy keeps a 60 s and a 6 s average of load and a sliding maximum of its own
recommendations. A daemon runs for days at one tick per second, so every window drops what
has aged out on each push: memory is bounded by the window length, never by uptime.
"""

from __future__ import annotations

from collections import deque


class TimeWindowMean:
    """Mean of the values pushed within the last ``span`` seconds (running sum, no rescans)."""

    def __init__(self, span: float) -> None:
        if span <= 0:
            raise ValueError("span must be positive")
        self.span = span
        self._items: deque[tuple[float, float]] = deque()
        self._sum = 0.0

    def push(self, at: float, value: float) -> None:
        self._items.append((at, value))
        self._sum += value
        self.expire(at)

    def expire(self, now: float) -> None:
        """Drop values older than ``span``; a window never holds more than it averages."""
        cutoff = now - self.span
        items = self._items
        while items and items[0][0] <= cutoff:
            _, old = items.popleft()
            self._sum -= old
        if not items:
            self._sum = 0.0  # no float drift carried across an empty window

    def mean(self, now: float) -> float | None:
        """The mean, or None when the window holds nothing (unknown is not zero)."""
        self.expire(now)
        if not self._items:
            return None
        return self._sum / len(self._items)

    def __len__(self) -> int:
        return len(self._items)


class TimeWindowMax:
    """Maximum of the values pushed within the last ``span`` seconds (monotonic deque)."""

    def __init__(self, span: float) -> None:
        if span < 0:
            raise ValueError("span must not be negative")
        self.span = span
        self._items: deque[tuple[float, int]] = deque()

    def push(self, at: float, value: int) -> None:
        items = self._items
        while items and items[-1][1] <= value:
            items.pop()
        items.append((at, value))
        self.expire(at)

    def expire(self, now: float) -> None:
        cutoff = now - self.span
        items = self._items
        # Keep the newest entry even when span is 0, so max() always has the latest value.
        while len(items) > 1 and items[0][0] <= cutoff:
            items.popleft()

    def max(self, now: float) -> int | None:
        self.expire(now)
        return self._items[0][1] if self._items else None

    def __len__(self) -> int:
        return len(self._items)
