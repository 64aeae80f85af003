"""Helpers shared by the compiler tests (tests/test_compile_*.py); not a test module."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from onething.cli.main import main
from onething.compiler import CompileResult, compile_bundle
from onething.compiler.manifest import Manifest
from onething.compiler.workspace import Workspace
from onething.dsl.discovery import BundleSource, display_path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "compile"


def bundle_path(case: str) -> Path:
    """tests/fixtures/compile/<case>/<case>.yaml"""
    return FIXTURES / case / f"{case}.yaml"


def compile_case(case: str, select: list[str] | None = None, answers: dict[str, Any] | None = None) -> CompileResult:
    path = bundle_path(case)
    loaded = Workspace().load_bundle(BundleSource(path, display_path(path), path.parent / "catalog"))
    assert loaded.resolved is not None, [d.render() for d in loaded.diagnostics]
    return compile_bundle(loaded.resolved, path, select, answers)


def manifest(case: str, select: list[str] | None = None, answers: dict[str, Any] | None = None) -> Manifest:
    result = compile_case(case, select, answers)
    assert result.ok, [d.render() for d in result.diagnostics]
    assert result.manifest is not None
    return result.manifest


def materials(m: Manifest) -> dict[str, Any]:
    return {mat.id: mat for mat in m.materials}


def form_fields(m: Manifest) -> dict[str, Any]:
    return {f.key: f for s in m.form.sections for f in s.fields}


def line_of(path: Path, needle: str, after: str | None = None) -> int:
    """1-based number of the first line containing ``needle`` (after the line containing ``after``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0
    if after is not None:
        start = next(i for i, line in enumerate(lines) if after in line) + 1
    for i in range(start, len(lines)):
        if needle in lines[i]:
            return i + 1
    raise AssertionError(f"{needle!r} not found in {path}")


def cli(*args: str) -> Result:
    """Run the onething CLI in-process; stdout and stderr stay apart."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def cli_json(*args: str) -> Any:
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)
