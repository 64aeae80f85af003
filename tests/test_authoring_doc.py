"""docs/authoring.md tells the truth.

- The tutorial is literate: every ```yaml block whose first line is ``# file: PATH`` is written
  to PATH (in a temporary folder, in the order of the page), and every ``$ onething ...`` line
  of a ```console block is run there; its output must be exactly the lines shown under it.
- The reference's key tables (each after a ``<!-- keys: Model -->`` marker) list exactly the
  keys of the models — nothing missing, nothing invented — with the allowed values of every
  choice, "required" exactly for the keys without a default, and the defaults.
- Links inside the page point at headings that exist.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from onething.dsl.models import bundle as mb
from onething.dsl.models import bundle_facts as mfacts
from onething.dsl.models import catalog as mc
from onething.dsl.models import common as mcommon
from onething.dsl.models import provenance as mprov

DOC = Path(__file__).resolve().parent.parent / "docs" / "authoring.md"
TEXT = DOC.read_text(encoding="utf-8")

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def _blocks() -> list[tuple[str, str]]:
    return [(m[1], m[2]) for m in _FENCE.finditer(TEXT)]


# ---------------------------------------------------------------- the tutorial runs


def _steps() -> list[tuple[str, str, str]]:
    """('file', path, content) and ('run', command, expected output), in page order."""
    steps: list[tuple[str, str, str]] = []
    for lang, body in _blocks():
        first = body.split("\n", 1)[0]
        if lang == "yaml" and first.startswith("# file: "):
            steps.append(("file", first[len("# file: "):].strip(), body))
        elif lang == "console":
            command, expected = None, []
            for line in body.splitlines():
                if line.startswith("$ "):
                    if command:
                        steps.append(("run", command, "\n".join(expected)))
                    command, expected = line[2:], []
                elif command is not None:
                    expected.append(line)
            if command:
                steps.append(("run", command, "\n".join(expected)))
    return steps


def test_the_page_has_a_tutorial_with_real_output() -> None:
    steps = _steps()
    runs = [s for s in steps if s[0] == "run" and s[1].startswith("onething ")]
    assert len([s for s in steps if s[0] == "file"]) >= 6
    assert len(runs) >= 4
    assert any("error E" in expected for _, _, expected in runs), "the tutorial shows an error"


def test_tutorial_commands_print_what_the_page_shows(tmp_path: Path) -> None:
    for kind, what, content in _steps():
        if kind == "file":
            path = tmp_path / what
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            continue
        argv = shlex.split(what)
        if argv[0] != "onething":
            continue  # e.g. `mkdir`: the files above create their folders
        proc = subprocess.run(
            [sys.executable, "-m", "onething", *argv[1:]], cwd=tmp_path, capture_output=True, text=True,
            encoding="utf-8", timeout=60, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
        shown = (proc.stdout + proc.stderr).rstrip("\n")
        assert "Traceback" not in shown
        assert shown == content, f"`{what}` printed:\n{shown}\n\nbut docs/authoring.md shows:\n{content}"
        expected_status = 1 if re.search(r"^\S+: (?:error|错误) E", content, re.M) else 0
        assert proc.returncode == expected_status, what


# ---------------------------------------------------------------- the key tables


def _own_fields(model: type[BaseModel], base: type[BaseModel] | None = None) -> dict[str, typing.Any]:
    fields = dict(model.model_fields)
    if base is not None:
        for name in base.model_fields:
            fields.pop(name)
    return fields


MODELS: dict[str, dict[str, typing.Any]] = {
    "CatalogFile": _own_fields(mc.CatalogFile),
    "Department": _own_fields(mc.Department),
    "SectionDef": _own_fields(mc.SectionDef),
    "FieldDef": _own_fields(mc.FieldDef),
    "Option": _own_fields(mc.Option),
    "Repeat": _own_fields(mc.Repeat),
    "MaterialDef": _own_fields(mc.MaterialDef),
    "ItemDef": _own_fields(mc.ItemDef),
    "TimeLimit": _own_fields(mc.TimeLimit),
    "SpecialProcedure": _own_fields(mc.SpecialProcedure),
    "Fee": _own_fields(mc.Fee),
    "Appointment": _own_fields(mc.Appointment),
    "Result": _own_fields(mc.Result),
    "FieldUse": _own_fields(mc._FieldUse),
    "MaterialUse": _own_fields(mc._MaterialUse),
    "Tolerated": _own_fields(mc.Tolerated),
    "Commitment": _own_fields(mc.Commitment),
    "Bundle": _own_fields(mb.Bundle),
    "Window": _own_fields(mb.Window),
    "Question": _own_fields(mb.Question),
    "BundleItem": _own_fields(mb.BundleItem, mc.ItemBody),  # the item keys are in ItemDef's table
    "Suppression": _own_fields(mcommon.Suppression),
    # facts about the bundle itself and provenance (issue 8 §2)
    "Assistance": _own_fields(mfacts.Assistance),
    "BundleRequirements": _own_fields(mfacts.BundleRequirements),
    "Published": _own_fields(mfacts.Published),
    "PublishedFigure": _own_fields(mfacts.PublishedFigure),
    "PublishedDays": _own_fields(mfacts.PublishedDays, mfacts.PublishedFigure),
    "NoTolerance": _own_fields(mfacts.NoTolerance),
    "Source": _own_fields(mprov.Source),
}


def _tables() -> dict[str, list[list[str]]]:
    tables: dict[str, list[list[str]]] = {}
    for m in re.finditer(r"<!-- keys: (\w+) -->\n((?:\|.*\n)+)", TEXT):
        rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in m[2].splitlines()]
        assert m[1] not in tables, f"two tables for {m[1]}"
        tables[m[1]] = [r for r in rows[2:]]  # skip the header and the --- line
    return tables


TABLES = _tables()


def test_every_model_has_a_table() -> None:
    assert set(TABLES) == set(MODELS)


def _literals(annotation: typing.Any) -> set[str]:
    """The allowed values of a choice (Literal), looking inside Optional, list and Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return {str(a) for a in typing.get_args(annotation)}
    out: set[str] = set()
    for arg in typing.get_args(annotation):
        if not isinstance(arg, (str, int, float)) or isinstance(arg, bool):
            out |= _literals(arg)
    return out


@pytest.mark.parametrize("model", sorted(MODELS))
def test_table_lists_exactly_the_models_keys(model: str) -> None:
    rows = TABLES[model]
    documented = [re.fullmatch(r"`(\w+)`", r[0]) for r in rows]
    assert all(documented), f"{model}: a first column that is not a `key`"
    keys = [d[1] for d in documented if d]
    assert len(keys) == len(set(keys)), f"{model}: a key listed twice"
    fields = MODELS[model]
    assert set(keys) == set(fields), (
        f"{model}: missing {sorted(set(fields) - set(keys))}, invented {sorted(set(keys) - set(fields))}"
    )
    for row in rows:
        key = row[0].strip("`")
        info = fields[key]
        line = " | ".join(row)
        for value in _literals(info.annotation):
            assert f"`{value}`" in line, f"{model}.{key}: the allowed value {value!r} is not listed"
        if len(row) < 5:
            continue  # the CatalogFile table has no default column
        default_cell = row[3]
        if info.is_required():
            assert default_cell.startswith("required"), f"{model}.{key} is required"
            continue
        assert "required" not in default_cell, f"{model}.{key} has a default"
        default = info.default
        if isinstance(default, bool):
            assert f"`{str(default).lower()}`" in default_cell, f"{model}.{key} defaults to {default}"
        elif isinstance(default, (int, str)):
            assert f"`{default}`" in default_cell, f"{model}.{key} defaults to {default!r}"
        elif default == []:
            assert "`[]`" in default_cell, f"{model}.{key} defaults to []"


def test_every_key_has_a_chinese_term() -> None:
    for model, rows in TABLES.items():
        for row in rows:
            assert re.search(r"[\u4e00-\u9fff]", row[1]), f"{model}.{row[0]}: no 中文 term"


# ---------------------------------------------------------------- links


def _slug(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_internal_links_point_at_headings() -> None:
    without_code = _FENCE.sub("", TEXT)
    anchors = {_slug(h) for h in re.findall(r"^#+ (.*)$", without_code, re.M)}
    links = re.findall(r"\]\(#([^)]+)\)", TEXT)
    assert links
    assert not [link for link in links if link not in anchors], sorted(anchors)


def test_links_to_other_docs_exist() -> None:
    for target in re.findall(r"\]\(([\w./-]+\.md)\)", TEXT):
        assert (DOC.parent / target).exists(), target
