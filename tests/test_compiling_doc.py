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


def _ci_job() -> dict:
    block = re.search(r"^```yaml\nname: bundles\n(.*?)^```", TEXT, re.M | re.S)
    assert block, "the CI example is missing"
    return yaml.safe_load("name: bundles\n" + block.group(1))


def test_the_ci_job_is_yaml_and_runs_the_checks():
    runs = [step.get("run", "") for step in _ci_job()["jobs"]["bundles"]["steps"]]
    assert any(r.startswith("onething validate") for r in runs)
    assert any(r.startswith("onething compile") and "--strict" in r for r in runs)
    assert any(r.startswith("onething compile") and "--check" in r for r in runs)
    assert any(r.startswith("onething test") for r in runs)


def _clean_clone(target: Path) -> None:
    """What `git clone` gives: the tracked files only (no build/, no build state, no caches)."""
    import shutil
    import subprocess

    root = DOC.parent.parent
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True,
                                timeout=60).stdout.decode("utf-8").split("\0")
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (an unpacked sdist)
        listed = [str(p.relative_to(root)) for p in (root / "bundles").rglob("*") if p.is_file()]
    for name in filter(None, listed):
        if (root / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, target / name)


def test_the_ci_job_works_as_written_on_a_clean_clone(tmp_path, monkeypatch):
    """Every `onething` step of the recipe, in order, in a fresh copy of the project: status 0."""
    import shlex

    from click.testing import CliRunner

    from onething.cli.main import main

    clone = tmp_path / "clone"
    _clean_clone(clone)
    assert not (clone / "manifests").exists() and not (clone / "build").exists()
    monkeypatch.chdir(clone)
    monkeypatch.setenv("ONETHING_TTY", "0")  # a CI log, not a terminal
    ran = []
    for step in _ci_job()["jobs"]["bundles"]["steps"]:
        command = step.get("run")
        if command is None or command == "pip install .":
            continue  # actions, and the install (this test runs the onething under test)
        args = shlex.split(command)
        assert args[0] == "onething", f"a step the test does not know how to run: {command}"
        result = CliRunner().invoke(main, args[1:], catch_exceptions=False)
        assert result.exit_code == 0, f"{command}\n{result.stdout}{result.stderr}"
        ran.append(command)
    assert len(ran) == 4
    assert sorted(p.stem for p in (clone / "build" / "manifests").glob("*.json")) == sorted(
        p.stem for p in (clone / "bundles").glob("*.yaml"))


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
