"""``GET /api/v1/environments``: a page of environments in a stable order, filtered where
they are stored, in full or lean, with an ETag that costs no record to compute.

Order: by profile, then by name (the stores' key order), so a page ends at a position
(profile, name) and the next page starts after it, whatever was made or deleted in
between: no environment that existed throughout a walk is missed or listed twice.

The ETag of a list is built from each listed profile's ``store.changes`` token (which
moves with every write of its environments), the profiles' TTLs (``expires_at`` derives
from them), the server's version and the query: reading it costs one small read per
profile, so an unchanged list answers 304 without reading any record. With ``health``
the answer holds what AWS said a moment ago; its ETag is then a hash of the answer.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from eden import __version__
from eden.api import cursors
from eden.api.context import ApiContext
from eden.config import Profile
from eden.envs.gc import expires_at
from eden.envs.observe import Observer
from eden.envs.records import EnvRecord
from eden.envs.usage import cost_view
from eden.errors import UsageError
from eden.state.base import EnvQuery, EnvSummary

STATUSES = ("creating", "ready", "failed", "deleting")
DEFAULT_LIMIT = 100  # view=summary; view=full lists everything unless asked (see ListQuery)
MAX_LIMIT = 500
# What a lean row holds: enough to show and address an environment, nothing AWS-made.
SUMMARY_FIELDS = (
    "profile", "name", "branch", "host", "url", "status", "image",
    "created_at", "last_deploy_at", "expires_at", "pinned", "power",
)
CACHE_CONTROL = "private, no-cache"  # may be kept, must be revalidated (If-None-Match)


@dataclass(frozen=True)
class ListQuery:
    """One list request, checked: what the route's parameters asked for."""

    profile: str | None = None
    statuses: tuple[str, ...] = ()
    branch_prefix: str = ""
    view: str = "full"
    limit: int | None = None
    cursor: str | None = None
    health: bool = False

    @classmethod
    def of(cls, *, status: Sequence[str], health: bool, limit: int | None, view: str,
           **rest: Any) -> ListQuery:
        """``status`` takes statuses to filter by, or (alone) ``true``/``false``: how
        ``status=true`` asked for health before there were filters."""
        legacy = [s for s in status if s in ("true", "false")]
        if legacy and len(legacy) != len(status):
            raise UsageError(
                "status=true|false (health and drift, the old way) cannot be mixed with"
                f" status filters ({', '.join(STATUSES)})",
                hint="ask for health with health=true, and filter with status=ready",
            )
        if legacy:
            health = health or legacy[-1] == "true"
        statuses = () if legacy else tuple(sorted(set(status)))
        if limit is None and view == "summary":
            limit = DEFAULT_LIMIT
        return cls(statuses=statuses, health=health, limit=limit, view=view, **rest)

    def filters(self) -> str:
        """What a cursor is bound to: the filters, not the page size or the view."""
        return json.dumps([self.profile, self.statuses, self.branch_prefix])


def answer(context: ApiContext, request: Request, q: ListQuery) -> Response:
    """The page ``q`` asks for, or 304 when the caller's ETag still holds."""
    registry = context.registry
    profiles = [registry.profile(q.profile)] if q.profile else registry.all_profiles()
    profiles.sort(key=lambda p: p.name)
    position = cursors.decode(q.cursor, q.filters()) if q.cursor else None
    etag = None
    if not q.health:  # read the tokens before the records: a write in between then
        # gives a newer answer under an older ETag (refetched once), never the reverse
        tokens = [(p.name, p.ttl_hours, registry.store(p).changes(p.name)) for p in profiles]
        etag = weak_etag(json.dumps([__version__, q.view, q.statuses, q.branch_prefix,
                                     q.limit, position, q.profile, tokens]))
        if matches(request.headers.get("if-none-match"), etag):
            return not_modified(etag)
        kept = context.answers.get(etag)
        if kept is not None:
            return kept
    ttl = {p.name: p.ttl_hours for p in profiles}
    page: Sequence[EnvRecord | EnvSummary]
    if q.view == "summary" and not q.health:  # health surveys records: read them whole
        page, more = _read(context, profiles, q, position, lean=True)
        rows = [summary_view(r, ttl[r.profile]) for r in page]
    else:
        records, more = _read(context, profiles, q, position, lean=False)
        by_name = {p.name: p for p in profiles}
        rows = [summary_view(r, ttl[r.profile]) if q.view == "summary"
                else full_view(r, by_name[r.profile]) for r in records]  # fmt: skip
        if q.health:
            _add_health(context, records, rows)
        page = records
    token = cursors.encode(page[-1].profile, page[-1].name, q.filters()) if more else None
    link = str(request.url.include_query_params(cursor=token)) if token else None
    body = {"profiles": [p.name for p in profiles], "environments": rows,
            "next": link, "next_cursor": token}
    response = json_answer(request, body, etag, {"Link": f'<{link}>; rel="next"'} if link else {})
    if etag is not None:
        context.answers.put(etag, response)
    return response


@overload
def _read(context: ApiContext, profiles: list[Profile], q: ListQuery,
          position: tuple[str, str] | None, *, lean: Literal[True]
          ) -> tuple[list[EnvSummary], bool]: ...
@overload
def _read(context: ApiContext, profiles: list[Profile], q: ListQuery,
          position: tuple[str, str] | None, *, lean: Literal[False]
          ) -> tuple[list[EnvRecord], bool]: ...
def _read(context: ApiContext, profiles: list[Profile], q: ListQuery,
          position: tuple[str, str] | None, *, lean: bool) -> tuple[list[Any], bool]:
    """The page's records (``lean``: summaries), profile after profile from the cursor's
    position, and whether more follow: each store is asked for one more than the page
    still needs."""
    out: list[Any] = []
    for p in profiles:
        if position is not None and p.name < position[0]:
            continue
        after = position[1] if position is not None and p.name == position[0] else None
        want = None if q.limit is None else q.limit + 1 - len(out)
        query = EnvQuery(q.statuses, q.branch_prefix, after, want)
        store = context.registry.store(p)
        out += (store.list_summaries if lean else store.list_page)(p.name, query)
        if q.limit is not None and len(out) > q.limit:
            return out[: q.limit], True
    return out, False


def _add_health(context: ApiContext, records: list[EnvRecord], rows: list[dict[str, Any]]
                ) -> None:
    """Each row's health and drift, read from AWS (one survey per profile)."""
    for profile in sorted({r.profile for r in records}):
        mine = [(r, row) for r, row in zip(records, rows, strict=True) if r.profile == profile]
        found = Observer(context.registry.engine(profile)).survey([r for r, _ in mine])
        for r, row in mine:
            row.update(found[r.name].brief())


def full_view(record: EnvRecord, profile: Profile) -> dict[str, Any]:
    """A record as the API shows it: everything, plus when the stale cleaner may take it
    and what its tasks cost (as of now: ``cost.as_of``)."""
    data = record.as_dict()
    data["expires_at"] = expires_at(record, profile.ttl_hours)
    data["cost"] = cost_view(record, profile, time.time())
    return data


def summary_view(record: EnvRecord | EnvSummary, ttl_hours: float) -> dict[str, Any]:
    """The lean row (``SUMMARY_FIELDS``): about a tenth of the full one."""
    return {
        "profile": record.profile, "name": record.name, "branch": record.branch,
        "host": record.host, "url": record.url, "status": record.status, "image": record.image,
        "created_at": record.created_at, "last_deploy_at": record.last_deploy_at,
        "expires_at": expires_at(record, ttl_hours), "pinned": record.pinned,
        "power": record.power,  # the dashboard's Sleep / Wake button
    }


def weak_etag(text: str | bytes) -> str:
    """``W/"..."``: weak, since the same data may be sent in another encoding."""
    data = text.encode() if isinstance(text, str) else text
    return f'W/"{hashlib.blake2b(data, digest_size=12).hexdigest()}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110's weak comparison of ``If-None-Match`` (a list of tags, or ``*``)."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def not_modified(etag: str) -> Response:
    return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})


def json_answer(request: Request, body: dict[str, Any], etag: str | None,
                headers: dict[str, str]) -> Response:
    """JSON straight from ``json.dumps``, not through FastAPI's encoder: its walk through
    every value cost more than the whole rest of a listing. Without an ETag given, the
    ETag is a hash of the answer (one environment; a list with health)."""
    response = JSONResponse(body, headers=headers)
    etag = etag or weak_etag(bytes(response.body))
    if matches(request.headers.get("if-none-match"), etag):
        return not_modified(etag)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response

