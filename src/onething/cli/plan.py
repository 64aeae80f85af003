"""`onething plan` and `onething graph`: one bundle's dispatch plan as a table or a graph."""

from __future__ import annotations

from pathlib import Path

import click

from onething.cli.common import (
    compile_one,
    with_bundle_options,
)


@click.command(name="plan")
@with_bundle_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def plan_cmd(bundle: Path, select_: str | None, answers: Path | None, catalog: Path | None, verbose: bool,
             fmt: str) -> None:
    """Show a bundle's dispatch plan: stages, departments, time limits and the savings.

    \b
    The table fits the terminal's width (100 display cells when piped); optional items are
    marked, and conditions are shown in words with the questions' labels.

    \b
    Examples:
      onething plan bundles/birth.yaml
      onething plan bundles/birth.yaml --answers answers.yaml --format json
    """
    from onething.cli.terminal import render, width

    if fmt == "json":
        from onething.compiler.manifest import dumps

        m = compile_one(bundle, catalog, select_, answers, fmt, verbose)
        click.echo(dumps({"plan": m.plan.model_dump(mode="json", exclude_none=True),
                          "metrics": m.metrics.model_dump(mode="json", exclude_none=True)}), nl=False)
        return
    from onething.compiler import manifest_cache
    from onething.views.escape import terminal_safe_data

    # the author's text without terminal control sequences; rich adds its own styles after
    place = _cache_slot(bundle, catalog, select_, answers)
    m = _replayed(manifest_cache.read(place)) if place is not None else None
    if m is None:  # compiled (and kept for the next run of the same inputs)
        compiled = compile_one(bundle, catalog, select_, answers, fmt, verbose)
        data = compiled.model_dump(mode="json", exclude_none=True)
        if place is not None:
            manifest_cache.write(place, data)
        m = type(compiled).model_validate(terminal_safe_data(data))
    from onething.views.plan_table import plan_renderables

    click.echo(render(plan_renderables(m, width())), nl=False)


def _cache_slot(bundle: Path, catalog: Path | None, select_: str | None, answers: Path | None):
    """Where the manifest of these inputs is cached (manifest_cache), or None: compile as always."""
    from onething.cli.common import find_sources, split_select
    from onething.compiler import manifest_cache
    from onething.dsl.discovery import UsageError

    if not bundle.is_file() or (answers is not None and not answers.is_file()):
        return None  # compile_one says what is wrong
    try:
        sources, diags = find_sources((bundle,), catalog)
    except UsageError:
        return None
    if len(sources) != 1 or diags:
        return None
    return manifest_cache.slot(sources[0], split_select(select_), answers)


def _replayed(data: object):
    """The Manifest of cached data, as the table reads it; None when there is none or it does not validate."""
    if data is None:
        return None
    from pydantic import ValidationError

    from onething.compiler.manifest import Manifest
    from onething.views.escape import terminal_safe_data

    try:
        return Manifest.model_validate(terminal_safe_data(data))
    except (ValidationError, RecursionError):
        return None


@click.command(name="graph")
@with_bundle_options
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True)
def graph_cmd(bundle: Path, select_: str | None, answers: Path | None, catalog: Path | None, verbose: bool,
              fmt: str) -> None:
    """Emit a bundle's dependency graph: items grouped by department, materials on the edges.

    \b
    Examples:
      onething graph bundles/birth.yaml > birth.mmd
      onething graph bundles/birth.yaml --format dot | dot -Tsvg > birth.svg
    """
    from onething.views.plan_graph import graph_dot, graph_mermaid

    m = compile_one(bundle, catalog, select_, answers, verbose=verbose)
    click.echo(graph_mermaid(m) if fmt == "mermaid" else graph_dot(m), nl=False)


