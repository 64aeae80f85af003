"""Resolving a bundle against its catalog: where reference and condition errors point."""

from __future__ import annotations

from pathlib import Path

from onething.compiler.workspace import Workspace
from onething.dsl.discovery import BundleSource

CATALOG = """\
departments:
  - id: health
    name: {zh: 卫生健康委员会, en: Health Commission}
fields:
  - key: child.name
    label: {zh: 新生儿姓名, en: Child's name}
    type: string
materials:
  - id: birth_medical_certificate
    name: {zh: 出生医学证明, en: Medical birth certificate}
    issued_by: health
    e_certificate: true
items:
  - id: demo_item
    name: {zh: 测试事项, en: Test item}
    type: 公共服务
    department: health
"""

HEAD = """\
bundle: demo
version: "1"
title: {zh: 测试, en: Test}
lead: health
questions:
  - key: parent
    label: {zh: 由谁申请, en: Which parent applies}
    type: enum
    options:
      - {value: mother, label: {zh: 母亲, en: The mother}}
      - {value: father, label: {zh: 父亲, en: The father}}
"""


def check(tmp_path: Path, bundle: str, catalog: str = CATALOG) -> list[tuple[str, str]]:
    (tmp_path / "catalog").mkdir(exist_ok=True)
    (tmp_path / "catalog" / "catalog.yaml").write_text(catalog, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(bundle, encoding="utf-8")
    ws = Workspace()
    loaded = ws.load_bundle(BundleSource(tmp_path / "b.yaml", "b.yaml", tmp_path / "catalog"))
    diags = loaded.diagnostics + ws.catalog(tmp_path / "catalog").diagnostics
    return sorted({(d.code, str(d.location).replace(str(tmp_path) + "/", "")) for d in diags})


def test_a_reference_in_mapping_form_points_at_the_id(tmp_path: Path) -> None:
    bundle = HEAD + """\
items:
  - use: demo_item
    fields:
      - {key: child.nmae, required: false}
    materials:
      - {ref: birth_medical_certifcate, when: "parent == 'father'"}
"""
    assert check(tmp_path, bundle) == [("E202", "b.yaml:15:15"), ("E203", "b.yaml:17:15")]


def test_a_condition_error_points_inside_the_quoted_condition(tmp_path: Path) -> None:
    bundle = HEAD + """\
items:
  - use: demo_item
    when: "parent == 'father' and parent.real"
  - use: other
    when: parent == 'father' and parent.real
"""
    catalog = CATALOG + """\
  - id: other
    name: {zh: 其他事项, en: Other item}
    type: 公共服务
    department: health
"""
    # column of `parent.real`: quoted, the value starts one column after the quote
    assert check(tmp_path, bundle, catalog) == [("E303", "b.yaml:14:35"), ("E303", "b.yaml:16:34")]


def test_an_invalid_catalog_item_is_reported_once_not_as_unknown_in_bundles(tmp_path: Path) -> None:
    catalog = CATALOG.replace("    department: health\n", "    department: health\n    visit: 1\n")
    bundle = HEAD + "items:\n  - use: demo_item\n"
    assert check(tmp_path, bundle, catalog) == [("E101", "catalog/catalog.yaml:18:5")]


def test_an_invalid_catalog_field_is_reported_once_not_as_unknown_where_used(tmp_path: Path) -> None:
    """A misspelt key in a field entry (max_lenght) is one E101, not an E202 with a wrong
    did-you-mean at every item, group and bundle that uses the field."""
    catalog = CATALOG.replace("    type: string\n", (
        "    type: string\n    max_lenght: 60\n"
        "  - key: child.all\n    label: {zh: 新生儿, en: Child}\n    type: group\n    fields: [child.name]\n"
    )).replace("    department: health\n", "    department: health\n    fields: [child.name]\n")
    bundle = HEAD + "requires:\n  fields: [child.name]\nitems:\n  - use: demo_item\n    fields: [child.name]\n"
    diags = check(tmp_path, bundle, catalog)
    assert [c for c, _ in diags] == ["E101"], diags


def test_an_invalid_catalog_department_is_reported_once_not_as_unknown_where_used(tmp_path: Path) -> None:
    catalog = CATALOG.replace("    name: {zh: 卫生健康委员会, en: Health Commission}\n",
                              "    name: {zh: 卫生健康委员会, en: Health Commission}\n    adress: x\n")
    bundle = HEAD + "cooperating: [health]\nitems:\n  - use: demo_item\n    partners: [health]\n"
    diags = check(tmp_path, bundle, catalog)
    assert [c for c, _ in diags] == ["E101"], diags


def test_an_unknown_item_is_still_unknown(tmp_path: Path) -> None:
    bundle = HEAD + "items:\n  - use: demo_iten\n"
    assert check(tmp_path, bundle) == [("E204", "b.yaml:13:10")]


def test_conditions_of_catalog_items_are_checked_against_the_bundles_questions(tmp_path: Path) -> None:
    catalog = CATALOG.replace(
        "    department: health\n",
        "    department: health\n    materials:\n      - {ref: birth_medical_certificate, when: \"parnet == 'father'\"}\n",
    )
    bundle = HEAD + "items:\n  - use: demo_item\n"
    assert check(tmp_path, bundle, catalog) == [("E302", "catalog/catalog.yaml:19:49")]


def test_shape_errors_do_not_hide_reference_errors_of_the_same_file(tmp_path):
    """Every error of a bundle in one run: the parts that validate still get reference checks."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    good = Path(__file__).resolve().parent / "fixtures" / "good"
    shutil.copytree(good / "catalog", tmp_path / "catalog")
    (tmp_path / "mixed.yaml").write_text(
        "bundle: mixed\n"
        "version: 2023.10\n"                      # E105 (shape)
        "title: {zh: 混合, en: Mixed}\n"
        "lead: healht\n"                          # E201 (reference)
        "items:\n"
        "  - use: birth_certificate_isue\n"       # E204 (reference)
        "  - use: hukou_birth_registration\n"
        "    visits: many\n",                     # E102 (shape) drops this row only
        encoding="utf-8",
    )
    r = subprocess.run([sys.executable, "-m", "onething", "validate", "mixed.yaml"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    heads = [line.split(": ", 2)[:2] for line in r.stdout.splitlines() if not line.startswith(" ")]
    assert heads == [
        ["mixed.yaml:2:10", "error E105"],
        ["mixed.yaml:4:7", "error E201"],
        ["mixed.yaml:6:10", "error E204"],
        ["mixed.yaml:8:13", "error E102"],
    ]
    assert "did you mean 'health'?" in r.stdout and "did you mean 'birth_certificate_issue'?" in r.stdout
