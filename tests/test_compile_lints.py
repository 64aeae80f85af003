"""Lints W601–W605 and suppressions, on tests/fixtures/compile/lints/ (and suppressed/).

The lints fixture's catalog is written so that each lint fires once where it should and
stays quiet where the rule says it must (special procedures, partners with 5 steps,
produced/generated/institution-issued materials).
"""

from __future__ import annotations

import pytest
from compile_support import FIXTURES, compile_case, line_of, manifest

from onething.compiler.form import normalise_label

CATALOG = FIXTURES / "lints" / "catalog" / "catalog.yaml"
BUNDLE = FIXTURES / "lints" / "lints.yaml"


def _diags(m, code):
    return [d for d in m.diagnostics if d.code == code]


def test_the_lints_fixture_reports_exactly_these():
    m = manifest("lints")
    got = [(d.code, d.location["line"], d.suppressed) for d in m.diagnostics]
    assert got == [
        ("W601", line_of(CATALOG, "label: {zh: 申请人姓名"), "the applicant and the full name differ for companies"),
        ("W601", line_of(CATALOG, "label: {zh: ＩＤ 号码"), None),
        ("W604", line_of(CATALOG, "- id: gov_paper"), None),
        ("W604", line_of(CATALOG, "e_certificate: false"), "the paper original is kept on file by law"),
        ("W602", line_of(CATALOG, "steps: [受理, 审核, 决定, 办结]"), None),
        ("W603", line_of(CATALOG, "steps: [受理, 审查, 核查, 会商, 决定, 办结]"), "joint approval reviewed with the bank"),
        ("W605", line_of(CATALOG, "- {code: W604, reason: kept from before"), None),
        ("W602", line_of(CATALOG, "steps: [受理, 审核, 复核, 办结]"), "复核 is required by the regulation"),
    ]
    assert all(d.location["file"] == "catalog/catalog.yaml" for d in m.diagnostics)
    assert all(d.severity == "warning" for d in m.diagnostics)


# ---------------------------------------------------------------- W601


@pytest.mark.parametrize("a, b", [
    ("申请人姓名", "申请人 （姓名）"),       # whitespace, full-width brackets
    ("申请人姓名", "申请人(姓名)"),
    ("ＩＤ 号码", "id号码"),                 # full-width letters, case
    ("联系电话：", "联系电话"),              # full-width colon
    ("Phone No.", "phone no"),
])
def test_labels_equal_after_normalising(a, b):
    assert normalise_label(a) == normalise_label(b)


@pytest.mark.parametrize("a, b", [("联系电话", "联系手机"), ("母亲姓名", "父亲姓名")])
def test_different_labels_stay_different(a, b):
    assert normalise_label(a) != normalise_label(b)


def test_w601_names_both_fields_and_both_locations():
    unsuppressed = [d for d in _diags(manifest("lints"), "W601") if not d.suppressed]
    [d] = unsuppressed
    assert d.message == ("fields 'applicant.id_no', 'applicant.id_code' have the same label 'ＩＤ 号码': "
                         "probably the same question asked twice")
    assert d.location == {"file": "catalog/catalog.yaml", "line": line_of(CATALOG, "label: {zh: ＩＤ 号码"), "col": 12}
    assert d.related == [f"catalog/catalog.yaml:{line_of(CATALOG, 'label: {zh: id号码')}:12"]


def test_w601_is_not_reported_for_distinct_labels():
    messages = " ".join(d.message for d in _diags(manifest("lints"), "W601"))
    assert "applicant.phone" not in messages and "applicant.mobile" not in messages


# ---------------------------------------------------------------- W602 / W603


def test_w602_counts_steps_but_not_declared_special_procedures():
    ds = _diags(manifest("lints"), "W602")
    assert [d.message for d in ds] == [
        "item 'one' has 4 steps (受理、审核、决定、办结); an item takes at most 3",
        "item 'five' has 4 steps (受理、审核、复核、办结); an item takes at most 3",
    ]
    # item two has 受理、审核、现场勘验、办结 with 现场勘验 declared as a special procedure
    assert not any("'two'" in d.message for d in ds)


def test_w603_joint_approval_above_five_steps_only():
    [d] = _diags(manifest("lints"), "W603")
    assert d.message == ("item 'three' has 6 steps (受理、审查、核查、会商、决定、办结); "
                         "a joint approval (with partners) takes at most 5")
    # item four: partners and 5 steps is within the limit, and is not a W602 either
    assert not any("'four'" in d.message for d in manifest("lints").diagnostics)


# ---------------------------------------------------------------- W604


def test_w604_for_government_issued_papers_only():
    ds = _diags(manifest("lints"), "W604")
    assert [d.message.split("'")[1] for d in ds] == ["gov_paper", "gov_paper2"]
    assert ds[0].message == ("material 'gov_paper' is issued by gov but is not shared as an electronic certificate: "
                             "the applicant must bring a government-issued paper (免证办 target)")
    # not for: inst_paper (an institution issues it), gov_form (generated from the combined form),
    # gov_output (produced by item one upstream), e_paper (an e-certificate)


def test_w604_points_at_e_certificate_when_written_else_at_the_id():
    ds = _diags(manifest("lints"), "W604")
    assert ds[0].location["line"] == line_of(CATALOG, "- id: gov_paper")
    assert ds[1].location["line"] == line_of(CATALOG, "e_certificate: false")


def test_w604_comes_back_when_the_producer_is_not_selected():
    m = manifest("producers", select=[])
    assert [d.message.split("'")[1] for d in _diags(m, "W604")] == ["cert_a", "cert_b", "cert_c"]
    assert [d.message.split("'")[1] for d in _diags(manifest("producers"), "W604")] == ["cert_b", "cert_c"]


# ---------------------------------------------------------------- suppressions and W605


def test_suppressions_at_bundle_item_and_material_level_carry_their_reason():
    reasons = {(d.code, d.message.split("'")[1]): d.suppressed
               for d in manifest("lints").diagnostics if d.code != "W605"}
    assert reasons[("W603", "three")] == "joint approval reviewed with the bank"              # bundle level
    assert reasons[("W602", "five")] == "复核 is required by the regulation"                  # bundle item entry
    assert reasons[("W601", "applicant.name")] == "the applicant and the full name differ for companies"  # catalog item
    assert reasons[("W604", "gov_paper2")] == "the paper original is kept on file by law"    # material use
    assert reasons[("W602", "one")] is None and reasons[("W604", "gov_paper")] is None


def test_a_suppressed_lint_is_not_an_error_and_renders_its_reason():
    result = compile_case("lints")
    assert result.ok
    [d] = [d for d in result.diagnostics if d.code == "W603"]
    assert not d.is_error
    assert d.render().splitlines()[0].endswith("warning (suppressed) W603: " + d.message)
    assert "    reason: joint approval reviewed with the bank" in d.render()


def test_w605_names_the_unused_suppression():
    [d] = _diags(manifest("lints"), "W605")
    assert d.message == "suppression of W604 silences nothing here"
    assert d.location["line"] == line_of(CATALOG, "- {code: W604, reason: kept from before")


def test_w605_only_on_a_full_compile():
    # a partial compile cannot tell an unused suppression from one whose item is left out
    assert _diags(manifest("lints", select=[]), "W605") == []
    assert _diags(manifest("producers", answers={"q": True}), "W605") == []


def test_the_suppression_nearest_the_lint_wins_and_a_redundant_blanket_one_is_w605(tmp_path):
    import shutil

    from onething.compiler import compile_bundle
    from onething.compiler.workspace import Workspace
    from onething.dsl.discovery import BundleSource

    shutil.copytree(FIXTURES / "suppressed", tmp_path / "s")
    path = tmp_path / "s" / "suppressed.yaml"
    path.write_text(path.read_text(encoding="utf-8")
                    + "suppress:\n  - {code: W602, reason: reviewed for the whole bundle}\n", encoding="utf-8")
    loaded = Workspace().load_bundle(BundleSource(path, "suppressed.yaml", tmp_path / "s" / "catalog"))
    m = compile_bundle(loaded.resolved, path).manifest
    [w602] = _diags(m, "W602")
    assert w602.suppressed == "复核 is required by the regulation"  # the item's own, not the blanket one
    [w605] = _diags(m, "W605")
    assert w605.message == "suppression of W602 silences nothing here"
    assert w605.location["line"] == line_of(path, "reviewed for the whole bundle")


def test_every_lint_suppressed():
    m = manifest("suppressed")
    assert [(d.code, d.suppressed) for d in m.diagnostics] == [
        ("W604", "the paper is not yet shared by the issuer"),
        ("W602", "复核 is required by the regulation"),
    ]
