"""The package is layered: each layer imports only the layers below it, and the core only NumPy and Mesa."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sim"
LAYERS = ["core", "analysis", "runs", "studies", "cli", "ui"]  # bottom to top
CORE_THIRD_PARTY = {"numpy", "mesa", "numba"}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions (relative imports resolved)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: use absolute imports"
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "sim" or len(parts) < 2 or parts[1] not in LAYERS:
        return None
    return LAYERS.index(parts[1])


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_only_the_layers_below_it(layer):
    level = LAYERS.index(layer)
    files = sorted((PACKAGE / layer).glob("*.py"))
    assert files, f"no modules in sim/{layer}"
    upward = {
        f"{path.name} imports {module}"
        for path in files
        for module in imported_modules(path)
        if (layer_of(module) or 0) > level
    }
    assert not upward


def test_the_core_imports_only_numpy_numba_mesa_and_the_standard_library():
    third_party = set()
    for path in sorted((PACKAGE / "core").glob("*.py")):
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top not in sys.stdlib_module_names and top != "sim":
                third_party.add(top)
    assert third_party <= CORE_THIRD_PARTY, third_party - CORE_THIRD_PARTY


def test_the_top_level_holds_only_the_public_api_and_the_commands():
    """``sim/*.py`` outside the layers: ``__init__`` (the API), ``__main__`` and one-line command modules."""
    for path in PACKAGE.glob("*.py"):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        imports = imported_modules(path)
        body = [line for line in path.read_text().splitlines() if line.strip()]
        assert len(body) <= 5 and any(layer_of(m) is not None for m in imports), path.name


def test_the_layer_check_sees_an_upward_import(tmp_path):
    module = tmp_path / "probe.py"
    module.write_text("def f():\n    from sim.cli.app import main\n")
    assert layer_of(next(m for m in imported_modules(module) if m.endswith("app"))) == LAYERS.index("cli")
