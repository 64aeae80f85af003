"""The shipped bundles keep the rules every bundle keeps (tests/bundle_checks.py), whichever exist.

No test names the bundles: a policy author who adds, renames or changes one only has to keep
the rules. The one test that may fail after a content change is the generated overview
docs/bundles.md, and its message gives the command that regenerates it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import bundle_checks as checks

ROOT = Path(__file__).resolve().parent.parent
REGENERATE_BUNDLES_MD = "onething --lang en report bundles --format md > docs/bundles.md"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "onething", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_bundles_are_named_by_id_and_described() -> None:
    checks.check_named_and_described(ROOT)


def test_validate_and_strict_compile_are_clean(tmp_path: Path) -> None:
    checks.check_validate_and_strict_compile(ROOT, tmp_path)


def test_every_bundle_has_passing_scenarios() -> None:
    checks.check_scenarios(ROOT)


def test_every_bundle_has_a_report_row_and_saves() -> None:
    checks.check_report(ROOT)


def test_docs_bundles_md_is_in_sync() -> None:
    r = run("report", "bundles", "--format", "md")
    assert r.returncode == 0, r.stderr
    assert (ROOT / "docs" / "bundles.md").read_text(encoding="utf-8") == r.stdout, (
        f"docs/bundles.md is stale (a bundle changed): run `{REGENERATE_BUNDLES_MD}` and commit it"
    )


def test_scripts_build_regenerates_docs_bundles_md() -> None:
    build = (ROOT / "scripts" / "build").read_text(encoding="utf-8")
    assert REGENERATE_BUNDLES_MD in build


def test_report_of_a_folder_without_bundles_prints_no_partial_table(tmp_path: Path) -> None:
    r = run("report", str(tmp_path))
    assert r.returncode == 1
    assert r.stdout == ""  # `onething report > docs/bundles.md` must not leave half a table
    assert f"{tmp_path}: error E012: no bundle files in {tmp_path}" in r.stderr
    assert "Traceback" not in r.stderr
