"""`onething answers check`: an answers file against a bundle's combined form."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from onething.cli.common import EXIT_ERRORS, EXIT_OK, EXIT_USAGE
from onething.cli.render_options import choose_labels, load_manifest


@click.group(name="answers")
def answers_group() -> None:
    """Work with applicants' answers files.

    \b
    Examples:
      onething answers check bundles/birth.yaml answers.yaml
    """


@answers_group.command(name="check")
@click.argument("bundle", type=click.Path(path_type=Path))
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--select", "select_", metavar="ITEM,...", help="Optional items the applicant chose (default: all).")
@click.option("--catalog", type=click.Path(path_type=Path, file_okay=False), help="Catalog folder.")
@click.option("--lang", "lang", default="zh", show_default=True, metavar="zh|en|LANG",
              help="Language of the field labels in the report.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check_cmd(bundle: Path, file: Path, select_: str | None, catalog: Path | None, lang: str, fmt: str) -> None:
    """Check an answers file: every problem at once, field by field (exit 1 on problems).

    \b
    Types, options, required and conditionally required fields, citizen ID numbers (check
    digit, birth date), phone numbers, dates, group sizes and unknown keys.

    \b
    Examples:
      onething answers check bundles/birth.yaml answers.yaml
      onething answers check bundles/birth.yaml answers.json --lang en --format json
    """
    from onething.dsl.diagnostics import sort_diagnostics
    from onething.dsl.i18n import _, ngettext
    from onething.render.answers_check import check_answers
    from onething.render.answers_file import read_values
    from onething.render.manifest_view import walk

    if not file.is_file():
        click.echo(_("error: answers file does not exist: {file}").format(file=file), err=True)
        sys.exit(EXIT_USAGE)
    manifest = load_manifest(bundle, catalog, select_, None)
    labels = choose_labels(lang, manifest)
    values, locations, diags = read_values(file, {f["key"] for f in walk(manifest)})
    if values is None or any(d.is_error for d in diags):
        from onething.cli.common import emit_diagnostics

        if values is not None or diags:
            emit_diagnostics(sort_diagnostics(diags), fmt)
        else:
            click.echo(_("error: an answers file is one mapping of keys to values"), err=True)
        sys.exit(EXIT_ERRORS)
    problems = check_answers(manifest, values, labels, locations)
    if fmt == "json":
        click.echo(json.dumps([p.to_json() for p in problems], ensure_ascii=False, indent=2))
    else:
        for p in problems:
            click.echo(p.render())
        click.echo(ngettext("{n} problem", "{n} problems", len(problems)).format(n=len(problems)), err=True)
    sys.exit(EXIT_ERRORS if problems else EXIT_OK)
