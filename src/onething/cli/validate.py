"""`onething validate`: check bundles and their catalog without compiling."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from onething.cli.common import (
    EXIT_ERRORS,
    EXIT_OK,
    EXIT_USAGE,
    VERBOSE,
    emit_diagnostics,
)
from onething.dsl.diagnostics import Diagnostic, has_errors, make
from onething.dsl.i18n import _

if TYPE_CHECKING:
    from onething.compiler.checkstate import Checked
    from onething.compiler.workspace import Workspace
    from onething.dsl.discovery import BundleSource
    from onething.dsl.source import Location


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--catalog", type=click.Path(path_type=Path, file_okay=False),
              help="Catalog folder (default: catalog/ beside each bundle).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@VERBOSE
def validate(paths: tuple[Path, ...], catalog: Path | None, fmt: str, verbose: bool) -> None:
    """Check bundle files and their catalog; print every problem with file:line:col.

    \b
    PATHS are bundle files, folders of bundles (default: bundles/), catalog files (their
    whole catalog folder is checked) or scenario files. A folder's scenarios/ are checked
    too. Every check that needs no answers runs: references, conditions, dependency and
    group cycles, lints (W6xx) and the names scenarios use.
    Exit status: 0 no errors, 1 errors found, 2 usage problem.

    \b
    Examples:
      onething validate                       # everything under bundles/
      onething validate bundles/birth.yaml
      onething validate bundles/catalog/fields.yaml
      onething validate --format json bundles/ | jq '.[].code'
    """
    from onething.cli.terminal import progress
    from onething.dsl.discovery import (
        UsageError,
        duplicate_bundle,
        file_kind,
        find_bundles,
        project_path,
        resolved,
    )

    workspace: Workspace | None = None

    def ws() -> Workspace:  # imported and made only when something is loaded (not on replay)
        nonlocal workspace
        if workspace is None:
            from onething.compiler.workspace import Workspace

            workspace = Workspace(remember_bundles=True)
        return workspace

    bundle_paths: list[Path] = []
    catalog_dirs: list[Path] = []
    scenario_files: list[Path] = []
    for p in list(paths) or [project_path("bundles")]:
        kind = file_kind(p) if p.is_file() else None
        if kind == "catalog":
            catalog_dirs.append(catalog or p.parent)
        elif kind == "scenarios":
            scenario_files.append(p)
        else:
            bundle_paths.append(p)
            if p.is_dir() and (p / "scenarios").is_dir():
                from onething.compiler.scenarios import find_scenario_files

                scenario_files += find_scenario_files([p / "scenarios"])
    try:
        if catalog is not None and not catalog.is_dir():
            raise UsageError(_("catalog folder does not exist: {catalog}").format(catalog=catalog))
        sources, diags = find_bundles(bundle_paths, catalog) if bundle_paths else ([], [])
    except UsageError as exc:
        click.echo(_("error: {problem}").format(problem=exc), err=True)
        sys.exit(EXIT_USAGE)
    for folder in catalog_dirs:
        diags.extend(ws().catalog(folder).diagnostics)
    if scenario_files:
        from onething.compiler.scenarios import check_file

        for f in scenario_files:
            diags.extend(check_file(ws(), f, catalog))
    from onething.compiler.checkstate import check_state, stamp

    # an unchanged bundle on an unchanged catalog: its last check replayed (checkstate.py)
    state = check_state(Path.cwd()) if sources else None
    catalog_keys: dict[Path, str | None] = {}
    catalogs_seen: set[Path] = {resolved(d) for d in catalog_dirs}
    owners: dict[str, BundleSource] = {}
    for source in progress(sources, _("validate")):
        key = stamp(source, catalog_keys) if state is not None else None
        checked = state.fresh(source, key) if state is not None else None
        if checked is None:
            checked = _check(ws(), source)
            if state is not None:
                state.record(source, key, checked.bundle_id, checked.diagnostics, checked.catalog_diagnostics)
        diags.extend(checked.diagnostics)
        if checked.bundle_id is not None:  # two files with one bundle id: an error naming both
            first = owners.setdefault(checked.bundle_id, source)
            if first is not source:
                diags.append(duplicate_bundle(checked.bundle_id, source, first))
        folder = resolved(source.catalog_dir)
        if folder not in catalogs_seen and source.catalog_dir.is_dir():
            catalogs_seen.add(folder)
            diags.extend(checked.catalog_diagnostics)
    if state is not None and state.changed:
        state.write()
    if fmt == "text":  # what was found: a file skipped by the scan would show in these counts
        from onething.dsl.discovery import catalog_files

        n_catalog = sum(len(catalog_files(d)) for d in catalogs_seen)
        click.echo(_("found {b} bundle file(s), {c} catalog file(s), {s} scenario file(s)").format(
            b=len(sources), c=n_catalog, s=len(scenario_files)), err=True)
    emit_diagnostics(diags, fmt, verbose=verbose)
    sys.exit(EXIT_ERRORS if has_errors(diags) else EXIT_OK)




def _check(ws: Workspace, source: BundleSource) -> Checked:
    """Load, resolve and check one bundle: its diagnostics, its id, its catalog's diagnostics."""
    from onething.compiler.checkstate import Checked

    loaded = ws.load_bundle(source)
    diags = list(loaded.diagnostics)
    bundle_id = None
    if loaded.resolved is not None:
        bundle_id = loaded.resolved.bundle.bundle
        diags.extend(named_after_id(source, bundle_id, loaded.resolved.entry.loc("bundle")))
        if not has_errors(loaded.diagnostics):
            from onething.compiler.pipeline import (
                check_bundle,  # only now: the manifest models
            )

            diags.extend(check_bundle(loaded.resolved))
    catalog = ws.catalog(source.catalog_dir).diagnostics if source.catalog_dir.is_dir() else []
    return Checked(bundle_id, diags, list(catalog))


def named_after_id(source: BundleSource, ident: str, loc: Location) -> list[Diagnostic]:
    """W607: scenarios, manifests (<id>.json) and readers find a bundle by its id, so the file carries it."""
    if source.path.stem == ident:
        return []
    return [make("W607", _("bundle {id!r} is in file {file!r}; name the file {expected!r}").format(
        id=ident, file=source.path.name, expected=f"{ident}{source.path.suffix}"), loc,
        _("rename the file (and update links to it), or change `bundle:` if the id is the mistake"))]
