"""`onething --help` and every subcommand's `--help` show examples."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from onething.cli.main import main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for name, cmd in sorted(group.commands.items()):
        out.append(prefix + (name,))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, prefix + (name,)))
    return out


COMMANDS = _commands(main)


def test_there_are_subcommands() -> None:
    assert {("validate",), ("schema",), ("codes",)} <= set(COMMANDS)


def test_top_level_help_runs_as_a_program() -> None:
    proc = subprocess.run([sys.executable, "-m", "onething", "--help"], capture_output=True, text=True,
                          encoding="utf-8", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Example" in proc.stdout
    for (name, *_) in COMMANDS:
        assert name in proc.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_subcommand_help_has_examples(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"], prog_name="onething")
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`onething {' '.join(command)} --help` shows no example"
    assert "Traceback" not in result.output
