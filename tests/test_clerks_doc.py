"""docs/clerks.md stays true: its commands run, its options exist, its answers-check example is real."""

from __future__ import annotations

import re
import shlex
import shutil

import click
import pytest
from render_support import RENDER, ROOT, run

from onething.cli.main import main

TEXT = (ROOT / "docs" / "clerks.md").read_text(encoding="utf-8")
COMMANDS = [line[2:].split("#")[0].strip() for block in re.findall(r"```console\n(.*?)```", TEXT, re.S)
            for line in block.splitlines() if line.startswith("$ onething ")]
SITUATION = ("applicant_parent: father\nparents_married: true\nhukou_follows: father\njoins_other_household: false\n"
             "ethnicities_differ: true\nmother_employee_insured: true\n")


def test_window_md_is_replaced():
    assert not (ROOT / "docs" / "window.md").exists()
    assert "docs/clerks.md" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_of_the_guide_runs(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "bundles", tmp_path / "bundles")
    (tmp_path / "answers.yaml").write_text(SITUATION, encoding="utf-8")
    args = shlex.split(command)[1:]
    if ">" in args:
        args = args[: args.index(">")]
    result = run(*args)
    expected = (0, 1) if args[:2] == ["answers", "check"] else (0,)
    assert result.exit_code in expected, result.output


def test_the_options_table_names_real_options():
    listed = re.findall(r"^\| `(--?[a-z-]+)", TEXT, re.M)
    assert listed
    for name in ("form", "sheet", "packet"):
        command = main.commands[name]
        opts = {o for p in command.params if isinstance(p, click.Option) for o in p.opts}
        assert set(listed) <= opts, name


def test_the_answers_check_example_is_what_the_command_prints(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(RENDER / "birth_answers_bad.yaml", tmp_path / "answers.yaml")
    result = run("answers", "check", ROOT / "bundles" / "birth.yaml", "answers.yaml")
    assert result.exit_code == 1
    block = TEXT.split("onething answers check bundles/birth.yaml answers.yaml")[1]
    shown = re.search(r"```text\n(.*?)```", block, re.S).group(1).splitlines()
    printed = result.output.splitlines()
    positions = [printed.index(line) for line in shown]
    assert positions == sorted(positions)


def test_the_screenshots_the_guide_shows_exist():
    text = (ROOT / "docs" / "clerks.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]+\]\((img/[^)]+\.png)\)", text)
    assert len(images) == 3
    for image in images:
        data = (ROOT / "docs" / image).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", image
