"""The stage packages and the direction of imports (../shared/design/architecture.md §4).

dsl ← compiler ← views / render / runtime ← cli: a module may import its own package and the
packages below it, never one above it or a sibling of the same rank. Imports inside functions
count too (they are how the CLI keeps its start-up light, and they must point the same way).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "onething"
RANK = {"dsl": 0, "compiler": 1, "views": 2, "render": 2, "runtime": 2, "cli": 3}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(path: Path, module: str, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("onething")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("onething"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else None


def test_every_module_lives_in_a_stage_package():
    loose = [m for m in _modules() if _stage(m) is None and m not in ("onething", "onething.__main__")]
    assert loose == [], f"modules outside the stage packages: {loose}"


def test_the_stage_packages_exist():
    for name in ("dsl", "compiler", "views", "cli"):
        assert (PACKAGE / name / "__init__.py").is_file()


@pytest.mark.parametrize("module", sorted(_modules()))
def test_imports_point_one_way(module):
    mine = _stage(module)
    if mine is None:
        return
    wrong = []
    for imported in _imports(_modules()[module], module):
        theirs = _stage(imported)
        if theirs is None or theirs == mine:
            continue
        if RANK[theirs] >= RANK[mine]:
            wrong.append(imported)
    assert wrong == [], f"{module} ({mine}) imports upward or sideways: {sorted(wrong)}"


def test_no_import_cycles_between_modules():
    mods = _modules()
    graph = nx.DiGraph()
    for name, path in mods.items():
        for imported in _imports(path, name, top_level_only=True):
            if imported in mods and imported != name:
                graph.add_edge(name, imported)
    cycles = list(nx.simple_cycles(graph))
    assert cycles == [], f"import cycles: {cycles}"


def test_the_checker_sees_an_upward_import(tmp_path):
    """The rule above can fail: a dsl module importing the compiler is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from onething.compiler.plan import stages\n")
    imported = _imports(bad, "onething.dsl.bad")
    assert any(RANK[_stage(i)] > RANK["dsl"] for i in imported if _stage(i))
