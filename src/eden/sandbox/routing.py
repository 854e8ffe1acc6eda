"""Which action a listener takes for a request: the ALB's rule evaluation, as pure data.

The sandbox's local router (``eden.sandbox.router``) asks this module what the shared
listener would do with a request, given the listener's rules as moto holds them. Nothing
here does I/O, so every case of the ALB's rule matching is unit-tested.

What is followed (AWS's documented behaviour):

* Rules are evaluated by priority, lowest first; the default rule (no conditions) last.
* A rule matches when all its conditions match; a condition matches when any of its
  values does. Host headers match case-insensitively, paths case-sensitively; ``*``
  matches any run of characters and ``?`` exactly one.
* ``http-header`` conditions: the named header's value, case-insensitively, with the
  same wildcards (eden's CI bypass rule is one).
* Authentication actions (``authenticate-oidc``, ``authenticate-cognito``) come before the
  rule's final action. The sandbox has no identity provider and no session cookie can
  be valid, so every request is one the ALB has not signed in: with
  ``OnUnauthenticatedRequest`` ``authenticate`` (the default) it is sent to sign in (302 to
  the provider's authorization endpoint, as the ALB does), ``deny`` answers 401, and only
  ``allow`` lets it through to the final action.

Conditions the router cannot evaluate (source IP, query strings) make their rule match
nothing, so a request falls through to lower rules and the default, rather than reaching
a target an ALB would not send it to.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# A DNS name is at most 253 characters of letters, digits, '-' and '.': a Host header
# that cannot be one matches no host-header condition (so it gets the default action).
MAX_HOST = 253
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-.")


@dataclass(frozen=True)
class Request:
    host: str  # as normalised by ``host_of``; "" when absent or not a host name
    path: str = "/"
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case


@dataclass(frozen=True)
class Condition:
    field: str  # host-header | path-pattern | http-request-method | http-header | ...
    values: tuple[str, ...]
    header: str = ""  # an http-header condition's header name, lower case


@dataclass(frozen=True)
class Action:
    """The final action of a rule."""

    kind: str  # forward | fixed-response | redirect | sign-in | unsupported
    target_groups: tuple[tuple[str, int], ...] = ()  # (target group ARN, weight)
    status: int = 503
    content_type: str = "text/plain"
    body: str = ""
    redirect: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    priority: int | None  # None: the listener's default rule
    conditions: tuple[Condition, ...]
    action: Action


# --- matching ------------------------------------------------------------------------------


def host_of(header: str | None) -> str:
    """The Host header's host name, lower-case and without a port; "" when it is no host
    name at all (absent, too long, or characters a DNS name cannot hold)."""
    if not header:
        return ""
    host = header.strip().lower()
    if host.startswith("["):  # an IPv6 literal: no host-header rule can name it
        return ""
    name, _, port = host.partition(":")
    if port and not port.isdigit():
        return ""
    if not name or len(name) > MAX_HOST or not set(name) <= _HOST_CHARS:
        return ""
    return name


def choose(rules: Iterable[Rule], request: Request) -> Action | None:
    """The action of the first matching rule by priority (the default rule last)."""
    ordered = sorted(rules, key=lambda r: (r.priority is None, r.priority or 0))
    for rule in ordered:
        if all(_matches(c, request) for c in rule.conditions):
            return rule.action
    return None


def _matches(condition: Condition, request: Request) -> bool:
    if condition.field == "host-header":
        return bool(request.host) and any(
            wildcard_match(v.lower(), request.host) for v in condition.values
        )
    if condition.field == "path-pattern":
        return any(wildcard_match(v, request.path) for v in condition.values)
    if condition.field == "http-request-method":
        return request.method in condition.values
    if condition.field == "http-header":
        given = request.headers.get(condition.header)
        return given is not None and any(
            wildcard_match(v.lower(), given.lower()) for v in condition.values
        )
    return False  # a condition the router cannot evaluate: the rule is not taken


def wildcard_match(pattern: str, text: str) -> bool:
    """``*`` (any run) and ``?`` (one character), in time linear in practice: no regex,
    so a hostile pattern or a very long path cannot make matching explode."""
    p = t = 0
    star, mark = -1, 0
    while t < len(text):
        if p < len(pattern) and pattern[p] == "*":
            star, mark = p, t
            p += 1
        elif p < len(pattern) and pattern[p] in ("?", text[t]):
            p, t = p + 1, t + 1
        elif star >= 0:
            p, mark = star + 1, mark + 1
            t = mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


def pick(targets: Sequence[tuple[str, int]], turn: int) -> tuple[str, int] | None:
    """Round robin: the ``turn``-th of the targets in a stable order."""
    if not targets:
        return None
    ordered = sorted(targets)
    return ordered[turn % len(ordered)]


def pick_group(groups: Sequence[tuple[str, int]], turn: int) -> str | None:
    """A forward to several target groups: each gets its weight's share of the turns."""
    total = sum(max(0, w) for _, w in groups)
    if total <= 0:
        return None
    slot = turn % total
    for arn, weight in groups:
        if slot < max(0, weight):
            return arn
        slot -= max(0, weight)
    return None  # pragma: no cover - the slots add up to total


# --- from moto's (and AWS's) shapes --------------------------------------------------------


def rule_from(
    priority: Any, conditions: Sequence[Mapping[str, Any]], actions: Sequence[Any]
) -> Rule:
    """A rule from AWS's shapes: conditions as DescribeRules gives them, actions as dicts
    (``Type``, ``Order``, ``TargetGroupArn``, ``ForwardConfig``...)."""
    prio = None if priority in (None, "default") else int(priority)
    return Rule(prio, tuple(_condition(c) for c in conditions), final_action(actions))


def _condition(raw: Mapping[str, Any]) -> Condition:
    name = str(raw.get("Field", ""))
    configs = {
        "host-header": "HostHeaderConfig",
        "path-pattern": "PathPatternConfig",
        "http-request-method": "HttpRequestMethodConfig",
    }
    if name == "http-header":
        header = raw.get("HttpHeaderConfig") or {}
        values = [str(v) for v in header.get("Values") or []]
        return Condition(name, tuple(values), str(header.get("HttpHeaderName", "")).lower())
    values = list(raw.get("Values") or [])
    config = raw.get(configs.get(name, ""), None) or {}
    values += list(config.get("Values") or [])
    return Condition(name, tuple(str(v) for v in values))


SIGN_IN = {"authenticate-oidc": "AuthenticateOidcConfig",
           "authenticate-cognito": "AuthenticateCognitoConfig"}  # fmt: skip


def final_action(actions: Sequence[Any]) -> Action:
    """The action that answers: a sign-in before the last (by ``Order``) answers first,
    for a request that is never signed in (see the module docstring)."""
    dicts = [a if isinstance(a, Mapping) else getattr(a, "data", {}) for a in actions]
    if not dicts:
        return Action("unsupported", body="the rule has no action")
    ordered = [a for _, a in sorted(enumerate(dicts),
                                    key=lambda ia: (int(ia[1].get("Order") or 0), ia[0]))]
    for action in ordered[:-1]:
        kind = str(action.get("Type", "")).lower()
        config = action.get(SIGN_IN.get(kind, "")) or {}
        if kind in SIGN_IN and config.get("OnUnauthenticatedRequest", "authenticate") != "allow":
            return sign_in(kind, config)
    last = ordered[-1]
    kind = str(last.get("Type", "")).lower()
    if kind == "forward":
        return Action("forward", target_groups=_forward_groups(last))
    if kind == "fixed-response":
        config = last.get("FixedResponseConfig") or {}
        return Action(
            "fixed-response",
            status=_status(config.get("StatusCode"), 503),
            content_type=str(config.get("ContentType") or "text/plain"),
            body=str(config.get("MessageBody") or ""),
        )
    if kind == "redirect":
        config = dict(last.get("RedirectConfig") or {})
        code = str(config.get("StatusCode", "HTTP_302")).removeprefix("HTTP_")
        return Action("redirect", status=_status(code, 302), redirect=config)
    return Action("unsupported", body=f"the local router cannot run a {kind or 'blank'} action")


def sign_in(kind: str, config: Mapping[str, Any]) -> Action:
    """What the ALB answers a request that is not signed in: 401 with ``deny``, else a
    302 to the provider's authorization endpoint (``redirect["Location"]``, completed with
    the host by ``sign_in_location``)."""
    if config.get("OnUnauthenticatedRequest") == "deny":
        return Action("fixed-response", status=401, body="401 Unauthorized: sign in first\n")
    if kind == "authenticate-oidc":
        endpoint = str(config.get("AuthorizationEndpoint", ""))
    else:
        domain = str(config.get("UserPoolDomain", ""))
        region = str(config.get("UserPoolArn", "::::")).split(":")[3] or "us-east-1"
        endpoint = f"https://{domain}.auth.{region}.amazoncognito.com/oauth2/authorize"
    query = {"client_id": str(config.get("ClientId") or config.get("UserPoolClientId") or ""),
             "response_type": "code", "scope": str(config.get("Scope") or "openid")}  # fmt: skip
    return Action("sign-in", status=302, redirect={"Location": endpoint, **query})


def sign_in_location(action: Action, request: Request) -> str:
    """The sign-in redirect's Location, with the ALB's callback on the request's host."""
    params = {k: v for k, v in action.redirect.items() if k != "Location"}
    params["redirect_uri"] = f"https://{request.host}/oauth2/idpresponse"
    return f"{action.redirect['Location']}?{urllib.parse.urlencode(params)}"


def _forward_groups(action: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    if action.get("TargetGroupArn"):
        return ((str(action["TargetGroupArn"]), 1),)
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
    return tuple((str(g["TargetGroupArn"]), int(g.get("Weight", 1))) for g in groups)


def _status(value: Any, default: int) -> int:
    try:
        code = int(str(value))
    except ValueError:
        return default
    return code if 100 <= code <= 599 else default


def redirect_location(
    config: Mapping[str, str], request: Request, listener: tuple[str, int]
) -> str:
    """A redirect action's Location, with AWS's ``#{protocol}``, ``#{host}``, ``#{port}``,
    ``#{path}`` and ``#{query}`` taken from the request as the listener saw it."""
    protocol, port = listener
    path, _, query = request.path.partition("?")
    values = {
        "#{protocol}": protocol.lower(),
        "#{host}": request.host,
        "#{port}": str(port),
        "#{path}": path.lstrip("/"),
        "#{query}": query,
    }

    def fill(key: str, default: str) -> str:
        text = str(config.get(key) or default)
        for name, value in values.items():
            text = text.replace(name, value)
        return text

    scheme = fill("Protocol", "#{protocol}").lower()
    url = f"{scheme}://{fill('Host', '#{host}')}:{fill('Port', '#{port}')}/"
    url += fill("Path", "/#{path}").lstrip("/")
    q = fill("Query", "#{query}")
    return f"{url}?{q}" if q else url
