"""Command-line interface: composable click commands over the pipeline stages."""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from onething import __version__
from onething.diagnostics import Diagnostic, has_errors, sort_diagnostics

if TYPE_CHECKING:
    from collections.abc import Iterator

    from onething.compiler import CompileResult
    from onething.discovery import BundleSource
    from onething.project import Workspace

# Commands import the pipeline (pydantic models, loader, compiler) inside their functions:
# `onething --help`, `codes` and `--version` then start without building a single model.

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _emit_diagnostics(diags: list[Diagnostic], fmt: str, err: bool = False) -> None:
    """Diagnostics on stdout (validate: they are its output) or stderr (commands with other output)."""
    diags = sort_diagnostics(diags)
    if fmt == "json":
        click.echo(json.dumps([d.to_json() for d in diags], ensure_ascii=False, indent=2), err=err)
        return
    for d in diags:
        click.echo(d.render(), err=err)
    errors = sum(1 for d in diags if d.is_error)
    warnings = sum(1 for d in diags if not d.is_error and not d.suppressed)
    click.echo(f"{errors} error(s), {warnings} warning(s)", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="onething")
def main() -> None:
    """onething: bundled government services (一件事一次办).

    \b
    Examples:
      onething validate bundles/
      onething compile bundles/birth.yaml
      onething schema bundle > docs/schema/bundle.schema.json
    """
    # A command builds its data once and keeps it to the end; the cyclic garbage collector
    # would only walk the growing heap again and again (a tenth of a compile's time, more on
    # large catalogs). Paused for the command, resumed when it ends, even by sys.exit.
    if gc.isenabled():
        gc.disable()
        click.get_current_context().call_on_close(gc.enable)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--catalog", type=click.Path(path_type=Path, file_okay=False),
              help="Catalog folder (default: catalog/ beside each bundle).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def validate(paths: tuple[Path, ...], catalog: Path | None, fmt: str) -> None:
    """Check bundle files and their catalog; print every problem with file:line:col.

    \b
    PATHS are bundle files, folders of bundles (default: bundles/), catalog files (their
    whole catalog folder is checked) or scenario files.
    Exit status: 0 no errors, 1 errors found, 2 usage problem.

    \b
    Examples:
      onething validate                       # everything under bundles/
      onething validate bundles/birth.yaml
      onething validate bundles/catalog/fields.yaml
      onething validate --format json bundles/ | jq '.[].code'
    """
    from onething.discovery import UsageError, file_kind, find_bundles
    from onething.project import Workspace

    ws = Workspace()
    bundle_paths: list[Path] = []
    catalog_dirs: list[Path] = []
    scenario_files: list[Path] = []
    for p in list(paths) or [Path("bundles")]:
        kind = file_kind(p) if p.is_file() else None
        if kind == "catalog":
            catalog_dirs.append(catalog or p.parent)
        elif kind == "scenarios":
            scenario_files.append(p)
        else:
            bundle_paths.append(p)
    try:
        if catalog is not None and not catalog.is_dir():
            raise UsageError(f"catalog folder does not exist: {catalog}")
        sources, diags = find_bundles(bundle_paths, catalog) if bundle_paths else ([], [])
    except UsageError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    for folder in catalog_dirs:
        diags.extend(ws.catalog(folder).diagnostics)
    if scenario_files:
        from onething.scenarios import load_scenarios

        for f in scenario_files:
            diags.extend(load_scenarios(f)[1])
    catalogs_seen: set[Path] = {d.resolve() for d in catalog_dirs}
    for source in sources:
        loaded = ws.load_bundle(source)
        diags.extend(loaded.diagnostics)
        key = source.catalog_dir.resolve()
        if key not in catalogs_seen and source.catalog_dir.is_dir():
            catalogs_seen.add(key)
            diags.extend(ws.catalog(source.catalog_dir).diagnostics)
    _emit_diagnostics(diags, fmt)
    sys.exit(EXIT_ERRORS if has_errors(diags) else EXIT_OK)


@main.command()
@click.argument("kind", type=click.Choice(["bundle", "catalog", "manifest", "scenarios"]), default="bundle")
def schema(kind: str) -> None:
    """Print the JSON Schema of a bundle file (default), catalog file, manifest or scenario file.

    \b
    Editors with the YAML language server use it through a first line like
      # yaml-language-server: $schema=../docs/schema/bundle.schema.json

    \b
    Examples:
      onething schema > docs/schema/bundle.schema.json
      onething schema catalog > docs/schema/catalog.schema.json
    """
    from onething.schemas import schema_text

    click.echo(schema_text(kind), nl=False)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True)
def codes(fmt: str) -> None:
    """List every diagnostic code with its severity, meaning and usual fix.

    \b
    Examples:
      onething codes
      onething codes --format md > docs/diagnostics.md
    """
    from onething.diagnostics import REGISTRY, registry_markdown

    if fmt == "md":
        click.echo(registry_markdown(), nl=False)
    elif fmt == "json":
        click.echo(json.dumps([
            {"code": c.code, "severity": c.severity.value, "title": c.title, "fix": c.fix}
            for c in REGISTRY.values()], ensure_ascii=False, indent=2))
    else:
        for c in REGISTRY.values():
            click.echo(f"{c.code}  {c.severity.value:<7}  {c.title}")


def _find_sources(paths: tuple[Path, ...], catalog: Path | None) -> tuple[list[BundleSource], list[Diagnostic]]:
    """The bundle files the command's paths name (found, not loaded)."""
    from onething.discovery import UsageError, find_bundles

    if catalog is not None and not catalog.is_dir():
        raise UsageError(f"catalog folder does not exist: {catalog}")
    return find_bundles(list(paths) or [Path("bundles")], catalog)


def _split_select(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


def compile_sources(sources: list[BundleSource], select: list[str] | None, answers_path: Path | None,
                    ws: Workspace | None = None) -> Iterator[tuple[BundleSource, CompileResult]]:
    """Yield (source, CompileResult) for each bundle, reading answers per bundle's questions."""
    if not sources:
        return  # nothing to compile: do not import the pipeline
    from onething.answers import read_answers
    from onething.compiler import CompileResult, compile_bundle
    from onething.discovery import display_path
    from onething.project import Workspace

    ws = ws or Workspace()
    for source in sources:
        loaded = ws.load_bundle(source)
        if loaded.resolved is None:
            yield source, CompileResult(None, loaded.diagnostics)
            continue
        answers = None
        extra: list[Diagnostic] = []
        if answers_path is not None:
            answers, extra = read_answers(answers_path, display_path(answers_path), loaded.resolved.questions)
            if has_errors(extra):
                yield source, CompileResult(None, loaded.diagnostics + extra)
                continue
        result = compile_bundle(loaded.resolved, source.path, select, answers)
        result.diagnostics = sort_diagnostics(result.diagnostics + extra)
        yield source, result


@main.command(name="compile")
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
def compile_cmd(paths: tuple[Path, ...], output: Path | None, select_: str | None, answers: Path | None,
                check: bool, force: bool, strict: bool, catalog: Path | None, fmt: str) -> None:
    """Compile bundles into manifests: one form, one material list, one dispatch plan.

    \b
    One bundle without -o: its manifest on stdout. Several: a JSON object id → manifest.
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
    from onething.discovery import UsageError

    try:
        if check and output is None:
            raise UsageError("--check needs -o DIR with the manifests to compare against")
        if force and output is None:
            raise UsageError("--force applies to -o DIR (without -o every bundle is compiled anyway)")
        if answers is not None and not answers.is_file():
            raise UsageError(f"answers file does not exist: {answers}")
        sources, diags = _find_sources(paths, catalog)
        if (select_ is not None or answers is not None) and len(sources) > 1:
            raise UsageError("--select and --answers apply to one bundle; name a single bundle file")
    except UsageError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    select = _split_select(select_)
    state, stamps = None, {}
    if output is not None and not check:
        from onething.buildstate import BuildState, fingerprint

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
    progress = output is not None and len(to_compile) > 1 and fmt == "text"
    for n, (source, result) in enumerate(compile_sources(to_compile, select, answers), 1):
        if progress:
            click.echo(f"[{n}/{len(to_compile)}] {source.display}", err=True)
        diags.extend(result.diagnostics)
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
            for d in sort_diagnostics(diags):
                head, nl, rest = d.render().partition("\n")  # the marker goes on the diagnostic's own line
                mark = " [--strict]" if strict and not d.is_error and not d.suppressed else ""
                click.echo(head + mark + nl + rest, err=True)
    if output is None:
        if len(sources) == 1 and manifests:
            click.echo(next(iter(manifests.values())), nl=False)
        elif manifests:
            from onething.manifest import dumps

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
            click.echo(f"error: {write_error}", err=True)
        elif state is not None and state.changed:
            state.write()  # after the manifests: a run cut short leaves them out of date, never wrongly fresh
    if fmt == "json":
        report: dict[str, object] = {"output": str(output), "bundles": summary, "stale": stale}
        if write_error:
            report["error"] = write_error
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True))
    elif not write_error:
        done = sum(1 for r in summary if r.get("compiled") is False)
        verb = "checked" if check else "wrote"
        tail = (f"; {len(stale)} stale" if stale else "") + (f"; {done} up to date" if done else "")
        click.echo(f"{verb} {len(manifests)} manifest(s) in {output}{tail}", err=True)
    sys.exit(EXIT_ERRORS if failed else EXIT_OK)


def _check_manifests(output: Path, manifests: dict[str, str]) -> list[str]:
    """`--check`: each manifest that is missing from, or differs in, the output folder."""
    stale: list[str] = []
    for bid, text in sorted(manifests.items()):
        target = output / f"{bid}.json"
        if not target.is_file():
            stale.append(f"{target}: missing")
        elif target.read_text(encoding="utf-8") != text:
            stale.append(f"{target}: stale")
    return stale


def _write_manifests(output: Path, manifests: dict[str, str]) -> str | None:
    """Write each manifest whose bytes changed (atomically: a reader never sees half a file).

    None when all is written, else what could not be written and why.
    """
    from onething.buildstate import write_atomic

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
        return f"cannot write {target}: {exc.strerror or exc}"
    return None


def _compile_one(path: Path, catalog: Path | None, select_: str | None, answers: Path | None):
    """Compile a single bundle for a view; exits with the right status on failure."""
    from onething.discovery import UsageError

    try:
        if answers is not None and not answers.is_file():
            raise UsageError(f"answers file does not exist: {answers}")
        if not path.exists():
            raise UsageError(f"path does not exist: {path}")
        if path.is_dir():
            raise UsageError(f"{path} is a folder; name one bundle file")
        sources, diags = _find_sources((path,), catalog)
    except UsageError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    for _, result in compile_sources(sources, _split_select(select_), answers):
        if result.manifest is None or has_errors(result.diagnostics):
            _emit_diagnostics(result.diagnostics, "text", err=True)
            sys.exit(EXIT_ERRORS)
        return result.manifest
    sys.exit(EXIT_ERRORS)  # pragma: no cover


_one_bundle_options = [
    click.argument("bundle", type=click.Path(path_type=Path)),
    click.option("--select", "select_", metavar="ITEM,...", help="Optional items to include (default: all)."),
    click.option("--answers", type=click.Path(path_type=Path, dir_okay=False), help="Applicant's answers file."),
    click.option("--catalog", type=click.Path(path_type=Path, file_okay=False), help="Catalog folder."),
]


def _with_bundle_options(f):
    for opt in reversed(_one_bundle_options):
        f = opt(f)
    return f


@main.command(name="plan")
@_with_bundle_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def plan_cmd(bundle: Path, select_: str | None, answers: Path | None, catalog: Path | None, fmt: str) -> None:
    """Show a bundle's dispatch plan: stages, departments, time limits and the savings.

    \b
    Examples:
      onething plan bundles/birth.yaml
      onething plan bundles/birth.yaml --answers answers.yaml --format json
    """
    from onething.manifest import dumps
    from onething.views import plan_text

    m = _compile_one(bundle, catalog, select_, answers)
    if fmt == "json":
        click.echo(dumps({"plan": m.plan.model_dump(mode="json", exclude_none=True),
                          "metrics": m.metrics.model_dump(mode="json")}), nl=False)
    else:
        click.echo(plan_text(m), nl=False)


@main.command(name="graph")
@_with_bundle_options
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True)
def graph_cmd(bundle: Path, select_: str | None, answers: Path | None, catalog: Path | None, fmt: str) -> None:
    """Emit a bundle's dependency graph: items grouped by department, materials on the edges.

    \b
    Examples:
      onething graph bundles/birth.yaml > birth.mmd
      onething graph bundles/birth.yaml --format dot | dot -Tsvg > birth.svg
    """
    from onething.views import graph_dot, graph_mermaid

    m = _compile_one(bundle, catalog, select_, answers)
    click.echo(graph_mermaid(m) if fmt == "mermaid" else graph_dot(m), nl=False)


@main.command(name="test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--catalog", type=click.Path(path_type=Path, file_okay=False), help="Catalog folder.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-q", "--quiet", is_flag=True, help="Print failures only.")
def test_cmd(paths: tuple[Path, ...], catalog: Path | None, fmt: str, quiet: bool) -> None:
    """Run scenario tests: given a selection and answers, expect materials, fields, stages, days.

    \b
    PATHS are scenario files or folders (default: bundles/scenarios/).
    Exit status: 0 all pass, 1 a scenario failed or could not run, 2 usage problem.

    \b
    Examples:
      onething test
      onething test bundles/scenarios/birth.yaml
      onething test --format json | jq '.failed'
    """
    from onething.manifest import dumps
    from onething.project import Workspace
    from onething.scenarios import find_scenario_files, render_outcome, run_file

    targets = list(paths) or [Path("bundles/scenarios")]
    for t in targets:
        if not t.exists():
            click.echo(f"error: path does not exist: {t}", err=True)
            sys.exit(EXIT_USAGE)
    files = find_scenario_files(targets)
    ws = Workspace()
    runs = [run_file(ws, f, catalog) for f in files]
    outcomes = [o for r in runs for o in r.outcomes]
    load_errors = [d for r in runs for d in r.diagnostics if d.is_error]
    passed = sum(o.passed for o in outcomes)
    failed = len(outcomes) - passed
    if fmt == "json":
        click.echo(dumps({
            "passed": passed, "failed": failed,
            "errors": [d.to_json() for d in load_errors],
            "scenarios": [{"name": o.scenario.name, "bundle": o.scenario.bundle, "location": str(o.location),
                           "passed": o.passed, "failures": o.failures,
                           "errors": [d.to_json() for d in o.errors]} for o in outcomes],
        }), nl=False)
    else:
        for d in load_errors:
            click.echo(d.render())
        for o in outcomes:
            if not quiet or not o.passed:
                click.echo(render_outcome(o))
        click.echo(f"scenarios: {passed} passed, {failed} failed" + (f", {len(load_errors)} file error(s)" if load_errors else ""))
    ok = failed == 0 and not load_errors and (outcomes or not files)
    if not outcomes and not load_errors:
        click.echo("no scenarios found", err=True)
        sys.exit(EXIT_ERRORS)
    sys.exit(EXIT_OK if ok else EXIT_ERRORS)


@main.command(name="report")
@click.argument("bundles_dir", required=False, type=click.Path(path_type=Path), default=Path("bundles"))
@click.option("--format", "fmt", type=click.Choice(["md", "json", "csv"]), default="md", show_default=True)
@click.option("--catalog", type=click.Path(path_type=Path, file_okay=False), help="Catalog folder.")
def report_cmd(bundles_dir: Path, fmt: str, catalog: Path | None) -> None:
    """One row per bundle: items, departments, stages, completeness, suppressed lints, savings.

    \b
    Examples:
      onething report                                  # Markdown table of bundles/
      onething report bundles --format md > docs/bundles.md
      onething report bundles --format csv > bundles.csv
    """
    from onething.discovery import UsageError
    from onething.report import report_csv, report_json, report_md, row

    try:
        sources, diags = _find_sources((bundles_dir,), catalog)
    except UsageError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    rows = []
    failed = has_errors(diags)
    for _source, result in compile_sources(sources, None, None):
        if result.manifest is None or has_errors(result.diagnostics):
            failed = True
            diags.extend(result.diagnostics)
            continue
        rows.append(row(result.manifest))
    rows.sort(key=lambda r: r["bundle"])
    if failed:  # no partial report: a pipeline writing it to a file must not commit half a table
        _emit_diagnostics([d for d in diags if d.is_error], "text", err=True)
        sys.exit(EXIT_ERRORS)
    click.echo({"md": report_md, "json": report_json, "csv": report_csv}[fmt](rows), nl=False)
    sys.exit(EXIT_OK)
