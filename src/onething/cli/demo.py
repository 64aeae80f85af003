"""`onething demo`: a birth case accepted and carried out end to end, in a temporary store."""

from __future__ import annotations

from pathlib import Path

import click

from onething.cli.runtime_common import runtime_errors


@click.command(name="demo")
@click.option("--dir", "folder", type=click.Path(path_type=Path, file_okay=False),
              help="Keep the store and notices here (default: a new temporary folder).")
@runtime_errors
def demo_cmd(folder: Path | None) -> None:
    """Submit a realistic birth case with simulated departments, run it to the end, print the timeline.

    \b
    Example:
      onething demo
    """
    from onething.runtime.demo import run_demo

    run_demo(folder, echo=click.echo)
