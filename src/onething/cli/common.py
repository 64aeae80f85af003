"""What the commands share: exit statuses, printing diagnostics, finding and compiling bundles."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from onething.dsl.diagnostics import Diagnostic, cap_per_file, has_errors, sort_diagnostics
from onething.dsl.i18n import _

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from onething.compiler import CompileResult
    from onething.compiler.workspace import Workspace
    from onething.dsl.discovery import BundleSource

# Commands import the pipeline (pydantic models, loader, compiler) inside their functions:
# `onething --help`, `codes` and `--version` then start without building a single model.

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def emit_diagnostics(diags: list[Diagnostic], fmt: str, err: bool = False, verbose: bool = False,
                     strict: bool = False, counts: bool = True) -> None:
    """Diagnostics on stdout (validate: they are its output) or stderr (commands with other output).

    JSON lists every diagnostic. Text shows a warning that a reviewed suppression silences
    only with ``verbose``; otherwise they are counted in one line, so the problems that need
    attention are not lost among reviewed ones. ``strict`` marks the warnings --strict fails on.
    """
    from onething.dsl.i18n import ngettext

    diags = sort_diagnostics(diags)
    errors = sum(1 for d in diags if d.is_error)
    warnings = sum(1 for d in diags if not d.is_error and not d.suppressed)
    diags = cap_per_file(diags)
    if fmt == "json":
        click.echo(json.dumps([d.to_json() for d in diags], ensure_ascii=False, indent=2), err=err)
        return
    from onething.views.escape import terminal_safe

    hidden = 0
    for d in diags:
        if d.suppressed and not verbose:
            hidden += 1
            continue
        head, nl, rest = d.render().partition("\n")  # the marker goes on the diagnostic's own line
        mark = " [--strict]" if strict and not d.is_error and not d.suppressed else ""
        click.echo(terminal_safe(head + mark + nl + rest), err=err)
    if hidden:
        click.echo(ngettext("{n} suppressed warning not shown (reviewed; -v shows it)",
                            "{n} suppressed warnings not shown (reviewed; -v shows them)", hidden).format(n=hidden),
                   err=True)
    if counts:  # of every diagnostic, also those beyond the per-file cap
        click.echo(_("{errors} error(s), {warnings} warning(s)").format(errors=errors, warnings=warnings), err=True)



def find_sources(paths: tuple[Path, ...], catalog: Path | None) -> tuple[list[BundleSource], list[Diagnostic]]:
    """The bundle files the command's paths name (found, not loaded)."""
    from onething.dsl.discovery import UsageError, find_bundles

    if catalog is not None and not catalog.is_dir():
        raise UsageError(_("catalog folder does not exist: {catalog}").format(catalog=catalog))
    from onething.dsl.discovery import project_path

    return find_bundles(list(paths) or [project_path("bundles")], catalog)


def split_select(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


def compile_sources(sources: Iterable[BundleSource], select: list[str] | None, answers_path: Path | None,
                    ws: Workspace | None = None, listed: list[BundleSource] | None = None,
                    as_bytes: bool = False) -> Iterator[tuple[BundleSource, CompileResult]]:
    """Yield (source, CompileResult) for each bundle, reading answers per bundle's questions.

    ``listed``: the sources as a list, when ``sources`` is an iterator (a progress bar).
    ``as_bytes``: the caller wants each manifest's id and JSON bytes only; a result may then
    carry them (``encoded``) instead of the manifest, compiled by a second process.
    """
    if not sources:
        return  # nothing to compile: do not import the pipeline
    from onething.compiler import ahead

    if ws is None:  # a second core parses the files while the pipeline is imported
        ahead.parse_ahead(listed if listed is not None else sources if isinstance(sources, list) else [])
    try:
        yield from _compile_sources(sources, select, answers_path, ws,
                                    as_bytes and select is None and answers_path is None)
    finally:
        ahead.done()


def _compile_sources(sources: Iterable[BundleSource], select: list[str] | None, answers_path: Path | None,
                     ws: Workspace | None, as_bytes: bool) -> Iterator[tuple[BundleSource, CompileResult]]:
    from onething.compiler import CompileResult, compile_bundle, halves
    from onething.compiler.workspace import Workspace
    from onething.dsl.answers import read_answers
    from onething.dsl.discovery import display_path

    ws = ws or Workspace()

    def one(source: BundleSource) -> CompileResult:
        loaded = ws.load_bundle(source)
        if loaded.resolved is None:
            return CompileResult(None, loaded.diagnostics)
        answers = None
        extra: list[Diagnostic] = []
        if answers_path is not None:
            rb = loaded.resolved
            answers, extra = read_answers(answers_path, display_path(answers_path), rb.questions,
                                          rb.field_keys(), rb.bundle.bundle)
            if has_errors(extra):
                return CompileResult(None, loaded.diagnostics + extra)
        result = compile_bundle(loaded.resolved, source.path, select, answers)
        result.diagnostics = sort_diagnostics(result.diagnostics + extra)
        return result

    at = halves.split(sources) if as_bytes and isinstance(sources, list) else 0
    if not at:
        for source in sources:
            yield source, one(source)
        return
    for folder in {s.catalog_dir for s in sources}:  # loaded once, here: the child shares them
        if folder.is_dir():
            ws.catalog(folder)
    for source, result, outcome in halves.in_two(sources, at, one, halves.encode):
        if outcome is not None:
            encoded, diagnostics = outcome
            result = CompileResult(None, diagnostics, encoded)
        yield source, result


def compile_one(path: Path, catalog: Path | None, select_: str | None, answers: Path | None,
                fmt: str = "text", verbose: bool = False):
    """Compile a single bundle for a view; exits with the right status on failure."""
    from onething.dsl.discovery import UsageError

    try:
        if answers is not None and not answers.is_file():
            raise UsageError(_("answers file does not exist: {answers}").format(answers=answers))
        if not path.exists():
            raise UsageError(_("path does not exist: {path}").format(path=path))
        if path.is_dir():
            raise UsageError(_("{path} is a folder; name one bundle file").format(path=path))
        sources, diags = find_sources((path,), catalog)
    except UsageError as exc:
        click.echo(_("error: {problem}").format(problem=exc), err=True)
        sys.exit(EXIT_USAGE)
    for _source, result in compile_sources(sources, split_select(select_), answers):
        if result.manifest is None or has_errors(result.diagnostics):
            emit_diagnostics(result.diagnostics, fmt, err=True, verbose=verbose)
            sys.exit(EXIT_ERRORS)
        return result.manifest
    sys.exit(EXIT_ERRORS)  # pragma: no cover


VERBOSE = click.option("-v", "--verbose", is_flag=True,
                       help="Also show the warnings that reviewed suppressions silence.")

ONE_BUNDLE_OPTIONS = [
    click.argument("bundle", type=click.Path(path_type=Path)),
    click.option("--select", "select_", metavar="ITEM,...", help="Optional items to include (default: all)."),
    click.option("--answers", type=click.Path(path_type=Path, dir_okay=False), help="Applicant's answers file."),
    click.option("--catalog", type=click.Path(path_type=Path, file_okay=False), help="Catalog folder."),
    VERBOSE,
]


def with_bundle_options(f):
    for opt in reversed(ONE_BUNDLE_OPTIONS):
        f = opt(f)
    return f


