"""`onething questions`: what to ask the applicant, as a table or an answers file to fill in."""

from __future__ import annotations

from pathlib import Path

import click

from onething.cli.common import compile_one


@click.command(name="questions")
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option("--catalog", type=click.Path(path_type=Path, file_okay=False), help="Catalog folder.")
@click.option("--format", "fmt", type=click.Choice(["table", "yaml"]), default="table", show_default=True,
              help="table: to read; yaml: an answers file to fill in and pass to --answers.")
@click.option("-v", "--verbose", is_flag=True, help="Also show the warnings that reviewed suppressions silence.")
def questions_cmd(bundle: Path, catalog: Path | None, fmt: str, verbose: bool) -> None:
    """List a bundle's situation questions and optional items, or write an answers template.

    \b
    The yaml template has every question (its choices as comments), the optional items
    to tick (they are chosen with --select) and every field of the combined form (its
    label as a comment). Keys left blank are not answered.

    \b
    Examples:
      onething questions bundles/birth.yaml
      onething questions bundles/birth.yaml --format yaml > answers.yaml
      onething plan bundles/birth.yaml --answers answers.yaml
    """
    from onething.dsl.discovery import display_path

    m = compile_one(bundle, catalog, None, None, verbose=verbose)
    if fmt == "yaml":
        from onething.views.questions import answers_template

        click.echo(answers_template(m, display_path(bundle)), nl=False)
        return
    from onething.cli.terminal import render, width
    from onething.views.questions import questions_renderables

    click.echo(render(questions_renderables(m, width())), nl=False)
