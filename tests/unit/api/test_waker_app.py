"""The waker's own app without AWS: its health path, and a clear 503 (never a bare 500)
when the state store cannot be read."""

from __future__ import annotations

from typing import Any

import httpx

from eden.api.metrics import Metrics
from eden.api.serving import ServerThread
from eden.api.waker import Waker, create_waker_app
from eden.envs.sleep_plan import WAKER_HEALTH_PATH
from eden.errors import AwsUnreachable


class BrokenRegistry:
    """A server whose state store (DynamoDB, say) does not answer."""

    def all_profiles(self) -> list[Any]:
        raise AwsUnreachable("DynamoDB did not answer", hint="check the network")


def test_health_and_an_unreachable_store() -> None:
    metrics = Metrics()
    waker = Waker(BrokenRegistry(), metrics)  # type: ignore[arg-type]
    with (
        ServerThread(create_waker_app(waker)) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        assert client.get(WAKER_HEALTH_PATH).text == "ok\n"
        answer = client.get("/", headers={"Host": "api-feature-x.dev.example.com"})
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "5"
        assert answer.text == (
            "the waker cannot reach its state store or AWS right now; retry shortly\n"
        )
        garbage = client.get("/", headers={"Host": "not a host"})
        assert garbage.status_code == 404  # refused before the store is asked
    assert 'eden_waker_requests_total{outcome="error"} 1' in metrics.render()
    waker.close()
