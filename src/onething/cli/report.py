"""`onething report`: one row per bundle."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from onething.cli.common import (
    EXIT_ERRORS,
    EXIT_OK,
    EXIT_USAGE,
    compile_sources,
    emit_diagnostics,
    find_sources,
)
from onething.dsl.diagnostics import has_errors
from onething.dsl.i18n import _


@click.command(name="report")
@click.argument("bundles_dir", required=False, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["md", "json", "csv"]), default="md", show_default=True)
@click.option("--catalog", type=click.Path(path_type=Path, file_okay=False), help="Catalog folder.")
@click.option("--evaluations", is_flag=True,
              help="Instead: 好差评 from the case store, aggregated per bundle and per department.")
@click.option("--store", "store_url", metavar="URL", help="With --evaluations: the case store.")
def report_cmd(bundles_dir: Path | None, fmt: str, catalog: Path | None, evaluations: bool,
               store_url: str | None) -> None:
    """One row per bundle: items, departments, stages, completeness, sourced items, suppressed
    lints, savings; then the published figures beside ours, the 国办发〔2022〕32号 area table, the
    standard elements' coverage over all items and what the departments still have to confirm.

    \b
    Examples:
      onething report                                  # Markdown table of bundles/
      onething report bundles --format md > docs/bundles.md
      onething report bundles --format csv > bundles.csv
      onething report --evaluations --format json      # 好差评 per bundle and department
    """
    if evaluations:
        _evaluations(fmt, store_url)
    from onething.cli.terminal import progress
    from onething.dsl.discovery import UsageError
    from onething.views.coverage import item_facts
    from onething.views.report import report_csv, report_json, report_md, row

    try:
        sources, diags = find_sources((bundles_dir,) if bundles_dir is not None else (), catalog)
    except UsageError as exc:
        click.echo(_("error: {problem}").format(problem=exc), err=True)
        sys.exit(EXIT_USAGE)
    rows = []
    facts = []
    failed = has_errors(diags)
    for _source, result in compile_sources(progress(sources, _("report")), None, None, listed=sources):
        if result.manifest is None or has_errors(result.diagnostics):
            failed = True
            diags.extend(result.diagnostics)
            continue
        rows.append(row(result.manifest))
        facts.extend(item_facts(result.manifest))
    rows.sort(key=lambda r: r["bundle"])
    if failed:  # no partial report: a pipeline writing it to a file must not commit half a table
        emit_diagnostics([d for d in diags if d.is_error], "json" if fmt == "json" else "text", err=True)
        sys.exit(EXIT_ERRORS)
    facts.sort(key=lambda f: (f["bundle"], f["item"]))
    text = report_csv(rows) if fmt == "csv" else {"md": report_md, "json": report_json}[fmt](rows, facts)
    click.echo(text, nl=False)
    sys.exit(EXIT_OK)


def _evaluations(fmt: str, store_url: str | None) -> None:
    from onething.runtime.errors import RuntimeProblem
    from onething.runtime.evaluations import evaluation_summary, summary_text
    from onething.runtime.store import open_store

    try:
        with open_store(store_url, create=False) as store, store.read() as conn:
            summary = evaluation_summary(conn)
    except RuntimeProblem as problem:
        click.echo(_("error: {problem}").format(problem=problem), err=True)
        sys.exit(EXIT_ERRORS)
    click.echo(summary_text(summary, fmt), nl=False)
    sys.exit(EXIT_OK)
