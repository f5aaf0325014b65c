"""The evaluation core stays pure: it imports nothing from the layers built on top of it."""

from __future__ import annotations

import ast
from pathlib import Path

import harness.evaluate

APPLICATION_LAYERS = ("harness.runner", "harness.report", "harness.tracking", "harness.export")
APPLICATION_LAYERS += ("harness.gate", "harness.cli")


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_core_imports_no_application_layer():
    core = Path(harness.evaluate.__file__).parent
    offenders = {
        f"{path.name} imports {module}"
        for path in core.glob("*.py")
        for module in _imported_modules(path)
        if module.startswith(APPLICATION_LAYERS)
    }
    assert not offenders, sorted(offenders)


def test_the_check_sees_an_application_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    from harness.tracking import make_tracker\n")
    assert "harness.tracking" in _imported_modules(module)
