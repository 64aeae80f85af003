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
    from onething.compiler.manifest import dumps

    m = compile_one(bundle, catalog, select_, answers, fmt, verbose)
    if fmt == "json":
        click.echo(dumps({"plan": m.plan.model_dump(mode="json", exclude_none=True),
                          "metrics": m.metrics.model_dump(mode="json", exclude_none=True)}), nl=False)
    else:
        from onething.views.escape import terminal_safe_data
        from onething.views.plan_table import plan_renderables

        # the author's text without terminal control sequences; rich adds its own styles after
        m = type(m).model_validate(terminal_safe_data(m.model_dump(mode="json", exclude_none=True)))
        click.echo(render(plan_renderables(m, width())), nl=False)


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


