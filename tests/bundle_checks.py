"""The rules every bundle of a project keeps, as checks over a project root; not a test module.

A project root holds ``bundles/`` (the bundle files), ``bundles/catalog/`` and
``bundles/scenarios/``. tests/test_bundles.py runs these checks on this repository;
tests/test_new_bundle.py runs them on a temporary copy with one bundle added, so the rules
iterate over the bundles that exist and a policy author adding one does not break the suite.
Each check raises AssertionError with what to fix.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner, Result

from onething.cli.main import main

MIN_SCENARIOS = 3


def cli(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def bundle_files(root: Path) -> dict[str, Path]:
    """The project's bundles: id → file (every *.yaml in bundles/ whose top-level key is `bundle:`)."""
    out: dict[str, Path] = {}
    for path in sorted((root / "bundles").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "bundle" in data:
            out[str(data["bundle"])] = path
    return out


def check_named_and_described(root: Path) -> None:
    """Each file is named by its id (W607 otherwise) and has a zh and en title and description."""
    bundles = bundle_files(root)
    assert bundles, f"no bundles in {root / 'bundles'}"
    for ident, path in bundles.items():
        assert path.stem == ident, f"{path.name}: name the file {ident}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in ("title", "description"):
            assert data.get(key, {}).get("zh") and data[key].get("en"), f"{path.name}: {key} needs zh and en"


def check_validate_and_strict_compile(root: Path, out: Path) -> None:
    """`validate` is clean, `compile --strict` writes every manifest, every lint is suppressed with a reason."""
    v = cli("validate", root / "bundles")
    assert v.exit_code == 0, v.stdout + v.stderr
    assert "0 error(s), 0 warning(s)" in v.stderr, v.stdout + v.stderr
    c = cli("compile", "--strict", root / "bundles", "-o", out)
    assert c.exit_code == 0, c.stderr
    for ident in bundle_files(root):
        manifest = json.loads((out / f"{ident}.json").read_text(encoding="utf-8"))
        unsuppressed = [d for d in manifest["diagnostics"] if not d.get("suppressed")]
        assert unsuppressed == [], (ident, unsuppressed)
        for d in manifest["diagnostics"]:
            assert len(d["suppressed"].strip()) >= 10, (ident, d)  # a reviewed reason, not a shrug


def scenario_counts(root: Path) -> dict[str, int]:
    """Scenarios per bundle id (bundles without any count 0)."""
    counts = dict.fromkeys(bundle_files(root), 0)
    for f in sorted((root / "bundles" / "scenarios").glob("*.yaml")):
        for s in yaml.safe_load(f.read_text(encoding="utf-8"))["scenarios"]:
            assert s["bundle"] in counts, f"{f.name}: scenario {s['name']!r} names unknown bundle {s['bundle']!r}"
            counts[s["bundle"]] += 1
    return counts


def check_scenarios(root: Path) -> None:
    """At least MIN_SCENARIOS scenarios per bundle, and all of them pass."""
    short = {b: n for b, n in scenario_counts(root).items() if n < MIN_SCENARIOS}
    assert short == {}, f"bundles with fewer than {MIN_SCENARIOS} scenarios (see docs/scenarios.md): {short}"
    r = cli("test", "-q", root / "bundles" / "scenarios")
    assert r.exit_code == 0, r.stdout + r.stderr


def report_rows(root: Path) -> list[dict]:
    r = cli("report", root / "bundles", "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)["bundles"]


def check_report(root: Path) -> None:
    """One report row per bundle (json and csv), and every bundle saves materials and trips."""
    rows = report_rows(root)
    assert [r["bundle"] for r in rows] == sorted(bundle_files(root))
    for r in rows:
        assert r["materials_bundled"] < r["materials_separate"], r
        assert r["trips_bundled"] < r["trips_separate"], r
        assert r["days_bundled"] <= r["days_separate"], r
    csv = cli("report", root / "bundles", "--format", "csv").stdout.strip().splitlines()
    assert csv[0].startswith("bundle,title_zh,title_en,")
    assert len(csv) == 1 + len(rows)


def check_all(root: Path, out: Path) -> None:
    """Every rule above, as the project's tests apply them to the shipped bundles."""
    check_named_and_described(root)
    check_validate_and_strict_compile(root, out)
    check_scenarios(root)
    check_report(root)
