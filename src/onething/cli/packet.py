"""`onething packet`: what one department receives (data minimisation)."""

from __future__ import annotations

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


@click.command(name="packet")
@with_render_options
@click.argument("department")
@click.option("--format", "fmt", type=click.Choice(["html", "json"]), default="html", show_default=True)
def packet_cmd(bundle: Path, select_: str | None, answers: Path | None, catalog: Path | None, verbose: bool,
             labels_: str,
               output: Path | None, templates: Path | None, department: str, fmt: str) -> None:
    """Render what DEPARTMENT receives: its items, only their fields and materials.

    \b
    The values from --answers are shown in full (the department processes them); the page
    is marked for official use.

    \b
    Examples:
      onething packet bundles/birth.yaml public_security --answers answers.yaml
      onething packet bundles/birth.yaml cdc --format json
    """
    from onething.dsl.i18n import _
    from onething.dsl.validation import suggest
    from onething.render.packet import PacketOptions, UnknownDepartment, render_packet

    manifest = load_manifest(bundle, catalog, select_, answers, verbose)
    labels = choose_labels(labels_, manifest)
    opts = PacketOptions(labels=labels, answers=answer_values(answers, manifest), templates=templates)
    try:
        text = render_packet(manifest, department, fmt, opts)
    except UnknownDepartment as exc:
        guess = suggest(exc.dept, exc.choices)
        hint = _(" (did you mean {guess!r}?)").format(guess=guess) if guess else ""
        click.echo(_("error: department {dept!r} handles no item of this bundle here; departments: {choices}{hint}")
                   .format(dept=exc.dept, choices=", ".join(exc.choices), hint=hint), err=True)
        sys.exit(EXIT_USAGE)
    write_output(text, output)
