"""`onething compile`: bundles to manifests, incremental with -o."""

from __future__ import annotations

import contextlib
import json
import os
import stat
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
from onething.dsl.diagnostics import Diagnostic, cap_per_file, has_errors, make
from onething.dsl.i18n import _
from onething.dsl.source import Location

if TYPE_CHECKING:
    from onething.dsl.discovery import BundleSource


@click.command(name="compile")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--output", "output_arg", type=click.Path(file_okay=False),
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
def compile_cmd(paths: tuple[Path, ...], output_arg: str | None, select_: str | None, answers: Path | None,
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
        output = _output_folder(output_arg)
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
    if output is not None and not check:
        from onething.compiler.safe_write import folder_lock

        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            problem = make("E021", _("cannot create the output folder: {why}").format(why=exc.strerror or exc),
                           Location(str(output)), _("name a folder that can be created and written"))
            if fmt == "json":
                click.echo(json.dumps({"output": str(output), "bundles": [], "stale": [],
                                       "errors": [problem.to_json()]}, ensure_ascii=False, indent=2, sort_keys=True))
            else:
                from onething.views.escape import terminal_safe

                click.echo(terminal_safe(problem.render()), err=True)
            sys.exit(EXIT_ERRORS)
        # one run at a time per output folder; the lock also makes a killed run's leftovers safe to remove
        with folder_lock(output):
            _compile(sources, diags, output, select, answers, check, force, strict, fmt, paths, verbose)
    _compile(sources, diags, output, select, answers, check, force, strict, fmt, paths, verbose)


def _output_folder(value: str | None) -> Path | None:
    """The -o folder; an empty value (an unset CI variable) or a path that cannot be a folder is refused."""
    from onething.dsl.discovery import UsageError, resolved

    if value is None:
        return None
    if not value.strip():
        raise UsageError(_("-o was given an empty path (an unset variable?); name the output folder"))
    path = Path(value)
    if os.path.lexists(path) and not path.is_dir():
        what = _("a symlink loop or dangling link") if path.is_symlink() and not path.exists() else _("not a folder")
        raise UsageError(_("-o {value}: {what}").format(value=value, what=what))
    resolved(path)
    return path


def _compile(sources: list[BundleSource], diags: list[Diagnostic], output: Path | None, select: list[str] | None,
             answers: Path | None, check: bool, force: bool, strict: bool, fmt: str,
             paths: tuple[Path, ...] = (), verbose: bool = False) -> None:
    """The run after the arguments are checked (under the output folder's lock with -o); exits."""
    from onething.views.escape import terminal_safe

    state, stamps = None, {}
    failed = False
    if output is not None and not check:
        from onething.compiler.buildstate import BuildState, fingerprint, state_path
        from onething.compiler.safe_write import clean_leftovers

        clean_leftovers(output)
        clean_leftovers(state_path(output).parent, prefix=f".{state_path(output).name}.")
        state = BuildState.read(output)
        catalogs: dict[Path, bytes] = {}
        stamps = {s.display: fingerprint(s, select, answers, catalogs) for s in sources}
    manifests = _Outbox(output, check)  # the manifests compiled in this run
    compiled: dict[str, Any] = {}  # id → Manifest, kept only to print several bundles on stdout
    summary: list[dict[str, object]] = []
    to_compile: list[BundleSource] = []
    owner: dict[str, BundleSource] = {}  # bundle id → the file that defines it
    duplicates: set[str] = set()

    def claim(bundle_id: str, source: BundleSource) -> bool:
        """Whether the id is still this file's alone; a second file with it is an error (E205)."""
        from onething.dsl.discovery import duplicate_bundle

        first = owner.setdefault(bundle_id, source)
        if first is source:
            return True
        duplicates.add(bundle_id)
        diags.append(duplicate_bundle(bundle_id, source, first))
        return False

    for source in sources:
        fresh = state.fresh(source, stamps[source.display]) if state is not None and not force else None
        if fresh is None:
            to_compile.append(source)
            continue
        diags.extend(fresh.diagnostics)
        claim(fresh.bundle_id, source)
        summary.append({"bundle": fresh.bundle_id, "status": "ok", "compiled": False})
    from onething.cli.terminal import is_tty, progress

    # to a terminal, a person reads the result: a summary instead of pages of JSON
    for_person = output is None and fmt == "text" and is_tty()
    overview: list[tuple[str, Any, list[Diagnostic]]] = []  # (bundle, manifest or None, diagnostics)
    # with -o only the manifests' bytes are wanted: a second process may compile half of them
    for source, result in compile_sources(progress(to_compile, _("compile")), select, answers,
                                          listed=to_compile, as_bytes=output is not None):
        diags.extend(result.diagnostics)
        if for_person:
            ok = result.manifest is not None and not has_errors(result.diagnostics)
            overview.append((result.manifest.bundle.id if ok else source.display,
                             result.manifest if ok else None, result.diagnostics))
        if not result.ok:
            failed = True
            summary.append({"bundle": source.display, "status": "error"})
            if state is not None:
                state.forget(source)
            continue
        m = result.manifest
        bundle_id = result.encoded[0] if result.encoded is not None else m.bundle.id
        if not claim(bundle_id, source):
            summary.append({"bundle": source.display, "status": "error"})
            continue
        data = result.encoded[1] if result.encoded is not None else m.to_json().encode("utf-8")
        manifests.add(bundle_id, data)
        if state is not None:
            state.record(source, stamps[source.display], bundle_id, data, result.diagnostics)
        if output is None and len(sources) > 1:
            compiled[bundle_id] = m
        summary.append({"bundle": bundle_id, "status": "ok", "compiled": True})
    for bundle_id in duplicates:
        manifests.discard(bundle_id)
        compiled.pop(bundle_id, None)
        if state is not None:
            for source in sources:
                if state.entries.get(source.display, {}).get("bundle") == bundle_id:
                    state.forget(source)
    summary.sort(key=lambda r: str(r["bundle"]))
    # the verdict comes from every diagnostic, compiled or replayed from the build state alike
    failed = failed or has_errors(diags)
    if strict and any(not d.is_error and not d.suppressed for d in diags):
        failed = True
    if diags:
        if fmt == "json" and output is None:
            # stdout carries the manifests, with their diagnostics inside; errors leave no
            # manifest to carry them, so they go to stderr as JSON
            errors = [d.to_json() for d in cap_per_file([d for d in diags if d.is_error])]
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
            click.echo(next(iter(manifests.held.values())).decode("utf-8"), nl=False)
        elif manifests:
            from onething.compiler.manifest import dumps

            click.echo(dumps({bid: cm.model_dump(mode="json", exclude_none=True) for bid, cm in compiled.items()}),
                       nl=False)
        sys.exit(EXIT_ERRORS if failed else EXIT_OK)
    stale = manifests.stale() if check else []
    write_errors: list[Diagnostic] = []
    if check:
        for line in stale:
            click.echo(line, err=True)
        failed = failed or bool(stale)
    else:
        write_errors = manifests.commit()
        for d in write_errors:
            failed = True
            click.echo(terminal_safe(d.render()), err=True)
            if state is not None:
                for source in sources:
                    if state.entries.get(source.display, {}).get("bundle") == Path(d.location.file).stem:
                        state.forget(source)
        if state is not None and state.changed:
            state.write()  # after the manifests: a run cut short leaves them out of date, never wrongly fresh
    written = len(manifests) - len(write_errors)
    if fmt == "json":
        report: dict[str, object] = {"output": str(output), "bundles": summary, "stale": stale}
        if write_errors:
            report["errors"] = [d.to_json() for d in write_errors]
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        done = sum(1 for r in summary if r.get("compiled") is False)
        line = (_("checked {n} manifest(s) in {output}") if check else _("wrote {n} manifest(s) in {output}")
                ).format(n=written, output=output)
        if stale:
            line += _("; {n} stale").format(n=len(stale))
        if done:
            line += _("; {n} up to date").format(n=done)
        if write_errors:
            line += _("; {n} not written").format(n=len(write_errors))
        click.echo(line, err=True)
    sys.exit(EXIT_ERRORS if failed else EXIT_OK)


def _same_file_text(target: Path, data: bytes) -> bool | None:
    """Whether ``target`` is a regular file holding exactly ``data``; None when it is missing."""
    from onething.dsl.reading import read_limited

    try:
        if not stat.S_ISREG(os.lstat(target).st_mode):
            return False
    except OSError:
        return None
    raw, _problem = read_limited(target, str(target), len(data))
    return raw == data


class _Outbox:
    """The manifests of one run on their way out, held as little as possible.

    With -o each manifest is handed on as soon as it is compiled: a file already holding the
    same bytes is left alone (and its timestamp, for make-like tools downstream); otherwise
    the bytes go to an exclusive temporary file beside the target (``safe_write.stage``),
    renamed into place by ``commit`` at the end of the run — so a duplicate id found later
    still writes neither file, and a reader never sees half a manifest. With --check each is
    compared at once and only the verdict kept. Without -o the bytes are kept for stdout.
    A province's manifests are 20 MB: kept until the end they were a seventh of its memory.
    """

    def __init__(self, output: Path | None, check: bool) -> None:
        self.output = output
        self.check = check
        self.held: dict[str, bytes] = {}  # without -o: for stdout
        self.same: dict[str, bool | None] = {}  # --check: whether the file holds the same bytes (None: missing)
        self.staged: dict[str, str | OSError | None] = {}  # -o: temporary file, why it failed, None: unchanged

    def add(self, bundle_id: str, data: bytes) -> None:
        if self.output is None:
            self.held[bundle_id] = data
            return
        target = self.output / f"{bundle_id}.json"
        same = _same_file_text(target, data)
        if self.check:
            self.same[bundle_id] = same
            return
        if same:
            self.staged[bundle_id] = None
            return
        from onething.compiler.safe_write import stage

        try:
            if os.path.isdir(target) and not os.path.islink(target):
                raise IsADirectoryError(21, os.strerror(21))
            self.staged[bundle_id] = stage(target, data)
        except OSError as exc:
            self.staged[bundle_id] = exc

    def discard(self, bundle_id: str) -> None:
        self.held.pop(bundle_id, None)
        self.same.pop(bundle_id, None)
        tmp = self.staged.pop(bundle_id, None)
        if isinstance(tmp, str):
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def __len__(self) -> int:
        return len(self.held) + len(self.same) + len(self.staged)

    def stale(self) -> list[str]:
        """`--check`: each manifest that is missing from, or differs in, the output folder."""
        assert self.output is not None
        stale: list[str] = []
        for bid, same in sorted(self.same.items()):
            target = self.output / f"{bid}.json"
            if same is None:
                stale.append(_("{path}: missing").format(path=target))
            elif not same:
                stale.append(_("{path}: stale").format(path=target))
        return stale

    def commit(self) -> list[Diagnostic]:
        """Rename each staged manifest into place (atomically: a reader never sees half a file).

        One that cannot be written (its path is a folder, the disk is full) is reported (E021)
        and the others are still written.
        """
        from onething.dsl.discovery import display_path

        assert self.output is not None
        problems: list[Diagnostic] = []
        for bid, tmp in sorted(self.staged.items()):
            if tmp is None:
                continue  # unchanged
            target = self.output / f"{bid}.json"
            try:
                if isinstance(tmp, OSError):
                    raise tmp
                try:
                    if os.path.isdir(target) and not os.path.islink(target):
                        raise IsADirectoryError(21, os.strerror(21))
                    os.replace(tmp, target)
                except OSError:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp)
                    raise
            except OSError as exc:
                problems.append(make("E021", _("cannot write the manifest of {id!r}: {why}").format(
                    id=bid, why=exc.strerror or exc), Location(display_path(target)),
                    _("make the path a writable file (remove what stands in its place)")))
        return problems
