"""`onething test`: run the scenario tests written by policy staff."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from onething.cli.common import (
    EXIT_ERRORS,
    EXIT_OK,
    EXIT_USAGE,
)
from onething.dsl.i18n import _


@click.command(name="test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--catalog", type=click.Path(path_type=Path, file_okay=False), help="Catalog folder.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-q", "--quiet", is_flag=True, help="Print failures only.")
def test_cmd(paths: tuple[Path, ...], catalog: Path | None, fmt: str, quiet: bool) -> None:
    """Run scenario tests: given a selection and answers, expect materials, fields, stages, days.

    \b
    PATHS are scenario files or folders (default: bundles/scenarios/).
    Exit status: 0 all pass, 1 a scenario failed or could not run, 2 usage problem.

    \b
    Examples:
      onething test
      onething test bundles/scenarios/birth.yaml
      onething test --format json | jq '.failed'
    """
    from onething.cli.terminal import progress
    from onething.compiler.manifest import dumps
    from onething.compiler.scenarios import find_scenario_files, render_outcome, run_file
    from onething.compiler.workspace import Workspace
    from onething.dsl.discovery import project_path

    targets = list(paths) or [project_path("bundles/scenarios")]
    for t in targets:
        if not t.exists():
            click.echo(_("error: {problem}").format(problem=_("path does not exist: {path}").format(path=t)), err=True)
            sys.exit(EXIT_USAGE)
    files = find_scenario_files(targets)
    ws = Workspace()
    runs = [run_file(ws, f, catalog) for f in progress(files, _("test"))]
    outcomes = [o for r in runs for o in r.outcomes]
    load_errors = [d for r in runs for d in r.diagnostics if d.is_error]
    passed = sum(o.passed for o in outcomes)
    failed = len(outcomes) - passed
    if fmt == "json":
        click.echo(dumps({
            "passed": passed, "failed": failed,
            "errors": [d.to_json() for d in load_errors],
            "scenarios": [{"name": o.scenario.name, "bundle": o.scenario.bundle, "location": str(o.location),
                           "passed": o.passed, "failures": o.failures,
                           "errors": [d.to_json() for d in o.errors],
                           "warnings": [d.to_json() for d in o.warnings]} for o in outcomes],
        }), nl=False)
    else:
        for d in load_errors:
            click.echo(d.render())
        for o in outcomes:
            if not quiet or not o.passed or o.warnings:
                click.echo(render_outcome(o))
        line = _("scenarios: {passed} passed, {failed} failed").format(passed=passed, failed=failed)
        if load_errors:
            line += _(", {n} file error(s)").format(n=len(load_errors))
        click.echo(line)
    ok = failed == 0 and not load_errors and (outcomes or not files)
    if not outcomes and not load_errors:
        click.echo(_("no scenarios found"), err=True)
        sys.exit(EXIT_ERRORS)
    sys.exit(EXIT_OK if ok else EXIT_ERRORS)


