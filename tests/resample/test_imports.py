"""Imports inside ``harness/resample`` run one way: no module imports one that imports it back.

Every ``import`` is read from the source, the lazy ones inside functions included (they hide a
circle until the function runs), and the graph between the package's modules must have no
circle.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import harness.resample

PACKAGE = Path(harness.resample.__file__).parent


def _module(path: Path, root: Path) -> str:
    parts = ["harness", *path.relative_to(root.parent).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (``from a import b`` is module ``a.b``
    when that is a module, else ``a``); a module importing its own package is left out."""
    modules = {_module(path, root): path for path in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the module's package, one level up per dot
                    package = name.split(".")[: len(name.split(".")) - node.level + is_package]
                    base = ".".join([*package, *([base] if base else [])])
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.add(full if full in modules else base)
        graph[name] = {
            t for t in targets if t in modules and t != name and not name.startswith(t + ".")
        }
    return graph


def test_no_import_circle_inside_the_resampling_package():
    try:
        tuple(TopologicalSorter(import_graph()).static_order())
    except CycleError as error:
        pytest.fail(f"import circle: {' -> '.join(error.args[1])}")


def test_the_fast_backends_import_the_interface_not_the_registry():
    graph = import_graph()
    for backend in ("harness.resample.backends.blocked", "harness.resample.backends.ivf"):
        assert "harness.resample.backends.protocol" in graph[backend]
        assert "harness.resample.neighbors" not in graph[backend]
    assert {
        "harness.resample.backends.blocked",
        "harness.resample.backends.ivf",
    } <= graph["harness.resample.neighbors"]


def test_the_interface_is_importable_where_it_was():
    from harness.resample import neighbors
    from harness.resample.backends import protocol

    assert neighbors.NeighborBackend is protocol.NeighborBackend
    assert neighbors.check_neighbor_count is protocol.check_neighbor_count
