"""Imports run one way: every package of ``harness/`` imports only packages on lower floors.

The floor table is declared once, in docs/architecture.md ("Floors"); this test reads every
``import`` of every module (lazy ones inside functions included) and fails on an import that
runs sideways or up the table, on a module no floor declares, and on any import circle between
modules.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "harness"
DOC = REPO / "docs" / "architecture.md"


def declared_floors(text: str | None = None) -> dict[str, int]:
    """Package (dotted) -> floor, from the table under the "Floors" heading of the page."""
    text = DOC.read_text() if text is None else text
    section = text.split("## Floors", 1)[1].split("\n## ", 1)[0]
    floors: dict[str, int] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].isdigit():
            continue
        for package in re.findall(r"`([\w.]+)`", cells[1]):
            floors[package] = int(cells[0])
    return floors


def module_name(path: Path, root: Path = PACKAGE) -> str:
    """``harness/runner/job.py`` -> ``harness.runner.job``; a package's ``__init__`` -> it."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    return {module_name(path, root): path for path in sorted(root.rglob("*.py"))}


@dataclass(frozen=True)
class Import:
    """One import statement of ``source``: the module it reaches and where it stands."""

    source: str
    target: str
    line: int


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    """The harness modules ``name`` imports, each ``from a import b`` read as module ``a.b``
    when that is a module and as ``a`` otherwise; relative imports resolved."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "harness":
                    yield Import(name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join([*parts[:keep], *([base] if base else [])])
            if base.split(".")[0] != "harness":
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield Import(name, candidate if candidate in modules else base, node.lineno)


def floor_of(module: str, floors: dict[str, int]) -> tuple[str, int] | None:
    """The declared package ``module`` belongs to and its floor (the longest declared prefix;
    ``harness`` itself only for the package's own ``__init__``)."""
    best = None
    for package, floor in floors.items():
        inside = module == package or (package != "harness" and module.startswith(package + "."))
        if inside and (best is None or len(package) > len(best[0])):
            best = (package, floor)
    return best


def violations(root: Path = PACKAGE, floors: dict[str, int] | None = None) -> list[str]:
    """Every import that runs sideways or up, and every module no floor declares."""
    floors = declared_floors() if floors is None else floors
    modules = all_modules(root)
    found = []
    for name, path in modules.items():
        source = floor_of(name, floors)
        if source is None:
            found.append(f"{name}: no floor in docs/architecture.md declares it")
            continue
        for edge in imports_of(name, path, modules):
            if edge.target not in modules:
                found.append(
                    f"{path.relative_to(root.parent)}:{edge.line} imports {edge.target}, which "
                    "is not a module of the package"
                )
                continue
            target = floor_of(edge.target, floors)
            if target is None or target[0] == source[0]:
                continue
            if target[1] >= source[1]:
                found.append(
                    f"{path.relative_to(root.parent)}:{edge.line} ({source[0]}, floor "
                    f"{source[1]}) imports {edge.target} ({target[0]}, floor {target[1]})"
                )
    return found


def circles(root: Path = PACKAGE) -> list[list[str]]:
    """The import circles between modules (strongly connected components of more than one
    module, or a module importing itself), lazy imports included."""
    modules = all_modules(root)
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        for edge in imports_of(name, path, modules):
            if edge.target in graph and edge.target != name:
                graph[name].add(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_table_declares_the_packages():
    floors = declared_floors()
    assert floors["harness.errors"] == 0
    assert floors["harness.cli"] == max(floors.values())
    top_level = {
        module_name(p)
        for p in PACKAGE.iterdir()
        if p.suffix == ".py" or (p / "__init__.py").exists()
    }
    assert top_level <= set(floors), sorted(top_level - set(floors))


def test_every_import_runs_down():
    assert violations() == []


def test_there_is_no_import_circle():
    assert circles() == []


def test_runner_neither_judges_nor_publishes():
    modules = all_modules()
    reached = {
        edge.target.split(".")[1]
        for name, path in modules.items()
        if name.startswith("harness.runner")
        for edge in imports_of(name, path, modules)
        if edge.target.count(".")
    }
    assert not reached & {"gate", "export", "tracking", "pipeline"}, sorted(reached)


# The checks can fail: a small package with a lazy upward import and a circle.
FLOORS = {"harness": 0, "harness.errors": 0, "harness.low": 1, "harness.high": 2}


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    root = tmp_path / "harness"
    for folder in (root, root / "low", root / "high"):
        folder.mkdir()
        (folder / "__init__.py").write_text("")
    (root / "errors.py").write_text("")
    (root / "high" / "a.py").write_text("from harness.low import b\n")
    (root / "low" / "b.py").write_text("def f():\n    from harness.high.a import g\n")
    (root / "low" / "c.py").write_text("from . import d\n")
    (root / "low" / "d.py").write_text("from harness.low.c import x\n")
    (root / "stray.py").write_text("")
    (root / "high" / "gone.py").write_text("def f():\n    from harness.low.moved import x\n")
    return root


def test_the_check_sees_a_lazy_import_that_runs_up(toy):
    found = violations(toy, FLOORS)
    assert any("low/b.py:2" in item and "harness.high.a" in item for item in found), found
    assert any("harness.stray: no floor" in item for item in found), found
    assert any("harness.low.moved, which is not a module" in item for item in found), found


def test_the_check_sees_a_circle_through_a_relative_import(toy):
    assert ["harness.low.c", "harness.low.d"] in circles(toy)
    assert ["harness.high.a", "harness.low.b"] in circles(toy)
