"""`onething form`: the combined application form (一表申请) as HTML or JSON Schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from onething.cli.common import EXIT_USAGE
from onething.cli.render_options import (
    answer_values,
    choose_labels,
    load_manifest,
    with_render_options,
    write_output,
)


@click.command(name="form")
@with_render_options
@click.option("--format", "fmt", type=click.Choice(["html", "pdf", "json-schema"]), default="html",
              show_default=True)
@click.option("--large-print", is_flag=True, help="Age-friendly page (适老化): larger text, stronger contrast.")
@click.option("--unmask", is_flag=True, help="Print sensitive values (ID and phone numbers) in full.")
def form_cmd(bundle: Path, select_: str | None, answers: Path | None, catalog: Path | None, verbose: bool,
             labels_: str,
             output: Path | None, templates: Path | None, fmt: str, large_print: bool, unmask: bool) -> None:
    """Render a bundle's combined application form (一表申请).

    \b
    html: one page for screen and A4 print, prefilled from --answers; on screen it checks
          what was typed and saves it as an answers file.
    pdf: the same page printed on A4 by WeasyPrint, prefilled forms without a browser
         (needs pip install 'onething[pdf]' and a CJK font such as fonts-noto-cjk).
    json-schema: the same form as JSON Schema (draft 2020-12) for other channels.

    \b
    Examples:
      onething form bundles/birth.yaml -o birth-form.html
      onething form bundles/birth.yaml --answers answers.yaml --labels zh+en --large-print
      onething form bundles/birth.yaml --answers answers.yaml --format pdf -o birth.pdf
      onething form bundles/birth.yaml --format json-schema > birth.schema.json
    """
    from onething.dsl.i18n import _

    manifest = load_manifest(bundle, catalog, select_, answers, verbose)
    labels = choose_labels(labels_, manifest)
    if fmt == "json-schema":
        from onething.render.schema import form_schema

        write_output(json.dumps(form_schema(manifest), ensure_ascii=False, indent=2, sort_keys=True) + "\n", output)
        return
    from onething.render.form import FormOptions, render_form_html

    opts = FormOptions(labels=labels, answers=answer_values(answers, manifest), unmask=unmask,
                       large_print=large_print, templates=templates)
    html = render_form_html(manifest, opts)
    if fmt == "pdf":
        from onething.cli.terminal import is_tty
        from onething.render.pdf import PdfUnavailable, html_to_pdf

        if output is None and is_tty():
            click.echo(_("error: a PDF is binary: write it to a file with -o FILE"), err=True)
            sys.exit(EXIT_USAGE)
        try:
            pdf = html_to_pdf(html)
        except PdfUnavailable as exc:
            click.echo(_("error: {message}").format(message=exc), err=True)
            sys.exit(EXIT_USAGE)
        write_output(pdf, output)
        return
    write_output(html, output)
