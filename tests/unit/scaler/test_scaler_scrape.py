"""Scraping over loopback: values, failures as missing data, sampling, rates."""

from __future__ import annotations

import asyncio
import random

import pytest
from scaler_unit_helpers import StubStatusServer

from eden.scaler.discovery import Endpoint
from eden.scaler.metrics import MetricSpec
from eden.scaler.scrape import ScrapeError, Scraper, http_get, sample_size


@pytest.mark.parametrize(("n", "expected"), [(0, 0), (1, 1), (3, 3), (4, 4), (10, 7),
                                             (100, 14), (1000, 16), (100_000, 16)])
def test_knative_sample_size(n: int, expected: int) -> None:
    assert sample_size(n) == expected


def test_scrape_reads_every_task_and_marks_failures_missing() -> None:
    async def scenario() -> None:
        servers = [await StubStatusServer(v).start() for v in (4, 6, 9)]
        servers[1].broken = True
        endpoints = [Endpoint("127.0.0.1", s.port) for s in servers]
        # A port nobody listens on: refused, also missing.
        endpoints.append(Endpoint("127.0.0.1", 1))
        scraper = Scraper(MetricSpec(), timeout=1.0, sample=False)
        result = await scraper.scrape(endpoints, 0.0)
        assert result.values == (4.0, None, 9.0, None)
        assert result.errors == 2 and result.attempted == 4
        for s in servers:
            await s.stop()

    asyncio.run(scenario())


def test_scrape_timeout_is_missing_data() -> None:
    async def scenario() -> None:
        async def silent(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            await asyncio.sleep(5)

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(ScrapeError, match="timed out"):
            await http_get("127.0.0.1", port, "/nginx_status", 0.1)
        server.close()

    asyncio.run(scenario())


def test_sampling_large_services_scrapes_a_sample() -> None:
    async def scenario() -> None:
        server = await StubStatusServer(5).start()
        endpoints = [Endpoint("127.0.0.1", server.port, key=f"task-{i}") for i in range(100)]
        scraper = Scraper(MetricSpec(), timeout=1.0, rng=random.Random(1))
        result = await scraper.scrape(endpoints, 0.0)
        assert result.attempted == 14 and server.hits == 14
        await server.stop()

    asyncio.run(scenario())


def test_rate_metrics_are_never_sampled_and_start_unknown() -> None:
    async def scenario() -> None:
        server = await StubStatusServer(0).start()
        endpoints = [Endpoint("127.0.0.1", server.port, key=f"t{i}") for i in range(10)]
        scraper = Scraper(MetricSpec(kind="request_rate"), timeout=1.0)
        first = await scraper.scrape(endpoints, 0.0)
        assert first.attempted == 10 and first.values == (None,) * 10
        second = await scraper.scrape(endpoints, 1.0)
        assert second.values == (0.0,) * 10  # the stub's counter does not move
        await server.stop()

    asyncio.run(scenario())
