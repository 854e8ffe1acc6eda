"""Validation of a profile's sub-tables: ``[profiles.NAME.endpoints]`` and ``[...env]``.

Each function takes the raw TOML value (or None when the table is absent) and returns
the typed value, or raises ``ConfigError`` naming the table and key at fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from eden.config.fields import refuse_unknown
from eden.config.model import CANNED_ACLS, ENDPOINT_FIELDS, EndpointsDoc
from eden.errors import ConfigError

_ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def endpoints_table(raw: Any, *, where: str) -> EndpointsDoc | None:
    """``[endpoints]``: the S3 document client apps read; absent means no document."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ConfigError("[endpoints] must be a table", where=where)
    refuse_unknown(raw, ENDPOINT_FIELDS, where=where, table="endpoints")
    for key in ENDPOINT_FIELDS:
        if key in raw and not isinstance(raw[key], str):
            raise ConfigError(f"endpoints.{key} must be a string", where=where)
    bucket = raw.get("bucket")
    if not bucket:
        raise ConfigError(
            "endpoints.bucket is missing: the S3 bucket of the endpoints document",
            where=where,
            hint="set bucket, or remove the [endpoints] table to skip the document",
        )
    if not _BUCKET_RE.fullmatch(bucket):
        raise ConfigError(f"endpoints.bucket {bucket!r} is not an S3 bucket name", where=where)
    doc = EndpointsDoc(bucket=bucket)
    for key in ENDPOINT_FIELDS[1:]:
        if raw.get(key) is not None:
            doc = replace(doc, **{key: raw[key]})
    if not doc.key or not doc.update_key:
        raise ConfigError("endpoints.key and endpoints.update_key must not be empty", where=where)
    if doc.acl is not None and doc.acl not in CANNED_ACLS:
        raise ConfigError(
            f"endpoints.acl {doc.acl!r} is not a canned S3 ACL",
            where=where,
            hint=f"use one of {', '.join(CANNED_ACLS)} (or leave it out: the object keeps its own)",
        )
    return doc


def env_table(raw: Any, *, where: str) -> dict[str, str]:
    """``[env]``: variables set in the target container; TOML scalars become strings."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError('[env] must be a table of NAME = "value"', where=where)
    out: dict[str, str] = {}
    for key, value in raw.items():
        if not _ENV_KEY_RE.fullmatch(key):
            raise ConfigError(f"env var name {key!r} is not valid", where=where)
        if not isinstance(value, str | int | float | bool):
            raise ConfigError(f"env.{key} must be a string", where=where)
        # TOML's true is the shell's "true", not Python's "True".
        out[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return out
