"""`onething schema` and `onething codes`: the published JSON Schemas and diagnostic codes."""

from __future__ import annotations

import json

import click


@click.command()
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
    from onething.compiler.schemas import schema_text

    click.echo(schema_text(kind), nl=False)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True)
def codes(fmt: str) -> None:
    """List every diagnostic code with its severity, meaning and usual fix.

    \b
    Examples:
      onething codes
      onething codes --format md > docs/diagnostics.md
    """
    from onething.dsl.diagnostics import REGISTRY, registry_markdown
    from onething.dsl.i18n import current_language, set_language

    if fmt == "md":
        # docs/diagnostics.md is English whatever the locale; only an explicit --lang changes it
        root = click.get_current_context().find_root()
        chosen = root.get_parameter_source("lang") is click.core.ParameterSource.COMMANDLINE
        shown = current_language()
        set_language(shown if chosen else "en")
        click.echo(registry_markdown(), nl=False)
        set_language(shown)
    elif fmt == "json":
        click.echo(json.dumps([
            {"code": c.code, "severity": c.severity.value, "title": c.local_title, "fix": c.local_fix,
             "needs_answers": c.needs_answers}
            for c in REGISTRY.values()], ensure_ascii=False, indent=2))
    else:
        for c in REGISTRY.values():
            click.echo(f"{c.code}  {c.severity.value:<7}  {c.local_title}")


