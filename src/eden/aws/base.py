"""What every per-service adapter shares: its client, and paging."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from eden.aws.clients import AwsClients


class Adapter:
    """A thin, typed view of one AWS service over the shared clients.

    Adapters map AWS's "not found" answers to None or False and leave every other error
    (an ``AwsError`` with AWS's code) to the caller; they hold no state of their own.
    """

    service = ""

    def __init__(self, clients: AwsClients):
        self.clients = clients

    @property
    def client(self) -> Any:
        return self.clients.client(self.service)

    def pages(self, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        yield from self.client.get_paginator(operation).paginate(**kwargs)
