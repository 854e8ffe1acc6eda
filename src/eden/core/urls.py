"""URLs eden reads from profiles: which of them point at this machine."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlparse


def is_loopback_url(url: str | None) -> bool:
    """True for http(s)://localhost or 127.0.0.0/8 and ::1: the sandbox, never real AWS.

    A loopback endpoint gets the sandbox's fixed credentials, so this must not be fooled by
    a host that only starts with "127." or "localhost".
    """
    if not url:
        return False
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
