"""docs/diagnostics.md is generated from the registry, and every code is exercised by a test.

When a code is added to src/onething/dsl/diagnostics.py, regenerate the page
(`onething codes --format md > docs/diagnostics.md`) and either add a bad fixture that
produces it (tests/test_bad_fixtures.py) or list it below as reserved, with the reason.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

from click.testing import CliRunner

from onething.cli.main import main
from onething.dsl.diagnostics import REGISTRY, Severity

REPO = Path(__file__).resolve().parent.parent

# Codes that no test produces, each with the reason. (Codes of the compiling stage are
# produced by the compiler's tests: a test module that names a code counts, see below.)
RESERVED = {
    "W606": "form section without a title: a lint of the compiler's form builder; the good "
            "fixture declares its sections, and no compiler test asserts it yet",
}
_CODE = re.compile(r"\b([EW][0-9]{3})\b")


def _bad_fixture_table():
    spec = importlib.util.spec_from_file_location("_bad_fixture_table", Path(__file__).with_name("test_bad_fixtures.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def produced_by_table() -> set[str]:
    """Codes that the bad fixtures (and the generated cases beside them) produce."""
    table = _bad_fixture_table()
    return {c.code for c in table.CASES} | set(table.GENERATED_CODES)


def named_by_other_tests() -> set[str]:
    """Codes that other test modules (the compiler's) name, i.e. assert."""
    found: set[str] = set()
    for path in Path(__file__).resolve().parent.rglob("test_*.py"):
        if path.name not in ("test_diagnostics_doc.py", "test_bad_fixtures.py"):
            found |= set(_CODE.findall(path.read_text(encoding="utf-8")))
    return found & set(REGISTRY)


def test_diagnostics_page_is_generated_from_the_registry() -> None:
    result = CliRunner().invoke(main, ["codes", "--format", "md"])
    assert result.exit_code == 0
    page = (REPO / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert page == result.output, "docs/diagnostics.md is stale: run `onething codes --format md > docs/diagnostics.md`"


def test_every_code_is_produced_by_a_test_or_reserved() -> None:
    table = produced_by_table()
    assert table <= set(REGISTRY), f"the bad fixtures expect unregistered codes {table - set(REGISTRY)}"
    # every code of the DSL layer (reading, shape, references, conditions, time limits) has a fixture
    dsl = {c for c in REGISTRY if c[0] == "E" and c[1] in "01234"}
    assert dsl <= table, f"no bad fixture produces {sorted(dsl - table)}"
    missing = set(REGISTRY) - table - named_by_other_tests() - set(RESERVED)
    assert not missing, f"no test produces {sorted(missing)}: add a test or reserve it with a reason"
    assert not table & set(RESERVED), f"{sorted(table & set(RESERVED))} have fixtures: unreserve them"
    assert set(RESERVED) <= set(REGISTRY), "a reserved code left the registry: drop it from RESERVED"
    assert all(len(reason) > 20 for reason in RESERVED.values())


def test_registry_is_well_formed() -> None:
    for code, info in REGISTRY.items():
        assert info.code == code
        assert code[0] in "EW" and code[1:].isdigit() and len(code) == 4
        assert info.severity is (Severity.WARNING if code.startswith("W") else Severity.ERROR)
        assert info.title and info.fix.endswith((".", ")"))
    assert list(REGISTRY) == sorted(REGISTRY)


def test_codes_command_formats() -> None:
    text = CliRunner().invoke(main, ["codes"])
    assert text.exit_code == 0
    assert text.output.count("\n") == len(REGISTRY)
    as_json = CliRunner().invoke(main, ["codes", "--format", "json"])
    assert [c["code"] for c in json.loads(as_json.output)] == list(REGISTRY)
