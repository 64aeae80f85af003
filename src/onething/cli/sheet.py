"""`onething sheet`: the one-time notification sheet (一次性告知单)."""

from __future__ import annotations

from pathlib import Path

import click

from onething.cli.render_options import (
    choose_labels,
    load_manifest,
    with_render_options,
    write_output,
)


@click.command(name="sheet")
@with_render_options
@click.option("--format", "fmt", type=click.Choice(["html", "md", "text"]), default="html", show_default=True)
def sheet_cmd(bundle: Path, select_: str | None, answers: Path | None, catalog: Path | None, verbose: bool,
             labels_: str,
              output: Path | None, templates: Path | None, fmt: str) -> None:
    """Render the one-time notification sheet: every material once, with its status.

    \b
    With --answers the items decided out are listed with the reason, and the materials
    are those of the applicant's situation.

    \b
    Examples:
      onething sheet bundles/birth.yaml -o birth-sheet.html
      onething sheet bundles/birth.yaml --answers answers.yaml --format text
    """
    from onething.render.sheet import SheetOptions, render_sheet

    manifest = load_manifest(bundle, catalog, select_, answers, verbose)
    labels = choose_labels(labels_, manifest)
    write_output(render_sheet(manifest, fmt, SheetOptions(labels=labels, templates=templates)), output)
