"""Concurrent metric scrapes with short timeouts, over a tiny HTTP/1.0 GET (stdlib only).

A status page is a few hundred bytes on a private network; a full HTTP client adds nothing
but import time and a dependency. HTTP/1.0 without keep-alive means the server closes the
connection after the body, so reading to EOF is the whole protocol.

Large services are sampled the way Knative does it: ``n = N`` up to 3 tasks, otherwise
``ceil(N * 15.37 / (N + 14.37))`` (10 -> 7, 100 -> 14, never above 16), chosen at random
each tick; the policy extrapolates the total from the sample. Rate metrics need the same
task twice in a row, so they are never sampled.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from eden.scaler.discovery import Endpoint
from eden.scaler.metrics import MetricParseError, MetricSpec, RateTracker, read_raw

MAX_BODY = 256 * 1024


class ScrapeError(Exception):
    """One task did not answer usefully; its value is missing for this tick."""


def sample_size(total: int) -> int:
    """Knative's sample size for a 95 % confidence, 5 % error estimate of the mean."""
    if total <= 3:
        return total
    return min(total, math.ceil(total * 15.37 / (total + 14.37)))


async def http_get(host: str, port: int, path: str, timeout: float) -> str:
    """The body of ``GET path`` or ScrapeError (timeout, refused, non-200, too big)."""
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
            request = f"GET {path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: eden-scaler\r\n\r\n"
            writer.write(request.encode("ascii"))
            await writer.drain()
            raw = await reader.read(MAX_BODY + 1)
            chunks = [raw]
            while raw and sum(map(len, chunks)) <= MAX_BODY:
                raw = await reader.read(MAX_BODY + 1)
                chunks.append(raw)
            data = b"".join(chunks)
    except TimeoutError as exc:
        raise ScrapeError(f"{host}:{port} timed out after {timeout:g}s") from exc
    except OSError as exc:
        raise ScrapeError(f"{host}:{port}: {exc.strerror or exc}") from exc
    finally:
        if writer is not None:
            writer.close()
    if len(data) > MAX_BODY:
        raise ScrapeError(f"{host}:{port}{path}: body over {MAX_BODY} bytes")
    head, sep, body = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split()
    if not sep or len(status) < 2 or status[1] != b"200":
        raise ScrapeError(f"{host}:{port}{path}: {head[:60]!r}")
    return body.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class ScrapeResult:
    """Per-task values (None = missing) for the tasks scraped, in endpoint order."""

    values: tuple[float | None, ...]
    errors: int
    attempted: int


class Scraper:
    """Scrapes one service's endpoints with bounded concurrency."""

    def __init__(
        self,
        spec: MetricSpec,
        *,
        timeout: float = 0.5,
        limit: asyncio.Semaphore | None = None,
        sample: bool = True,
        rng: random.Random | None = None,
    ) -> None:
        self.spec = spec
        self.timeout = timeout
        self.limit = limit or asyncio.Semaphore(256)
        self.sample = sample and not spec.is_rate
        self.rng = rng or random.Random()
        self.rates = RateTracker()
        self.last_error = ""

    def choose(self, endpoints: Sequence[Endpoint]) -> list[Endpoint]:
        if not self.sample:
            return list(endpoints)
        n = sample_size(len(endpoints))
        if n >= len(endpoints):
            return list(endpoints)
        picked = set(self.rng.sample(range(len(endpoints)), n))
        return [e for i, e in enumerate(endpoints) if i in picked]

    async def scrape(self, endpoints: Sequence[Endpoint], now: float) -> ScrapeResult:
        chosen = self.choose(endpoints)
        results = await asyncio.gather(*(self._one(e, now) for e in chosen))
        if self.spec.is_rate:
            self.rates.retain(e.id for e in endpoints)
        errors = sum(1 for r in results if r is None)
        return ScrapeResult(tuple(results), errors, len(chosen))

    async def _one(self, endpoint: Endpoint, now: float) -> float | None:
        try:
            async with self.limit:
                body = await http_get(endpoint.host, endpoint.port, self.spec.path, self.timeout)
            raw = read_raw(self.spec, body)
        except (ScrapeError, MetricParseError) as exc:
            self.last_error = str(exc)
            return None
        if self.spec.is_rate:
            return self.rates.rate(endpoint.id, now, raw)
        return raw
