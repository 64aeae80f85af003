"""`onething compile`: bundles to manifests, incremental with -o."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from onething.cli.common import (
    EXIT_ERRORS,
    EXIT_OK,
    EXIT_USAGE,
    VERBOSE,
    compile_sources,
    emit_diagnostics,
    find_sources,
    split_select,
)
from onething.dsl.diagnostics import has_errors, sort_diagnostics
from onething.dsl.i18n import _

if TYPE_CHECKING:
    from onething.dsl.diagnostics import Diagnostic
    from onething.dsl.discovery import BundleSource


@click.command(name="compile")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False),
              help="Write one <bundle>.json per bundle into this folder (up-to-date ones are kept).")
@click.option("--select", "select_", metavar="ITEM,...", help="Optional items to include (default: all).")
@click.option("--answers", type=click.Path(path_type=Path, dir_okay=False),
              help="Applicant's answers file (YAML/JSON); only the bundle's questions are used.")
@click.option("--check", is_flag=True, help="Recompile and compare with the manifests in -o; exit 1 naming stale ones.")
@click.option("--force", is_flag=True, help="With -o: recompile every bundle, even those up to date.")
@click.option("--strict", is_flag=True, help="Treat unsuppressed warnings as errors.")
@click.option("--catalog", type=click.Path(path_type=Path, file_okay=False),
              help="Catalog folder (default: catalog/ beside each bundle).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Format of diagnostics and the -o summary (manifests are always JSON).")
@VERBOSE
def compile_cmd(paths: tuple[Path, ...], output: Path | None, select_: str | None, answers: Path | None,
                check: bool, force: bool, strict: bool, catalog: Path | None, fmt: str, verbose: bool) -> None:
    """Compile bundles into manifests: one form, one material list, one dispatch plan.

    \b
    One bundle without -o: its manifest on stdout. Several: a JSON object id → manifest.
    On a terminal (not piped) stdout gets a summary instead: pipe it or use -o for the JSON.
    With -o DIR: one DIR/<bundle>.json each. A bundle whose inputs (bundle, catalog,
    answers, onething itself) and manifest are unchanged since the last run is not
    compiled again; its diagnostics are replayed (state kept in ~/.cache/onething).
    Diagnostics go to stderr. Exit status: 0 ok, 1 errors (or stale with --check,
    or warnings with --strict), 2 usage problem.

    \b
    Examples:
      onething compile bundles/birth.yaml
      onething compile bundles/birth.yaml --select ssc_apply --answers answers.yaml
      onething compile bundles/ -o build/manifests
      onething compile bundles/ -o build/manifests --check     # in CI
      onething compile bundles/ -o build/manifests --force     # ignore the build state
    """
    from onething.dsl.discovery import UsageError

    try:
        if check and output is None:
            raise UsageError(_("--check needs -o DIR with the manifests to compare against"))
        if force and output is None:
            raise UsageError(_("--force applies to -o DIR (without -o every bundle is compiled anyway)"))
        if answers is not None and not answers.is_file():
            raise UsageError(_("answers file does not exist: {answers}").format(answers=answers))
        sources, diags = find_sources(paths, catalog)
        if (select_ is not None or answers is not None) and len(sources) > 1:
            raise UsageError(_("--select and --answers apply to one bundle; name a single bundle file"))
    except UsageError as exc:
        click.echo(_("error: {problem}").format(problem=exc), err=True)
        sys.exit(EXIT_USAGE)
    select = split_select(select_)
    state, stamps = None, {}
    if output is not None and not check:
        from onething.compiler.buildstate import BuildState, fingerprint

        state = BuildState.read(output)
        catalogs: dict[Path, bytes] = {}
        stamps = {s.display: fingerprint(s, select, answers, catalogs) for s in sources}
    failed = has_errors(diags)
    manifests: dict[str, str] = {}  # id → manifest text, of the bundles compiled in this run
    compiled: dict[str, Any] = {}  # id → Manifest, kept only to print several bundles on stdout
    summary: list[dict[str, object]] = []
    to_compile: list[BundleSource] = []
    for source in sources:
        fresh = state.fresh(source, stamps[source.display]) if state is not None and not force else None
        if fresh is None:
            to_compile.append(source)
            continue
        diags.extend(fresh.diagnostics)
        summary.append({"bundle": fresh.bundle_id, "status": "ok", "compiled": False})
    from onething.cli.terminal import is_tty, progress

    # to a terminal, a person reads the result: a summary instead of pages of JSON
    for_person = output is None and fmt == "text" and is_tty()
    overview: list[tuple[str, Any, list[Diagnostic]]] = []  # (bundle, manifest or None, diagnostics)
    for source, result in compile_sources(progress(to_compile, _("compile")), select, answers):
        diags.extend(result.diagnostics)
        if for_person:
            ok = result.manifest is not None and not has_errors(result.diagnostics)
            overview.append((result.manifest.bundle.id if ok else source.display,
                             result.manifest if ok else None, result.diagnostics))
        if result.manifest is None or has_errors(result.diagnostics):
            failed = True
            summary.append({"bundle": source.display, "status": "error"})
            if state is not None:
                state.forget(source)
            continue
        m = result.manifest
        manifests[m.bundle.id] = text = m.to_json()
        if state is not None:
            state.record(source, stamps[source.display], m.bundle.id, text, result.diagnostics)
        if output is None and len(sources) > 1:
            compiled[m.bundle.id] = m
        summary.append({"bundle": m.bundle.id, "status": "ok", "compiled": True})
    summary.sort(key=lambda r: str(r["bundle"]))
    if strict and any(not d.is_error and not d.suppressed for d in diags):
        failed = True  # compiled or replayed alike
    if diags:
        if fmt == "json" and output is None:
            # stdout carries the manifests, with their diagnostics inside; errors leave no
            # manifest to carry them, so they go to stderr as JSON
            errors = [d.to_json() for d in sort_diagnostics(diags) if d.is_error]
            if errors:
                click.echo(json.dumps(errors, ensure_ascii=False, indent=2), err=True)
        else:
            emit_diagnostics(diags, fmt, err=True, verbose=verbose, strict=strict, counts=False)
    if for_person:
        from onething.cli.terminal import render, width
        from onething.views.summary import compile_summary

        click.echo(render(compile_summary(overview, [str(p) for p in paths], width())), nl=False)
        sys.exit(EXIT_ERRORS if failed else EXIT_OK)
    if output is None:
        if len(sources) == 1 and manifests:
            click.echo(next(iter(manifests.values())), nl=False)
        elif manifests:
            from onething.compiler.manifest import dumps

            click.echo(dumps({bid: cm.model_dump(mode="json", exclude_none=True) for bid, cm in compiled.items()}),
                       nl=False)
        sys.exit(EXIT_ERRORS if failed else EXIT_OK)
    stale = _check_manifests(output, manifests) if check else []
    write_error: str | None = None
    if check:
        for line in stale:
            click.echo(line, err=True)
        failed = failed or bool(stale)
    else:
        write_error = _write_manifests(output, manifests)
        if write_error:
            failed = True
            click.echo(_("error: {problem}").format(problem=write_error), err=True)
        elif state is not None and state.changed:
            state.write()  # after the manifests: a run cut short leaves them out of date, never wrongly fresh
    if fmt == "json":
        report: dict[str, object] = {"output": str(output), "bundles": summary, "stale": stale}
        if write_error:
            report["error"] = write_error
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True))
    elif not write_error:
        done = sum(1 for r in summary if r.get("compiled") is False)
        line = (_("checked {n} manifest(s) in {output}") if check else _("wrote {n} manifest(s) in {output}")
                ).format(n=len(manifests), output=output)
        if stale:
            line += _("; {n} stale").format(n=len(stale))
        if done:
            line += _("; {n} up to date").format(n=done)
        click.echo(line, err=True)
    sys.exit(EXIT_ERRORS if failed else EXIT_OK)


def _check_manifests(output: Path, manifests: dict[str, str]) -> list[str]:
    """`--check`: each manifest that is missing from, or differs in, the output folder."""
    stale: list[str] = []
    for bid, text in sorted(manifests.items()):
        target = output / f"{bid}.json"
        if not target.is_file():
            stale.append(_("{path}: missing").format(path=target))
        elif target.read_text(encoding="utf-8") != text:
            stale.append(_("{path}: stale").format(path=target))
    return stale


def _write_manifests(output: Path, manifests: dict[str, str]) -> str | None:
    """Write each manifest whose bytes changed (atomically: a reader never sees half a file).

    None when all is written, else what could not be written and why.
    """
    from onething.compiler.buildstate import write_atomic

    target = output
    try:
        if manifests:
            output.mkdir(parents=True, exist_ok=True)
        for bid, text in sorted(manifests.items()):
            target = output / f"{bid}.json"
            try:
                if target.read_text(encoding="utf-8") == text:
                    continue  # unchanged: keep the file and its timestamp for make-like tools downstream
            except (OSError, UnicodeDecodeError):
                pass
            write_atomic(target, text)
    except OSError as exc:
        return _("cannot write {path}: {reason}").format(path=target, reason=exc.strerror or exc)
    return None


