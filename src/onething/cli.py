"""Command-line interface: composable click commands over the pipeline stages."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from onething import __version__
from onething.diagnostics import Diagnostic, has_errors, sort_diagnostics
from onething.project import UsageError, Workspace, find_bundles

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _emit_diagnostics(diags: list[Diagnostic], fmt: str) -> None:
    diags = sort_diagnostics(diags)
    if fmt == "json":
        click.echo(json.dumps([d.to_json() for d in diags], ensure_ascii=False, indent=2))
        return
    for d in diags:
        click.echo(d.render())
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


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--catalog", type=click.Path(path_type=Path, file_okay=False),
              help="Catalog folder (default: catalog/ beside each bundle).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def validate(paths: tuple[Path, ...], catalog: Path | None, fmt: str) -> None:
    """Check bundle files and their catalog; print every problem with file:line:col.

    \b
    PATHS are bundle files or folders of bundles (default: bundles/).
    Exit status: 0 no errors, 1 errors found, 2 usage problem.

    \b
    Examples:
      onething validate                       # everything under bundles/
      onething validate bundles/birth.yaml
      onething validate --format json bundles/ | jq '.[].code'
    """
    ws = Workspace()
    try:
        if catalog is not None and not catalog.is_dir():
            raise UsageError(f"catalog folder does not exist: {catalog}")
        sources, diags = find_bundles(list(paths) or [Path("bundles")], catalog)
    except UsageError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    catalogs_seen: set[Path] = set()
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
