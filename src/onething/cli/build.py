"""`onething build`: the service centre's site, every bundle's pages and one index, incrementally."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from onething.cli.common import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, compile_sources, find_sources
from onething.dsl.diagnostics import has_errors, sort_diagnostics
from onething.dsl.i18n import _

if TYPE_CHECKING:
    from onething.compiler.manifest import Manifest
    from onething.dsl.diagnostics import Diagnostic


@click.command(name="build")
@click.argument("bundles_dir", required=False, type=click.Path(path_type=Path, file_okay=False),
                default=Path("bundles"))
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False), default=Path("site"),
              show_default=True, help="Folder of the site (one sub-folder per bundle and index.html).")
@click.option("--labels", default="zh", show_default=True, metavar="LANG[+LANG]",
              help="Languages of the pages' labels: zh, en, zh+en or any language the labels carry.")
@click.option("--templates", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Folder of templates that override the shipped ones (same file names).")
@click.option("--catalog", type=click.Path(path_type=Path, file_okay=False),
              help="Catalog folder (default: catalog/ beside each bundle).")
@click.option("--force", is_flag=True, help="Rebuild every bundle, even those up to date.")
def build_cmd(bundles_dir: Path, output: Path, labels: str, templates: Path | None, catalog: Path | None,
              force: bool) -> None:
    """Build the service centre's site: every bundle's form, sheet, packets and graph, and an index.

    \b
    Per bundle, OUTPUT/<bundle>/ holds index.html (links and the dependency graph),
    manifest.json, form.html, form.schema.json, sheet.html, sheet.md, packets/<dept>.html
    and graph.svg (Graphviz's dot; without it the page shows the Mermaid text and a warning
    is printed). OUTPUT/index.html lists every bundle with its 32号 area, savings and
    completeness, with a search box that works offline. Like `compile -o`, a bundle whose
    inputs (bundle, catalog, templates, onething itself) are unchanged is not built again,
    and a file whose bytes would not change is not rewritten. Exit status: 0 ok, 1 errors
    (the other bundles are still built), 2 usage problem.

    \b
    Examples:
      onething build                          # bundles/ → site/
      onething build bundles -o public --labels zh+en
      onething build --templates my-forms/    # a centre's own templates
    """
    from onething.dsl.discovery import UsageError

    try:
        if not bundles_dir.is_dir():
            raise UsageError(_("bundles folder does not exist: {path}").format(path=bundles_dir))
        sources, diags = find_sources((bundles_dir,), catalog)
        langs = _parse_labels(labels)
    except UsageError as exc:
        click.echo(_("error: {message}").format(message=exc), err=True)
        sys.exit(EXIT_USAGE)

    import hashlib
    from importlib.metadata import version

    from onething.compiler.buildstate import fingerprint
    from onething.render import site

    graphviz = site.graphviz_version()
    template_dirs = ([templates] if templates else []) + [_shipped_templates()]
    extra = hashlib.sha256("\0".join([
        f"labels {'+'.join(langs)}", f"graphviz {graphviz}", f"jinja2 {version('jinja2')}",
        site.templates_digest(template_dirs),
    ]).encode()).hexdigest()
    state = site.SiteState.read(output)
    catalogs: dict[Path, bytes] = {}
    rows: dict[str, dict[str, Any]] = {}
    stamps: dict[str, str | None] = {}
    to_build = []
    for source in sources:
        stamp = fingerprint(source, None, None, catalogs)
        stamps[source.display] = None if stamp is None else f"{stamp}:{extra}"
        built = None if force else state.fresh(source.display, stamps[source.display])
        if built is None:
            to_build.append(source)
        else:
            rows[built.bundle_id] = built.row
            diags.extend(built.diagnostics)
    if graphviz is None and to_build:
        click.echo(_("warning: Graphviz's `dot` is not installed: dependency graphs are shown as Mermaid "
                     "text (install graphviz for pictures)"), err=True)

    from onething.cli.terminal import progress
    from onething.compiler.workspace import Workspace

    failed = has_errors(diags)
    written = 0
    ws = Workspace()  # one catalog load for all the bundles
    for source, result in (r for s in progress(to_build, _("building site")) for r in compile_sources([s], None, None, ws)):
        diags.extend(result.diagnostics)
        if result.manifest is None or has_errors(result.diagnostics):
            failed = True
            state.forget(source.display)
            continue
        m = result.manifest
        files = _bundle_files(m, langs, templates)
        folder = output / m.bundle.id
        try:
            written += sum(site.write_if_changed(folder / rel, text) for rel, text in files.items())
            old = state.files_of(source.display)
            if old is not None:
                old_id, old_files = old
                site.remove_stale(output / old_id, old_files, files if old_id == m.bundle.id else ())
        except OSError as exc:
            click.echo(_("error: cannot write {path}: {reason}").format(path=folder, reason=exc.strerror or exc),
                       err=True)
            sys.exit(EXIT_ERRORS)
        rows[m.bundle.id] = site.bundle_row(m.model_dump(mode="json"))
        state.record(source.display, stamps[source.display], m.bundle.id, files, rows[m.bundle.id],
                     result.diagnostics)

    # bundles built before whose file is gone: their folders go too (files onething wrote only)
    present = {s.display for s in sources}
    for gone in sorted(set(state.entries) - present):
        old = state.files_of(gone)
        if old is not None:
            site.remove_stale(output / old[0], old[1], ())
        state.forget(gone)

    try:
        written += site.write_if_changed(output / "index.html", site.index_html(rows.values(), templates))
    except OSError as exc:
        click.echo(_("error: cannot write {path}: {reason}").format(path=output / "index.html",
                                                                   reason=exc.strerror or exc), err=True)
        sys.exit(EXIT_ERRORS)
    if state.changed:
        state.write()  # after the files: a run cut short leaves bundles out of date, never wrongly fresh
    _report(diags)
    click.echo(_("built {built} bundle(s), {fresh} up to date, {written} file(s) written; open {index}").format(
        built=len(to_build), fresh=len(sources) - len(to_build), written=written,
        index=output / "index.html"), err=True)
    sys.exit(EXIT_ERRORS if failed else EXIT_OK)


def _parse_labels(value: str) -> tuple[str, ...]:
    from onething.dsl.discovery import UsageError
    from onething.render.labels import parse_labels

    try:
        return parse_labels(value)
    except ValueError:
        raise UsageError(_("--labels takes language codes joined by +, e.g. zh+en (got {value!r})").format(
            value=value)) from None


def _shipped_templates() -> Path:
    from onething.render.env import default_templates

    return default_templates()


def _bundle_files(m: Manifest, langs: tuple[str, ...], templates: Path | None) -> dict[str, str]:
    """Every file of the bundle's folder: its pages from the renderers, the graph from the views."""
    from onething.render import site
    from onething.views.plan_graph import graph_dot, graph_mermaid

    data = m.model_dump(mode="json", exclude_none=True)
    dot = graph_dot(m)
    return site.bundle_files(data, m.to_json(), _pages(data, langs, templates), dot_text=dot,
                             mermaid_text=graph_mermaid(m), svg=site.graph_svg(dot), templates=templates)


def _pages(data: dict[str, Any], langs: tuple[str, ...], templates: Path | None) -> dict[str, str]:
    """The bundle's blank form, its JSON Schema, the sheet and a packet per department."""
    import json

    from onething.render.form import FormOptions, render_form_html
    from onething.render.labels import Labels
    from onething.render.packet import PacketOptions, departments, render_packet
    from onething.render.schema import form_schema
    from onething.render.sheet import SheetOptions, render_sheet

    labels = Labels(langs)
    pages = {
        "form.html": render_form_html(data, FormOptions(labels=labels, templates=templates)),
        "form.schema.json": json.dumps(form_schema(data), ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        "sheet.html": render_sheet(data, "html", SheetOptions(labels=labels, templates=templates)),
        "sheet.md": render_sheet(data, "md", SheetOptions(labels=labels, templates=templates)),
    }
    for dept in departments(data):
        pages[f"packets/{dept}.html"] = render_packet(data, dept, "html",
                                                      PacketOptions(labels=labels, templates=templates))
    return pages


def _report(diags: list[Diagnostic]) -> None:
    """Errors in full; warnings counted (`onething validate` shows them), never dropped silently."""
    warnings = 0
    for d in sort_diagnostics(diags):
        if d.is_error:
            click.echo(d.render(), err=True)
        elif not d.suppressed:
            warnings += 1
    if warnings:
        click.echo(_("{n} warning(s) in the bundles; `onething validate` shows them").format(n=warnings), err=True)
