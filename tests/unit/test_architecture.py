"""The layers of docs/architecture.md, held by a test that walks every import.

* ``eden.core`` is pure: it imports nothing of eden but the error tree, and neither boto3
  nor botocore.
* ``eden.envs``, ``eden.state`` and ``eden.aws`` never import the shells (``cli``, ``api``,
  ``scaler``, ``sandbox``).
* botocore is imported only inside ``eden.aws``: everything else sees eden's errors.
* No module is longer than about 400 lines, no function longer than about 60, except
  where docs/architecture.md says why (``SIZE_EXCEPTIONS``).

Function-local imports count too (they are imports all the same).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "eden"
SHELLS = ("eden.cli", "eden.api", "eden.scaler", "eden.sandbox", "eden.github")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# Each listed in docs/architecture.md ("Sizes") with its reason.
SIZE_EXCEPTIONS: set[str] = set()


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.AST, module: str) -> Iterator[str]:
    package = module if module.count(".") == 0 else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                yield f"{base}.{node.module}" if node.module else base
            elif node.module:
                yield node.module
                yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _modules() -> list[tuple[str, Path, ast.Module]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        out.append((_module_name(path), path, ast.parse(path.read_text(), str(path))))
    return out


MODULES = _modules()


def _violations(rule: str) -> list[str]:
    found = []
    for module, _path, tree in MODULES:
        for target in set(_imports(tree, module)):
            if _forbidden(rule, module, target):
                found.append(f"{module} imports {target}")
    return sorted(found)


def _forbidden(rule: str, module: str, target: str) -> bool:
    def within(name: str, package: str) -> bool:
        return name == package or name.startswith(package + ".")

    if rule == "core":
        if not within(module, "eden.core"):
            return False
        if within(target, "boto3") or within(target, "botocore"):
            return True
        return within(target, "eden") and not (
            within(target, "eden.core") or within(target, "eden.errors")
        )
    if rule == "layers":
        lower = ("eden.envs", "eden.state", "eden.aws")
        return any(within(module, p) for p in lower) and any(within(target, s) for s in SHELLS)
    if rule == "botocore":
        return within(target, "botocore") and not within(module, "eden.aws")
    raise AssertionError(rule)


@pytest.mark.parametrize("rule", ["core", "layers", "botocore"])
def test_import_contract(rule: str) -> None:
    assert _violations(rule) == []


def test_the_contract_fires_on_a_forbidden_import() -> None:
    """The checks above must be able to fail: feed them imports they forbid."""
    assert _forbidden("core", "eden.core.naming", "eden.envs.engine")
    assert _forbidden("core", "eden.core.tags", "botocore.exceptions")
    assert not _forbidden("core", "eden.core.naming", "eden.errors")
    assert _forbidden("layers", "eden.envs.engine", "eden.cli.common")
    assert _forbidden("layers", "eden.state.sqlite", "eden.api.app")
    assert not _forbidden("layers", "eden.cli.envs", "eden.envs.engine")
    assert _forbidden("botocore", "eden.state.dynamodb.store", "botocore.exceptions")
    assert not _forbidden("botocore", "eden.aws.errors", "botocore.exceptions")
    tree = ast.parse("def f():\n    from eden.cli import main\n")
    assert list(_imports(tree, "eden.envs.x")) == ["eden.cli", "eden.cli.main"]


def test_modules_and_functions_are_small() -> None:
    too_long = []
    for _module, path, tree in MODULES:
        rel = str(path.relative_to(SRC.parent))
        if rel in SIZE_EXCEPTIONS:
            continue
        lines = len(path.read_text().splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{rel}: {lines} lines")
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{rel}: {node.name}() {length} lines")
    assert too_long == []


def test_size_exceptions_are_documented() -> None:
    doc = (SRC.parents[1] / "docs" / "architecture.md").read_text()
    for rel in SIZE_EXCEPTIONS:
        assert rel.removeprefix("eden/") in doc, f"{rel} may be long; the docs must say why"


def test_test_modules_have_unique_basenames() -> None:
    """pytest's default import mode keys test modules by basename: two ``test_x.py`` in
    different folders stop the whole run at collection (CI run 17 did)."""
    tests = SRC.parents[1] / "tests"
    seen: dict[str, list[str]] = {}
    for path in tests.rglob("test_*.py"):
        seen.setdefault(path.name, []).append(str(path.relative_to(tests)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
