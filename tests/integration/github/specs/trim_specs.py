"""Cut the pinned GitHub descriptions down to what eden's tests use, and compress them.

Run from the repository root after ``npm pack`` of the two pinned packages (see README.md
beside this file)::

    npm pack @octokit/openapi@23.0.2 @octokit/webhooks-examples@7.6.1
    python tests/integration/github/specs/trim_specs.py octokit-openapi-23.0.2.tgz \
        octokit-webhooks-examples-7.6.1.tgz

The REST description keeps the operations listed in ``OPERATIONS`` with every component
they reference (transitively), unchanged; only ``examples`` (documentation, never used
for validation) are dropped. The webhook examples keep the events the tests deliver.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
import tarfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
REST_FILE = "package/generated/api.github.com.json"
EXAMPLES_FILE = "package/api.github.com/index.json"
# Every operation eden's GitHub client may call (eden.github.rest); the double refuses others.
OPERATIONS = [
    ("/repos/{owner}/{repo}/pulls/{pull_number}", "get"),
    ("/repos/{owner}/{repo}/deployments", "get"),
    ("/repos/{owner}/{repo}/deployments", "post"),
    ("/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", "get"),
    ("/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", "post"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "get"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "post"),
    ("/repos/{owner}/{repo}/issues/comments/{comment_id}", "patch"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", "delete"),
    ("/repos/{owner}/{repo}/check-runs", "post"),
    ("/repos/{owner}/{repo}/check-runs/{check_run_id}", "patch"),
    ("/repos/{owner}/{repo}/commits/{ref}/check-runs", "get"),
    ("/repos/{owner}/{repo}/statuses/{sha}", "post"),
    ("/repos/{owner}/{repo}/commits/{ref}/status", "get"),
    ("/repos/{owner}/{repo}/installation", "get"),
    ("/app/installations/{installation_id}/access_tokens", "post"),
]
EVENTS = ("pull_request", "issue_comment", "ping")


def _strip_examples(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_examples(v) for k, v in node.items() if k not in ("examples", "example")}
    if isinstance(node, list):
        return [_strip_examples(v) for v in node]
    return node


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref)
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def trim_rest(spec: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, method in OPERATIONS:
        paths.setdefault(path, {})[method] = _strip_examples(spec["paths"][path][method])
    components: dict[str, dict[str, Any]] = {}
    todo = _refs(paths)
    seen: set[str] = set()
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)  # "#/components/<kind>/<name>"
        value = _strip_examples(spec["components"][kind][name])
        components.setdefault(kind, {})[name] = value
        todo |= _refs(value) - seen
    return {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "servers": spec.get("servers", []),
        "paths": paths,
        "components": components,
    }


def trim_examples(examples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in examples if e["name"] in EVENTS]


def _member(tgz: Path, name: str) -> Any:
    with tarfile.open(tgz) as tar:
        member = tar.extractfile(name)
        assert member is not None, name
        return json.load(member)


def _write(path: Path, data: Any, source: Path) -> None:
    raw = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(raw, mtime=0))
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    print(f"{path.name}: {len(raw)} bytes JSON, from {source.name} (sha256 {digest})")


def main(openapi_tgz: str, examples_tgz: str) -> None:
    rest = trim_rest(_member(Path(openapi_tgz), REST_FILE))
    _write(HERE / "github-rest.json.gz", rest, Path(openapi_tgz))
    examples = trim_examples(_member(Path(examples_tgz), EXAMPLES_FILE))
    _write(HERE / "webhook-examples.json.gz", examples, Path(examples_tgz))


if __name__ == "__main__":
    main(*sys.argv[1:3])
