"""Mutation testing for eden's pure modules: change one thing, run the unit tests, repeat.

    .venv/bin/python bench/mutate.py src/eden/scaler/windows.py tests/unit/scaler
    .venv/bin/python bench/mutate.py src/eden/scaler/governor.py tests/unit/scaler \\
        --tests-k "governor or target_tracking" --timeout 60 --json out.json

Each mutant is one small change to the module's syntax tree:

* a comparison flipped (``<`` <-> ``>=``, ``<=`` <-> ``>``, ``==`` <-> ``!=``, ``in`` <->
  ``not in``, ``is`` <-> ``is not``);
* an arithmetic operator swapped (``+`` <-> ``-``, ``*`` <-> ``/``, ``//`` -> ``/``);
* a boolean operator swapped (``and`` <-> ``or``), a ``not`` dropped;
* a number constant changed (``n`` -> ``n + 1``; ``0`` -> ``1``; ``1`` -> ``0``);
  ``True`` <-> ``False``;
* a statement deleted (replaced by ``pass``), a ``return x`` turned into ``return None``.

Docstrings, type annotations and ``__all__`` are not mutated. The mutant is written over
the module (the original is restored afterwards, also on Ctrl-C) and the given tests run
in a fresh ``pytest -x -q -p no:cacheprovider`` process; a mutant survives when they pass.
A mutant that times out counts as killed (an infinite loop is noticed).

The report lists every survivor with its line and the change, for a human to judge:
equivalent (no behaviour can tell it apart) or a missing test.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.LtE: ast.Gt, ast.Gt: ast.LtE,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv,
}


@dataclass(frozen=True)
class Mutant:
    index: int
    line: int
    change: str
    status: str = ""  # killed | survived | timeout | broken


def _annotation_nodes(tree: ast.AST) -> set[int]:
    """ids of nodes inside annotations, docstrings and __all__: never mutated."""
    skip: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign | ast.arg):
            mark(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            mark(node.returns)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                mark(body[0])
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            mark(node)
    return skip


def _describe_const(value: object) -> list[tuple[object, str]]:
    if isinstance(value, bool):
        return [(not value, f"{value} -> {not value}")]
    if isinstance(value, int):
        out: list[tuple[object, str]] = [(value + 1, f"{value} -> {value + 1}")]
        if value == 1:
            out.append((0, "1 -> 0"))
        return out
    if isinstance(value, float):
        return [(value + 1.0, f"{value!r} -> {value + 1.0!r}")]
    return []


def candidates(tree: ast.Module) -> Iterator[tuple[ast.AST, str, object]]:
    """(node, description, how) for every mutation this module offers, in a fixed order."""
    skip = _annotation_nodes(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                swap = COMPARE_SWAPS.get(type(op))
                if swap:
                    yield node, f"{type(op).__name__} -> {swap.__name__}", ("cmp", i, swap)
        elif isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAPS:
            swap = BINOP_SWAPS[type(node.op)]
            yield node, f"{type(node.op).__name__} -> {swap.__name__}", ("binop", swap)
        elif isinstance(node, ast.AugAssign) and type(node.op) in BINOP_SWAPS:
            swap = BINOP_SWAPS[type(node.op)]
            yield node, f"{type(node.op).__name__}= -> {swap.__name__}=", ("binop", swap)
        elif isinstance(node, ast.BoolOp):
            other = ast.Or if isinstance(node.op, ast.And) else ast.And
            yield node, f"{type(node.op).__name__} -> {other.__name__}", ("boolop", other)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield node, "not x -> x", ("drop_not",)
        elif isinstance(node, ast.Constant) and not isinstance(node.value, str | bytes):
            for value, text in _describe_const(node.value):
                yield node, text, ("const", value)
        if isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            yield node, "return x -> return None", ("return_none",)
        if isinstance(node, ast.stmt) and not isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import
                | ast.ImportFrom | ast.Pass | ast.Global | ast.Nonlocal) \
                and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            yield node, f"delete {type(node).__name__}", ("delete",)


def apply(tree: ast.Module, index: int) -> tuple[ast.Module, int, str]:
    """A copy of ``tree`` with mutation number ``index`` applied."""
    mutated = copy.deepcopy(tree)
    for i, (node, text, how) in enumerate(candidates(mutated)):
        if i != index:
            continue
        kind = how[0]  # type: ignore[index]
        if kind == "cmp":
            _, pos, swap = how  # type: ignore[misc]
            node.ops[pos] = swap()  # type: ignore[attr-defined]
        elif kind in ("binop", "boolop"):
            node.op = how[1]()  # type: ignore[attr-defined, index]
        elif kind == "drop_not":
            _replace(mutated, node, node.operand)  # type: ignore[attr-defined]
        elif kind == "const":
            node.value = how[1]  # type: ignore[attr-defined, index]
        elif kind == "return_none":
            node.value = ast.Constant(None)  # type: ignore[attr-defined]
        elif kind == "delete":
            _replace(mutated, node, ast.Pass())
        return ast.fix_missing_locations(mutated), getattr(node, "lineno", 0), text
    raise IndexError(index)


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list) and any(v is old for v in value):
                setattr(parent, field, [new if v is old else v for v in value])
                return


def run_tests(tests: list[str], k: str | None, timeout: float) -> str:
    # No plugin autoload: third-party pytest plugins cost more start-up than the tests.
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
           "-o", "addopts=", *tests]
    if k:
        cmd += ["-k", k]
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return "timeout"
    if done.returncode == 0:
        return "survived"
    if done.returncode == 1:
        return "killed"
    return "broken"  # collection error, usage error: the mutant did not even import


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", type=Path)
    parser.add_argument("tests", nargs="+")
    parser.add_argument("--tests-k", default=None, help="pytest -k expression")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds per mutant [default: 10x the unmutated run, >= 5]")
    parser.add_argument("--only", type=int, nargs="*", help="mutant numbers to run")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    source = args.module.read_text(encoding="utf-8")
    tree = ast.parse(source)
    total = sum(1 for _ in candidates(tree))
    clean_started = time.monotonic()
    if run_tests(args.tests, args.tests_k, args.timeout or 600.0) != "survived":
        raise SystemExit("the tests fail on the unmutated module: fix them first")
    # A mutant that loops for ever is killed by the timeout: keep that cheap.
    timeout = args.timeout or max(5.0, 10 * (time.monotonic() - clean_started))
    results: list[Mutant] = []
    started = time.monotonic()
    try:
        for index in args.only if args.only else range(total):
            mutated, line, text = apply(tree, index)
            args.module.write_text(ast.unparse(mutated) + "\n", encoding="utf-8")
            status = run_tests(args.tests, args.tests_k, timeout)
            results.append(Mutant(index, line, text, status))
            if status == "survived":
                print(f"SURVIVED #{index} line {line}: {text}", flush=True)
    finally:
        args.module.write_text(source, encoding="utf-8")
    survived = [m for m in results if m.status == "survived"]
    print(f"\n{args.module}: {len(results)} mutants, {len(survived)} survived, "
          f"{sum(m.status == 'broken' for m in results)} broken, "
          f"{time.monotonic() - started:.0f} s")
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(m) for m in results], indent=1))


if __name__ == "__main__":
    main()
