"""What `form`, `sheet`, `packet` and `answers check` share: the options and reading their inputs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from onething.cli.common import EXIT_USAGE, compile_one, with_bundle_options


def with_render_options(f):
    """The bundle options plus --labels, -o and --templates."""
    f = click.option("--templates", type=click.Path(path_type=Path, file_okay=False, exists=True),
                     help="Folder of templates that replace the shipped ones (same file names).")(f)
    f = click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
                     help="Write to FILE instead of standard output.")(f)
    f = click.option("--labels", "labels_", default="zh", show_default=True, metavar="zh|en|zh+en|LANG",
                     help="Language(s) of the labels; a label missing in LANG falls back to zh.")(f)
    return with_bundle_options(f)


def load_manifest(bundle: Path, catalog: Path | None, select_: str | None, answers: Path | None,
                  verbose: bool = False) -> dict[str, Any]:
    """The compiled manifest as plain JSON data (what every renderer reads): the manifest's
    own JSON, so that facts it keeps as null (unknown) reach the renderers as null."""
    import json

    return json.loads(compile_one(bundle, catalog, select_, answers, verbose=verbose).to_json())


def choose_labels(value: str, manifest: dict[str, Any]):
    """The Labels for --labels; a language no label carries is a usage error."""
    from onething.dsl.i18n import _
    from onething.dsl.validation import suggest
    from onething.render.labels import Labels, languages_in, parse_labels

    try:
        langs = parse_labels(value)
    except ValueError:
        click.echo(_("error: --labels takes language codes joined by +, e.g. zh+en (got {value!r})").format(
            value=value), err=True)
        sys.exit(EXIT_USAGE)
    carried = languages_in(manifest) | {"zh", "en"}
    for lang in langs:
        if lang not in carried:
            guess = suggest(lang, sorted(carried))
            hint = _(" (did you mean {guess!r}?)").format(guess=guess) if guess else ""
            click.echo(_("error: no label of the bundle is in language {lang!r}; languages: {langs}{hint}").format(
                lang=lang, langs=", ".join(sorted(carried)), hint=hint), err=True)
            sys.exit(EXIT_USAGE)
    return Labels(langs)


def answer_values(answers: Path | None, manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The field values of the answers file (already checked for unknown keys by the compile)."""
    if answers is None:
        return None
    from onething.render.answers_file import read_values
    from onething.render.manifest_view import walk

    values, _locs, _diags = read_values(answers, {f["key"] for f in walk(manifest)})
    return values or {}


def write_output(text: str | bytes, output: Path | None) -> None:
    if output is None:
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        output.write_bytes(text)
    else:
        output.write_text(text, encoding="utf-8")
