"""Checks a request against GitHub's published REST description (the pinned copy in
specs/): the operation must exist, its path and query parameters must be declared and
valid, and its JSON body must match the operation's request schema.

OpenAPI 3.0 schemas are JSON Schema draft 4 plus ``nullable``; ``nullable`` is rewritten
into a ``null`` type so the ``jsonschema`` library checks them as GitHub means them.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker

SPEC = Path(__file__).parent / "specs" / "github-rest.json.gz"


def _nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@cache
def spec() -> dict[str, Any]:
    return _nullable(json.loads(gzip.decompress(SPEC.read_bytes())))  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Operation:
    template: str
    method: str
    pattern: re.Pattern[str]
    definition: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.template}"


@cache
def operations() -> tuple[Operation, ...]:
    out = []
    for template, methods in spec()["paths"].items():
        regex = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template))
        for method, definition in methods.items():
            out.append(Operation(template, method, re.compile(f"^{regex}$"), definition))
    return tuple(out)


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node
    _, _, kind, name = ref.split("/", 3)
    return spec()["components"][kind][name]  # type: ignore[no-any-return]


def _validate(schema: dict[str, Any], value: Any, what: str) -> list[str]:
    root = {**schema, "components": spec()["components"]}
    validator = Draft4Validator(root, format_checker=FormatChecker())
    return [
        f"{what}: {e.message} (at {'/'.join(map(str, e.path)) or 'top'})"
        for e in validator.iter_errors(value)
    ]


def _typed(schema: dict[str, Any], raw: str) -> Any:
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "integer" in kinds and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if "boolean" in kinds and raw in ("true", "false"):
        return raw == "true"
    return raw


def check(
    method: str, path: str, query: dict[str, list[str]], body: Any
) -> tuple[Operation | None, dict[str, Any], list[str]]:
    """(the operation, its path parameters, what the description rejects)."""
    for op in operations():
        match = op.pattern.match(path)
        if op.method != method.lower() or match is None:
            continue
        problems: list[str] = []
        params = [_resolve(p) for p in op.definition.get("parameters", [])]
        declared = {p["name"]: p for p in params if p["in"] == "query"}
        path_values: dict[str, Any] = {}
        for p in params:
            if p["in"] == "path":
                value = _typed(p["schema"], match.group(p["name"]))
                path_values[p["name"]] = value
                problems += _validate(p["schema"], value, f"path parameter {p['name']}")
        for name, values in query.items():
            if name not in declared:
                problems.append(f"query parameter {name!r} is not in the description")
                continue
            for raw in values:
                value = _typed(declared[name]["schema"], raw)
                problems += _validate(declared[name]["schema"], value, f"query {name}")
        problems += _check_body(op, body)
        return op, path_values, problems
    return None, {}, [f"{method} {path} is no operation of GitHub's REST description (as pinned)"]


def _check_body(op: Operation, body: Any) -> list[str]:
    request_body = op.definition.get("requestBody")
    if request_body is None:
        return [] if body is None else [f"{op.name} takes no body, but one was sent"]
    if body is None:
        return [f"{op.name} needs a JSON body"] if request_body.get("required") else []
    schema = request_body["content"]["application/json"]["schema"]
    return _validate(schema, body, f"{op.name} body")
