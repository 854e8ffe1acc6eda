"""Mutation testing of eden's pure core: change one thing, run the module's unit tests.

    .venv/bin/python bench/mutate.py                      # every module of the pure core
    .venv/bin/python bench/mutate.py src/eden/scaler/windows.py --survivors
    .venv/bin/python bench/mutate.py src/eden/core/naming.py --only 12 40 --show
    .venv/bin/python bench/mutate.py --list               # the modules and their tests

Each mutant is one small change to a module's syntax tree:

* a comparison negated (``<`` -> ``>=``, ``==`` -> ``!=``, ``in`` -> ``not in``, ``is`` ->
  ``is not``) or moved across its boundary (``<`` <-> ``<=``, ``>`` <-> ``>=``);
* an arithmetic operator swapped (``+`` <-> ``-``, ``*`` <-> ``/``, ``//`` -> ``/``,
  ``%`` -> ``//``), a unary minus dropped, ``min`` <-> ``max``;
* ``and`` <-> ``or``, a ``not`` dropped, ``True`` <-> ``False``;
* a number changed by one (``n`` -> ``n + 1`` and ``n - 1``);
* a statement deleted (``pass`` in its place), a ``return x`` turned into ``return None``.

Docstrings, annotations, ``__all__`` and the functions that do I/O (a parameter typed
``Apply``, ``Aws`` or ``ReadContext``, or named in the module's ``skip``) are not mutated:
they are not the pure core, and the integration tests hold them.

How a mutant runs: this process imports pytest and the third-party libraries the tests use
once, then forks one child per mutant. The child puts an import hook in front of the
module, so ``import eden.x.y`` executes the mutated tree (the file on disk is never
written: other processes can run tests meanwhile), and runs the module's unit tests with
``pytest -x``. Exit 0: the mutant survived. A failing test, an error at import or a
timeout (10x the clean run, at least 5 s): killed. Only the unit tests listed for the
module run, so a whole module takes seconds to a few minutes.

The report gives killed/equivalent/survived per module; ``--survivors`` lists each
survivor as ``file:line  change  (#index)`` with its line, for a human to judge: equivalent
(no behaviour can tell it apart: add it to ``EQUIVALENT`` in bench/_mutate_core.py with the
reason, and to the table in docs/testing.md) or a missing test (write it). The command
exits 1 while any survivor is not judged equivalent.
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib.abc
import importlib.machinery
import json
import os
import resource
import select
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import CodeType, ModuleType

from _mutate_core import EQUIVALENT, SUITES, Suite

ROOT = Path(__file__).resolve().parent.parent
IO_TYPES = {"Apply", "Aws", "ReadContext"}
CHILD_MEMORY = 2 << 30  # bytes of address space for one mutant's test run
COMPARE_SWAPS: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Lt: (ast.GtE, ast.LtE), ast.GtE: (ast.Lt, ast.Gt), ast.LtE: (ast.Gt, ast.Lt),
    ast.Gt: (ast.LtE, ast.GtE), ast.Eq: (ast.NotEq,), ast.NotEq: (ast.Eq,),
    ast.In: (ast.NotIn,), ast.NotIn: (ast.In,), ast.Is: (ast.IsNot,), ast.IsNot: (ast.Is,),
}
BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv,
}
NOT_DELETED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom,
               ast.Pass, ast.Global, ast.Nonlocal)


@dataclass
class Mutant:
    index: int
    line: int
    change: str
    status: str = ""  # killed | survived | equivalent | timeout | error
    source: str = ""  # the mutated line, as written


@dataclass
class Report:
    module: str
    tests: tuple[str, ...]
    mutants: list[Mutant] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, *statuses: str) -> int:
        return sum(m.status in statuses for m in self.mutants)


# -- the mutations ----------------------------------------------------------------------


def _protected(tree: ast.Module, skip: Sequence[str]) -> set[int]:
    """ids of nodes never mutated: annotations, docstrings, __all__, I/O functions."""
    out: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            out.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign | ast.arg):
            mark(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            mark(node.returns)
            types = {ast.unparse(a.annotation) for a in node.args.args if a.annotation}
            if node.name in skip or types & IO_TYPES:
                mark(node)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                mark(body[0])
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            mark(node)
    return out


def _constant_changes(value: object) -> list[tuple[object, str]]:
    if isinstance(value, bool):
        return [(not value, f"{value} -> {not value}")]
    if isinstance(value, int):
        changes = [(value + 1, f"{value} -> {value + 1}")]
        return changes + ([(value - 1, f"{value} -> {value - 1}")] if value != 0 else [])
    if isinstance(value, float):
        return [(value + 1.0, f"{value!r} -> {value + 1.0!r}"),
                (value - 1.0, f"{value!r} -> {value - 1.0!r}")]
    return []


def candidates(tree: ast.Module, skip: Sequence[str] = ()) -> Iterator[tuple[ast.AST, str, tuple]]:
    """(node, what changes, how) for every mutation of ``tree``, in a fixed order."""
    protected = _protected(tree, skip)
    for node in ast.walk(tree):
        if id(node) in protected:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                for swap in COMPARE_SWAPS.get(type(op), ()):
                    yield node, f"{type(op).__name__} -> {swap.__name__}", ("cmp", i, swap)
        elif isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in BINOP_SWAPS:
            swap = BINOP_SWAPS[type(node.op)]
            eq = "=" if isinstance(node, ast.AugAssign) else ""
            yield node, f"{type(node.op).__name__}{eq} -> {swap.__name__}{eq}", ("op", swap)
        elif isinstance(node, ast.BoolOp):
            other = ast.Or if isinstance(node.op, ast.And) else ast.And
            yield node, f"{type(node.op).__name__} -> {other.__name__}", ("op", other)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
            yield node, f"{'not' if isinstance(node.op, ast.Not) else '-'}x -> x", ("unary",)
        elif isinstance(node, ast.Constant):
            for value, text in _constant_changes(node.value):
                yield node, text, ("const", value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("min", "max"):
            other_name = "max" if node.func.id == "min" else "min"
            yield node, f"{node.func.id}() -> {other_name}()", ("minmax", other_name)
        if isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            yield node, "return x -> return None", ("return_none",)
        if isinstance(node, ast.stmt) and not isinstance(node, NOT_DELETED) \
                and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            yield node, f"delete {type(node).__name__}", ("delete",)


def apply(tree: ast.Module, index: int, skip: Sequence[str] = ()) -> tuple[ast.Module, int, str]:
    """A copy of ``tree`` with mutation number ``index`` made: (tree, line, change)."""
    mutated = copy.deepcopy(tree)
    for i, (node, text, how) in enumerate(candidates(mutated, skip)):
        if i != index:
            continue
        kind = how[0]
        if kind == "cmp":
            node.ops[how[1]] = how[2]()  # type: ignore[attr-defined]
        elif kind == "op":
            node.op = how[1]()  # type: ignore[attr-defined]
        elif kind == "unary":
            _replace(mutated, node, node.operand)  # type: ignore[attr-defined]
        elif kind == "const":
            node.value = how[1]  # type: ignore[attr-defined]
        elif kind == "minmax":
            node.func = ast.Name(how[1], ast.Load())  # type: ignore[attr-defined]
        elif kind == "return_none":
            node.value = ast.Constant(None)  # type: ignore[attr-defined]
        elif kind == "delete":
            _replace(mutated, node, ast.Pass())
        return ast.fix_missing_locations(mutated), getattr(node, "lineno", 0), text
    raise IndexError(index)


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, ast.copy_location(new, old))
                return
            if isinstance(value, list) and any(v is old for v in value):
                setattr(parent, name, [ast.copy_location(new, old) if v is old else v
                                       for v in value])
                return


# -- running the tests against a mutant -------------------------------------------------


class _MutantLoader(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves ``name`` from a compiled (mutated) tree instead of its file."""

    def __init__(self, name: str, path: Path, code: CodeType) -> None:
        self.name, self.path, self.code = name, path, code

    def find_spec(self, fullname: str, path: object, target: object = None
                  ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        spec = importlib.machinery.ModuleSpec(fullname, self, origin=str(self.path))
        spec.has_location = True
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        exec(self.code, module.__dict__)


def _pytest_args(tests: Sequence[str]) -> list[str]:
    return ["-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-o", "addopts=",
            "-W", "ignore::pytest.PytestConfigWarning", *tests]


def _module_name(path: Path) -> str:
    rel = path.resolve().relative_to(ROOT / "src").with_suffix("")
    return ".".join(rel.parts)


def _child(tests: Sequence[str], hook: _MutantLoader | None, modules_out: Path | None) -> None:
    """In the forked child: install the mutant, run pytest, exit with its code."""
    code = 3
    try:
        # A mutant that appends in an endless loop must not take the shared machine's
        # memory with it: it fails with MemoryError (killed) long before the timeout.
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        if hook is not None:
            sys.meta_path.insert(0, hook)
        import pytest

        code = int(pytest.main(_pytest_args(tests)))
        if modules_out is not None:
            modules_out.write_text("\n".join(sorted(sys.modules)))
    finally:
        os._exit(code)


def run_forked(tests: Sequence[str], hook: _MutantLoader | None, timeout: float,
               modules_out: Path | None = None) -> str:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        _child(tests, hook, modules_out)
    pidfd = os.pidfd_open(pid)
    try:
        if not select.select([pidfd], [], [], timeout)[0]:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout"
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(pidfd)
    code = os.waitstatus_to_exitcode(status)
    # 5: no test ran (a module no unit test imports): nothing can kill the mutant.
    return {0: "survived", 5: "survived", 1: "killed"}.get(code, "error")


def preload(suites: Sequence[Suite]) -> None:
    """Runs every suite's tests once, unmutated, and imports here the third-party modules
    they used, so each forked mutant starts with them loaded."""
    listing = Path(f"/tmp/eden-mutate-modules-{os.getpid()}")
    try:
        for suite in suites:
            status = run_forked(suite.tests, None, 600, listing)
            if status != "survived":
                raise SystemExit(f"{suite.module}: its tests fail unmutated ({status}): "
                                 f"run pytest {' '.join(suite.tests)}")
            for name in listing.read_text().split():
                if _third_party(name):
                    try:
                        __import__(name)
                    except Exception:  # an optional extra that is not installed
                        continue
    finally:
        listing.unlink(missing_ok=True)


def _third_party(name: str) -> bool:
    top = name.split(".")[0]
    if top in ("eden", "conftest", "__main__") or top.startswith("test_"):
        return False
    module = sys.modules.get(name)
    origin = getattr(module, "__file__", None) or ""
    return not origin.startswith(str(ROOT / "tests"))


def mutate_module(suite: Suite, timeout: float | None, only: Sequence[int] | None) -> Report:
    """Every mutant of one module (or the ``only`` ones). A mutant that runs longer than
    ``timeout`` (default: 10x the clean run, at least 5 s) loops: killed."""
    if timeout is None:
        started = time.monotonic()
        run_forked(suite.tests, None, 600)
        timeout = max(5.0, 10 * (time.monotonic() - started))
    path = ROOT / suite.module
    text_of_module = path.read_text(encoding="utf-8")
    lines = text_of_module.splitlines()
    tree = ast.parse(text_of_module, filename=str(path))
    total = sum(1 for _ in candidates(tree, suite.skip))
    report = Report(suite.module, suite.tests)
    started = time.monotonic()
    for index in only if only else range(total):
        mutated, line, text = apply(tree, index, suite.skip)
        code = compile(mutated, str(path), "exec")
        hook = _MutantLoader(_module_name(path), path, code)
        status = run_forked(suite.tests, hook, timeout)
        source = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        if status == "survived" and (suite.module, source, text) in EQUIVALENT:
            status = "equivalent"
        report.mutants.append(Mutant(index, line, text, status, source))
    report.seconds = time.monotonic() - started
    return report


def show(suite: Suite, index: int) -> str:
    path = ROOT / suite.module
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mutated, line, text = apply(tree, index, suite.skip)
    before = ast.unparse(tree).splitlines()
    after = ast.unparse(mutated).splitlines()
    diff = [f"-{a}\n+{b}" for a, b in zip(before, after, strict=False) if a != b]
    return f"{suite.module}:{line} {text}\n" + "\n".join(diff[:3])


def _print_table(reports: Sequence[Report]) -> None:
    print(f"\n{'module':44} {'mutants':>7} {'killed':>6} {'equivalent':>10} {'survived':>8} "
          f"{'s':>5}")
    for r in reports:
        print(f"{r.module:44} {len(r.mutants):7d} {r.count('killed', 'timeout', 'error'):6d} "
              f"{r.count('equivalent'):10d} {r.count('survived'):8d} {r.seconds:5.0f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="module files [default: the whole core]")
    parser.add_argument("--survivors", action="store_true", help="list every survivor")
    parser.add_argument("--only", type=int, nargs="*", help="mutant numbers to run")
    parser.add_argument("--show", action="store_true", help="print the --only mutants' diffs")
    parser.add_argument("--list", action="store_true", help="the modules, their tests, sizes")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per mutant")
    parser.add_argument("--json", type=Path, default=None, help="write every mutant here")
    args = parser.parse_args(argv)
    chosen = [s for s in SUITES if not args.modules or s.module in
              {str(Path(m).resolve().relative_to(ROOT)) for m in args.modules}]
    if args.modules and len(chosen) != len(args.modules):
        raise SystemExit(f"not in the pure core's table: {args.modules}; see --list")
    if args.list or args.show:
        for suite in chosen:
            if args.show:
                print("\n\n".join(show(suite, i) for i in args.only or ()))
                continue
            n = sum(1 for _ in candidates(ast.parse((ROOT / suite.module).read_text()),
                                          suite.skip))
            print(f"{suite.module:44} {n:4d} mutants  {' '.join(suite.tests)}")
        return 0
    os.chdir(ROOT)
    preload(chosen)
    reports = []
    for suite in chosen:
        report = mutate_module(suite, args.timeout, args.only)
        reports.append(report)
        print(f"{suite.module}: {len(report.mutants)} mutants, "
              f"{report.count('survived')} survived, {report.count('equivalent')} equivalent "
              f"({report.seconds:.0f} s)", flush=True)
        if args.survivors:
            for m in report.mutants:
                if m.status in ("survived", "equivalent"):
                    mark = "  (equivalent)" if m.status == "equivalent" else ""
                    print(f"  {suite.module}:{m.line}  {m.change}  (#{m.index}){mark}\n"
                          f"      {m.source}", flush=True)
    _print_table(reports)
    if args.json is not None:
        args.json.write_text(json.dumps([{**asdict(r), "mutants": [asdict(m) for m in r.mutants]}
                                         for r in reports], indent=1))
    return 1 if any(r.count("survived") for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
