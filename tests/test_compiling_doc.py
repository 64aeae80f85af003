"""docs/compiling.md stays true to the code: manifest keys, lint codes, statuses, links, the CI job."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from onething.compiler.manifest import Manifest
from onething.dsl.diagnostics import REGISTRY

DOC = Path(__file__).resolve().parent.parent / "docs" / "compiling.md"
TEXT = DOC.read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = TEXT.index(f"\n## {title}\n")
    end = TEXT.find("\n## ", start + 1)
    return TEXT[start:end if end != -1 else None]


def _table_keys(section: str) -> list[str]:
    return re.findall(r"^\| `([^`]+)` \|", section, re.M)


def test_the_manifest_table_lists_every_top_level_key():
    assert _table_keys(_section("The manifest")) == list(Manifest.model_fields)


def test_the_lint_table_lists_every_warning_code():
    codes = re.findall(r"^\| (W\d{3}) \|", _section("Lints, suppressions and --strict"), re.M)
    assert codes == [c for c in REGISTRY if c.startswith("W")]


def test_the_metrics_table_lists_every_figure():
    from onething.compiler.manifest import Metrics

    figures = _table_keys(_section("Metrics (减材料、减环节、减时限、减跑动)"))
    assert figures == [f for f in Metrics.model_fields if f != "special_procedure_days"]
    assert "special_procedure_days" in _section("Metrics (减材料、减环节、减时限、减跑动)")


def test_exit_statuses_are_the_clis():
    from onething.cli.common import EXIT_ERRORS, EXIT_OK, EXIT_USAGE

    rows = re.findall(r"^\| (\d) \|", _section("Exit status"), re.M)
    assert rows == [str(EXIT_OK), str(EXIT_ERRORS), str(EXIT_USAGE)]


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower()
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


def test_links_inside_the_page_point_at_headings():
    anchors = {_anchor(h) for h in re.findall(r"^#+ (.+)$", TEXT, re.M)}
    for target in re.findall(r"\]\(#([^)]+)\)", TEXT):
        assert target in anchors, f"#{target} is not a heading of docs/compiling.md"


def test_the_ci_job_is_yaml_and_runs_the_three_checks():
    block = re.search(r"^```yaml\nname: bundles\n(.*?)^```", TEXT, re.M | re.S)
    assert block, "the CI example is missing"
    job = yaml.safe_load("name: bundles\n" + block.group(1))
    runs = [step.get("run", "") for step in job["jobs"]["bundles"]["steps"]]
    assert any(r.startswith("onething validate") for r in runs)
    assert any(r.startswith("onething compile") and "--strict" in r for r in runs)
    assert any(r.startswith("onething compile") and "--check" in r for r in runs)


def test_the_golden_manifests_section_is_kept():
    assert "\n## Golden manifests\n" in TEXT


def test_the_python_api_example_runs(tmp_path, monkeypatch):
    """The example under "The Python API" runs as written, from the project root."""
    import contextlib
    import io

    code = re.search(r"## The Python API.*?```python\n(.*?)```", TEXT, re.S).group(1)
    monkeypatch.chdir(DOC.parent.parent)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/compiling.md", "exec"), {})
    assert out.getvalue().startswith("{\n")
