"""Helpers for the scaler's integration tests: a moto-backed ECS service and stub tasks."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from eden.aws.clients import AwsClients, AwsSettings
from eden.sandbox.scratch import ScratchService, scratch_service


def moto_clients(url: str) -> AwsClients:
    return AwsClients(
        AwsSettings(
            region="us-east-1",
            endpoint_url=url,
            access_key_id="testing",
            secret_access_key="testing",
            max_attempts=2,
        ),
        role="test",
    )


MotoService = ScratchService


def create_service(clients: AwsClients, desired: int = 1) -> MotoService:
    """A cluster, an awsvpc service and an ip target group, uniquely named per call."""
    return scratch_service(clients, "scaler", desired)


def desired_count(clients: AwsClients, svc: MotoService) -> int:
    found = clients.client("ecs").describe_services(cluster=svc.cluster, services=[svc.service])
    return int(found["services"][0]["desiredCount"])


class StubTask:
    """A thread-served stub_status page on its own loopback address (moto keys targets by IP)."""

    def __init__(self, host: str, in_flight: int) -> None:
        self.in_flight = in_flight
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = (
                    f"Active connections: {owner.in_flight + 1} \nserver accepts handled "
                    f"requests\n 1 1 1 \nReading: 0 Writing: {owner.in_flight + 1} "
                    "Waiting: 0 \n"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.host, self.port = host, int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(10)
