"""`onething report`: standard-element coverage over all items and the list the departments confirm."""

from __future__ import annotations

from pathlib import Path

from compile_support import cli, cli_json

CATALOG = """\
departments:
  - {id: police, name: {zh: 公安局, en: Police}}
  - {id: civil, name: {zh: 民政局, en: Civil affairs}}
items:
  - id: register
    code: "000107001000"
    name: {zh: 登记, en: Register}
    type: 行政确认
    department: police
    legal_basis: 户口登记条例
    time_limit: {statutory: 20, statutory_unit: working_days}
    fee: {amount: 0, basis: 行政许可法第五十八条}
    sources:
      - {title: 户口登记条例, issuer: 全国人民代表大会常务委员会, date: "1958-01-09", origin: national}
  - id: record
    name: {zh: 备案, en: Record}
    department: civil
"""

BUNDLE_A = """\
bundle: a
version: "1"
title: {zh: 甲, en: A}
lead: police
items:
  - use: register
  - use: record
"""

# b restates record's legal basis and names a source for it: b's use is sourced, a's is not
BUNDLE_B = """\
bundle: b
version: "1"
title: {zh: 乙, en: B}
lead: civil
items:
  - use: record
    legal_basis: 某条例
    sources:
      - {title: 某条例, origin: national}
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    (tmp_path / "a.yaml").write_text(BUNDLE_A, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(BUNDLE_B, encoding="utf-8")
    return tmp_path


def test_coverage_counts_each_use_of_an_item_and_unknowns_merge_per_item(tmp_path: Path) -> None:
    data = cli_json("report", str(_project(tmp_path)), "--format", "json")
    cov = {r["element"]: r for r in data["coverage"]}
    # three uses: a/register, a/record, b/record
    assert {r["items"] for r in cov.values()} == {3}
    assert (cov["legal_basis"]["filled"], cov["legal_basis"]["share"], cov["legal_basis"]["target"]) == (2, 0.667, 0.95)
    assert (cov["sources"]["filled"], cov["sources"]["target"]) == (2, 1.0)
    assert (cov["statutory_limit"]["filled"], cov["fee"]["filled"], cov["fee_basis"]["filled"]) == (1, 1, 1)
    assert cov["code"]["filled"] == 1 and cov["code"]["target"] is None
    by_item = {e["item"]: e for e in data["to_confirm"]}
    # record: legal basis and source known in b, not in a — still to confirm for the item as a whole
    assert by_item["record"]["bundles"] == ["a", "b"]
    assert by_item["record"]["department"] == "civil"
    assert "legal_basis" in by_item["record"]["missing"] and "sources" in by_item["record"]["missing"]
    assert by_item["record"]["missing"][:2] == ["code", "type"]  # in the order of the standard elements
    assert "code" not in by_item["register"]["missing"] and "sources" not in by_item["register"]["missing"]
    assert [e["department"] for e in data["to_confirm"]] == ["civil", "police"]


def test_markdown_marks_targets_not_met_and_lists_unknowns_by_department(tmp_path: Path) -> None:
    md = cli("report", str(_project(tmp_path))).stdout.splitlines()
    assert "| `legal_basis` | 2 | 3 | 67% ⚠ | 95% |" in md
    assert "| `name` | 3 | 3 | 100% |  |" in md
    assert "## To be confirmed by the departments (待部门确认)" in md
    [row] = [line for line in md if line.startswith("| `police` | `register` |")]
    assert row == ("| `police` | `register` | 登记 | acceptance_conditions, service_object, result, result_sample, "
                   "materials, process, handling_form, review_standard, scope |")


def test_csv_keeps_one_row_per_bundle(tmp_path: Path) -> None:
    lines = cli("report", str(_project(tmp_path)), "--format", "csv").stdout.splitlines()
    assert len(lines) == 3 and not any("coverage" in line or "to_confirm" in line for line in lines)


def test_an_item_name_cannot_break_the_departments_table(tmp_path: Path) -> None:
    project = _project(tmp_path)
    catalog = project / "catalog" / "catalog.yaml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("{zh: 备案, en: Record}",
                                                                   '{zh: "备案|<b>", en: Record}'), encoding="utf-8")
    md = cli("report", str(project)).stdout.splitlines()
    [row] = [line for line in md if line.startswith("| `civil` | `record` |")]
    assert "| 备案\\|&lt;b&gt; |" in row
