"""docs/runtime.md stays true to the code: tables, statuses, the calendar example, the overlay format."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from onething.runtime.calendar import _DAY_KEYS, _TOP_KEYS
from onething.runtime.store.tables import CASE_STATUSES, STEP_STATUSES, metadata

TEXT = (Path(__file__).resolve().parent.parent / "docs" / "runtime.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = TEXT.index(f"\n{title}\n")
    end = TEXT.find("\n#", start + 1)
    return TEXT[start:end if end != -1 else None]


def test_the_tables_table_lists_every_table():
    listed = re.findall(r"^\| `([a-z_]+)` \|", _section("### Tables"), re.M)
    assert set(listed) == set(metadata.tables) | {"alembic_version"}


def test_the_statuses_are_the_stores():
    section = _section("### Tables")
    case_text = section[section.index("Case statuses"):section.index("Step statuses")]
    assert re.findall(r"`([a-z_]+)`", case_text) == list(CASE_STATUSES)
    step_text = section[section.index("Step statuses"):]
    assert re.findall(r"`([a-z_]+)`", step_text.split("\n\n")[0]) == list(STEP_STATUSES)


def test_the_calendar_example_runs_and_says_what_it_gives():
    block = re.search(r"```python\n(from datetime import date\n.*?)```", TEXT, re.S).group(1)
    namespace: dict = {}
    exec(compile(block, "docs/runtime.md", "exec"), namespace)
    assert namespace["due"].date == date(2026, 10, 8)
    assert namespace["due"].warnings == ()


def test_the_overlay_format_shows_every_key():
    block = _section("### Calendar overlays")
    example = re.search(r"```yaml\n(.*?)```", block, re.S).group(1)
    shown = set(re.findall(r"^\s*(?:- )?([a-z_]+):", example, re.M))
    assert set(_TOP_KEYS) | set(_DAY_KEYS) <= shown


def test_the_config_example_loads_and_shows_every_key(tmp_path):
    from onething.runtime.config import _TOP, ADAPTER_KEYS, load_config

    block = _section("## Adapters and the config file")
    example = re.search(r"```yaml\n(.*?)```", block, re.S).group(1)
    (tmp_path / "runtime.yaml").write_text(example, encoding="utf-8")
    config = load_config(tmp_path / "runtime.yaml")
    assert config.adapter_kind("tax") == "python" and config.adapter_kind("cdc") == "manual"
    assert config.retry.delay(3).total_seconds() == 120
    shown = set(re.findall(r"([a-z_]+):", example))
    assert set(_TOP) | {k for keys in ADAPTER_KEYS.values() for k in keys} - {"headers"} <= shown
    listed = re.findall(r"^\| `([a-z]+)` \|", block, re.M)
    assert listed == list(ADAPTER_KEYS)[1:] + ["manual"]


DEPLOY = (Path(__file__).resolve().parent.parent / "docs" / "deploy.md").read_text(encoding="utf-8")


def test_every_command_and_option_deploy_md_shows_exists():
    from click.testing import CliRunner

    from onething.cli.main import main

    shown = re.findall(r"(?:\$ |`|bin/)onething ((?:store |audit )?[a-z]+)((?: [^\n`]*)?)", DEPLOY)
    assert {"work", "store migrate", "store status", "audit head", "audit verify"} <= {c for c, _ in shown}
    for command, rest in shown:
        result = CliRunner().invoke(main, [*command.split(), "--help"])
        assert result.exit_code == 0, command
        help_text = result.output
        for option in re.findall(r"(--[a-z-]+)", rest):
            assert option in help_text, f"onething {command} has no {option}"
