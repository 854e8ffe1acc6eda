"""The list's ``cursor``: where the previous page ended, opaque to clients.

A cursor holds a position (profile, name), the filters it was made with, and a check
over both, base64url-encoded. It is not a secret and grants nothing: a read key can list
everything anyway. The check is there so that a cursor cut short, edited or pasted with
other filters is refused with a message, instead of silently listing from elsewhere.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from eden.errors import UsageError

VERSION = 1
MAX_LENGTH = 1024
_START_AGAIN = "start again without cursor, or use the `next` link of the last answer as is"


def _check(profile: str, name: str, filters: str) -> str:
    data = json.dumps([VERSION, profile, name, filters]).encode()
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def encode(profile: str, name: str, filters: str) -> str:
    """The cursor of a page that ended at ``(profile, name)`` of a listing with ``filters``."""
    data = json.dumps([VERSION, profile, name, _check(profile, name, filters)])
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def decode(cursor: str, filters: str) -> tuple[str, str]:
    """The position a cursor holds; ``UsageError`` (422) for one this server did not make
    for a listing with these filters."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, profile, name, check = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise UsageError(
            "cursor is not one this server gave (cut short or edited?)", hint=_START_AGAIN
        ) from exc
    if version != VERSION or not all(isinstance(v, str) for v in (profile, name, check)):
        raise UsageError("cursor is not one this server gave (cut short or edited?)",
                         hint=_START_AGAIN)
    if check != _check(profile, name, filters):
        raise UsageError(
            "cursor does not belong to this listing: it was made with other filters"
            " (profile, status, branch_prefix) or edited",
            hint="use it with the filters of the listing it came from; " + _START_AGAIN,
        )
    return profile, name
