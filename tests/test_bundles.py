"""The bundles: present by name, lint-clean under --strict, covered by scenarios, reported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BUNDLES = ROOT / "bundles"
NAMES = [
    "birth", "school_entry", "employment_startup", "marriage_childbearing", "social_security_card",
    "medical_reimbursement", "disability_services", "veteran_discharge", "resale_housing_transfer",
    "retirement", "after_death", "business_startup", "employee_hiring", "restaurant_opening",
    "utility_connection", "enterprise_real_estate", "enterprise_change", "enterprise_deregistration",
    "graduation", "enterprise_policy_benefits",
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "onething", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_exactly_the_listed_bundle_files() -> None:
    files = sorted(p.stem for p in BUNDLES.glob("*.yaml"))
    assert files == sorted(NAMES)
    for name in NAMES:
        data = yaml.safe_load((BUNDLES / f"{name}.yaml").read_text(encoding="utf-8"))
        assert data["bundle"] == name
        assert data["title"]["zh"] and data["title"]["en"]
        assert data["description"]["zh"] and data["description"]["en"]


def test_validate_and_strict_compile_are_clean(tmp_path: Path) -> None:
    v = run("validate", "bundles/")
    assert v.returncode == 0, v.stdout + v.stderr
    c = run("compile", "--strict", "bundles/", "-o", str(tmp_path))
    assert c.returncode == 0, c.stderr
    assert "Traceback" not in c.stderr
    for name in NAMES:
        manifest = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))
        unsuppressed = [d for d in manifest["diagnostics"] if not d.get("suppressed")]
        assert unsuppressed == [], (name, unsuppressed)
        for d in manifest["diagnostics"]:
            assert len(d["suppressed"].strip()) >= 10, (name, d)  # a reviewed reason, not a shrug


def test_at_least_three_scenarios_per_bundle() -> None:
    counts = {name: 0 for name in NAMES}
    for f in (BUNDLES / "scenarios").glob("*.yaml"):
        for s in yaml.safe_load(f.read_text(encoding="utf-8"))["scenarios"]:
            counts[s["bundle"]] += 1
    assert {n: c for n, c in counts.items() if c < 3} == {}
    assert sum(counts.values()) >= 3 * len(NAMES)


def test_docs_bundles_md_is_in_sync() -> None:
    r = run("report", "bundles", "--format", "md")
    assert r.returncode == 0, r.stderr
    assert (ROOT / "docs" / "bundles.md").read_text(encoding="utf-8") == r.stdout, (
        "docs/bundles.md is stale: run `onething report bundles --format md > docs/bundles.md`"
    )


@pytest.fixture(scope="module")
def report_rows() -> list[dict]:
    r = run("report", "bundles", "--format", "json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["bundles"]


def test_every_bundle_saves_materials_and_trips(report_rows: list[dict]) -> None:
    assert [r["bundle"] for r in report_rows] == sorted(NAMES)
    for r in report_rows:
        assert r["materials_bundled"] < r["materials_separate"], r
        assert r["trips_bundled"] < r["trips_separate"], r
        assert r["days_bundled"] <= r["days_separate"], r


def test_report_csv_has_one_row_per_bundle() -> None:
    r = run("report", "bundles", "--format", "csv")
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("bundle,title_zh,title_en,")
    assert len(lines) == 1 + len(NAMES)


def test_report_of_a_folder_without_bundles_prints_no_partial_table(tmp_path: Path) -> None:
    r = run("report", str(tmp_path))
    assert r.returncode == 1
    assert r.stdout == ""  # `onething report > docs/bundles.md` must not leave half a table
    assert f"{tmp_path}: error E012: no bundle files in {tmp_path}" in r.stderr
    assert "Traceback" not in r.stderr
