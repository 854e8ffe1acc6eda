"""Kept list answers, by ETag (see ``Answers``)."""

from __future__ import annotations

import threading
from collections import OrderedDict

from fastapi import Response


class Answers:
    """The last list answers by ETag, so a client that does not revalidate (an older
    dashboard, a script) asking for an unchanged list is not served by building it again.

    Safe because the ETag is the key: it changes with everything the answer shows, so
    an answer found under it is the answer that would be built. Bounded in bytes (the
    whole list of 500 environments is about 1.2 MB) and in entries; least recently used
    out first.
    """

    def __init__(self, max_bytes: int = 32 * 2**20, max_entries: int = 64):
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._kept: OrderedDict[str, tuple[bytes, tuple[tuple[str, str], ...]]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, etag: str) -> Response | None:
        with self._lock:
            kept = self._kept.get(etag)
            if kept is None:
                return None
            self._kept.move_to_end(etag)
        body, headers = kept
        return Response(body, media_type="application/json", headers=dict(headers))

    def put(self, etag: str, response: Response) -> None:
        body = bytes(response.body)
        if response.status_code != 200 or len(body) > self.max_bytes:
            return
        headers = tuple((k, v) for k, v in response.headers.items()
                        if k in ("etag", "cache-control", "link"))
        with self._lock:
            if etag in self._kept:
                return
            self._kept[etag] = (body, headers)
            self._bytes += len(body)
            while self._bytes > self.max_bytes or len(self._kept) > self.max_entries:
                _, (old, _) = self._kept.popitem(last=False)
                self._bytes -= len(old)
