"""The compile rules one by one, on the small fixtures under tests/fixtures/compile/.

core/       five items over four departments: form merge, every material status, stages,
            critical path with a calendar-day limit, metrics (exact figures)
producers/  which producer waives a material (unselected, conditional, not upstream)
cycle/      a dependency cycle through `needs` and produced materials (E502)
"""

from __future__ import annotations

import pytest
from compile_support import FIXTURES, compile_case, form_fields, line_of, manifest, materials

from onething.compiler.digraph import DiGraph
from onething.compiler.metrics import STANDARD_ELEMENTS, item_completeness
from onething.compiler.plan import Graph, critical_path, known_working_days, working_days
from onething.dsl.models.catalog import ItemDef, TimeLimit

# ---------------------------------------------------------------- selection


def test_full_compile_selects_every_item_and_leaves_conditions_undecided():
    m = manifest("core")
    assert m.selection.items == ["issue_cert", "register", "insure", "card", "benefit"]
    assert m.selection.optional_chosen == ["card"]
    assert m.selection.excluded == []
    assert m.selection.answers == {}
    assert m.selection.undecided == ["employed", "married"]
    assert m.plan.steps["benefit"].when == "employed"
    assert m.plan.steps["card"].optional is True and m.plan.steps["card"].when is None


def test_an_unselected_optional_item_and_a_false_condition_exclude_items():
    m = manifest("core", select=[], answers={"employed": False})
    assert m.selection.items == ["issue_cert", "register", "insure"]
    assert [(e.id, e.reason) for e in m.selection.excluded] == [
        ("card", "not_selected"), ("benefit", "condition_false")]
    assert m.selection.answers == {"employed": False}
    assert m.selection.undecided == ["married"]


def test_a_true_condition_keeps_the_item_without_a_condition():
    m = manifest("core", answers={"employed": True, "married": False})
    assert "benefit" in m.selection.items
    assert m.plan.steps["benefit"].when is None
    assert m.selection.undecided == []


@pytest.mark.parametrize("chosen, expected", [
    (["nosuch"], "--select names 'nosuch', which is not an item of bundle 'core'"),
    (["register"], "--select names 'register', which is not optional (it is always included)"),
])
def test_select_of_an_unknown_or_mandatory_item_is_e503(chosen, expected):
    result = compile_case("core", select=chosen)
    assert result.manifest is None and not result.ok
    [d] = [d for d in result.diagnostics if d.code == "E503"]
    assert d.message == expected
    assert d.hint == "optional items: card"


def test_a_misspelt_select_gets_a_did_you_mean_as_in_a_scenario():
    """`--select crad` is a typo of the optional item `card`: the hint names it, as the
    scenario's `select:` check does, rather than the list to search."""
    result = compile_case("core", select=["crad"])
    [d] = [d for d in result.diagnostics if d.code == "E503"]
    assert d.hint == "did you mean 'card'?"


# ---------------------------------------------------------------- form merge


def test_form_sections_in_catalog_order_with_fields_in_first_use_order():
    m = manifest("core")
    assert [(s.id, [f.key for f in s.fields]) for s in m.form.sections] == [
        ("situation", ["married", "employed", "category"]),
        ("applicant", ["applicant.phone"]),
        ("child", ["child.name", "child.birth_date"]),
        ("mother", ["mother.name", "mother.id_number", "mother.employer"]),
        ("insured", ["insured.category"]),
        ("bank", ["bank.account"]),
    ]
    assert m.form.sections[2].title == {"zh": "子女信息", "en": "Child"}


def test_fields_merge_by_key_required_if_any_item_requires_them():
    f = form_fields(manifest("core"))
    assert f["child.name"].used_by == ["issue_cert", "register", "insure", "card"]
    assert f["child.name"].required is True
    # register asks it optionally, insure requires it
    assert f["applicant.phone"].used_by == ["register", "insure"]
    assert f["applicant.phone"].required is True
    # both card and benefit ask it optionally
    assert f["bank.account"].used_by == ["card", "benefit"]
    assert f["bank.account"].required is False
    assert f["mother.id_number"].sensitive is True
    assert [o.value for o in f["insured.category"].options] == ["resident", "student"]


def test_the_situation_section_holds_the_questions():
    situation = manifest("core").form.sections[0]
    assert situation.id == "situation"
    assert [(f.key, f.type, f.used_by) for f in situation.fields] == [
        ("married", "boolean", []), ("employed", "boolean", []), ("category", "enum", [])]


def test_a_field_only_a_conditional_item_asks_carries_the_condition():
    f = form_fields(manifest("core"))
    assert f["mother.employer"].when == "employed"
    # also asked by an unconditional item: no condition
    assert f["mother.id_number"].when is None
    assert "mother.employer" not in form_fields(manifest("core", answers={"employed": False}))
    assert form_fields(manifest("core", answers={"employed": True}))["mother.employer"].when is None


def test_each_step_gets_only_the_fields_and_materials_its_item_declares():
    step = manifest("core").plan.steps["register"]
    assert step.inputs.fields == ["child.name", "mother.id_number", "applicant.phone"]
    assert step.inputs.materials == ["reg_form", "birth_cert", "id_card", "household_book", "marriage_cert"]
    assert step.inputs.upstream == {"issue_cert": ["birth_cert"]}
    assert step.outputs == ["hukou_entry"]
    assert step.department == "police"
    assert step.needs == ["issue_cert"]
    # a decided-false material condition drops the input
    step = manifest("core", answers={"married": False}).plan.steps["register"]
    assert "marriage_cert" not in step.inputs.materials


# ---------------------------------------------------------------- materials


def _status_table(m):
    return [(x.id, x.status, x.reason, x.waived_by, x.required_by) for x in m.materials]


def test_every_material_once_with_its_status_and_reason():
    assert _status_table(manifest("core")) == [
        ("hospital_record", "submit", None, None, ["issue_cert"]),
        ("id_card", "submit", None, None, ["issue_cert", "register", "insure"]),
        ("reg_form", "waived", "generated", "combined_form", ["register"]),
        ("birth_cert", "waived", "produced", "issue_cert", ["register", "benefit"]),
        ("household_book", "submit", None, None, ["register"]),
        ("marriage_cert", "waived", "e_certificate", "civil", ["register"]),
        ("hukou_entry", "waived", "produced", "register", ["insure"]),
        ("residence_proof", "tolerated", None, None, ["insure"]),
        # insure accepts a commitment, benefit does not: the applicant brings it
        ("income_statement", "submit", None, None, ["insure", "benefit"]),
        ("bank_card", "submit", None, None, ["card"]),
    ]


def test_in_person_is_never_waived_by_an_e_certificate():
    id_card = materials(manifest("core"))["id_card"]
    assert id_card.status == "submit" and id_card.in_person is True and id_card.reason is None


def test_e_certificates_are_not_waived_when_the_bundle_does_not_share_them(tmp_path):
    import shutil

    case = tmp_path / "core"
    shutil.copytree(FIXTURES / "core", case)
    text = (case / "core.yaml").read_text(encoding="utf-8")
    (case / "core.yaml").write_text(text.replace("lead: health\n", "lead: health\ne_certificate_sharing: false\n"),
                                    encoding="utf-8")
    from onething.compiler import compile_bundle
    from onething.compiler.workspace import Workspace
    from onething.dsl.discovery import BundleSource

    loaded = Workspace().load_bundle(BundleSource(case / "core.yaml", "core.yaml", case / "catalog"))
    m = compile_bundle(loaded.resolved, case / "core.yaml").manifest
    mats = materials(m)
    assert mats["marriage_cert"].status == "submit"
    # produced and generated waivers do not depend on sharing
    assert (mats["birth_cert"].reason, mats["reg_form"].reason) == ("produced", "generated")


def test_tolerated_and_commitment_statuses():
    mats = materials(manifest("core", answers={"employed": False}))
    assert mats["residence_proof"].status == "tolerated"
    assert mats["residence_proof"].tolerated.model_dump() == {"supplement_days": 5, "unit": "working_days"}
    # benefit (which wants the statement itself) is out: insure's commitment stands
    assert mats["income_statement"].status == "commitment"
    assert mats["income_statement"].commitment.text == {"zh": "本人承诺收入情况属实", "en": "I declare the income is true"}
    assert mats["income_statement"].commitment.consequence == {
        "zh": "承诺不实的，撤销参保登记并依法追究责任", "en": "A false commitment voids the enrolment and is pursued by law"}
    assert mats["income_statement"].required_by == ["insure"]


def test_originals_once_and_copies_the_most_any_item_needs():
    mats = materials(manifest("core"))
    # catalog: 1 original, 1 copy; issue_cert 1 copy, register the material's, insure 2 copies
    assert (mats["id_card"].originals, mats["id_card"].copies) == (1, 2)
    # neither the material nor a requirement gives a number: unknown, never a default
    assert (mats["household_book"].originals, mats["household_book"].copies) == (1, None)
    assert (mats["bank_card"].originals, mats["bank_card"].copies) == (None, 0)


def test_a_material_condition_is_kept_or_decided():
    assert materials(manifest("core"))["marriage_cert"].when == "married"
    assert "marriage_cert" not in materials(manifest("core", answers={"married": False}))
    assert materials(manifest("core", answers={"married": True}))["marriage_cert"].when is None


# ---------------------------------------------------------------- producers


def test_a_selected_unconditional_upstream_producer_waives():
    mats = materials(manifest("producers"))
    assert (mats["cert_a"].status, mats["cert_a"].reason, mats["cert_a"].waived_by) == ("waived", "produced", "make_a")


def test_an_unselected_producer_waives_nothing():
    m = manifest("producers", select=[])
    assert materials(m)["cert_a"].status == "submit"
    assert "make_a" not in m.plan.steps
    assert m.plan.steps["use_a"].needs == []


def test_a_conditional_producer_waives_nothing_for_an_unconditional_consumer():
    m = manifest("producers")
    assert materials(m)["cert_b"].status == "submit"
    # the edge stays: if maybe_b runs, use_b waits for it
    assert m.plan.steps["use_b"].needs == ["maybe_b"]


def test_a_producer_decided_by_the_answers_waives_or_drops_out():
    mats = materials(manifest("producers", answers={"q": True}))
    assert (mats["cert_b"].status, mats["cert_b"].waived_by) == ("waived", "maybe_b")
    m = manifest("producers", answers={"q": False})
    assert materials(m)["cert_b"].status == "submit"
    assert "maybe_b" not in m.selection.items


def test_a_conditional_producer_waives_for_consumers_that_need_it_only_under_its_condition():
    # maybe_b (when q) produces cert_d; when_b (when q) and use_d ({ref: cert_d, when: q}) need it
    cert_d = materials(manifest("producers"))["cert_d"]
    assert (cert_d.status, cert_d.reason, cert_d.waived_by) == ("waived", "produced", "maybe_b")
    assert (cert_d.required_by, cert_d.when) == (["when_b", "use_d"], "q")
    assert materials(manifest("producers", answers={"q": True}))["cert_d"].when is None
    assert "cert_d" not in materials(manifest("producers", answers={"q": False}))


def test_an_e_certificate_shown_in_person_under_a_condition_is_asked_under_that_condition():
    # use_a takes the e-certificate; use_c wants the card shown in person when q
    ecard = materials(manifest("producers"))["ecard"]
    assert (ecard.status, ecard.in_person, ecard.when, ecard.required_by) == ("submit", True, "q", ["use_a", "use_c"])
    ecard = materials(manifest("producers", answers={"q": True}))["ecard"]
    assert (ecard.status, ecard.in_person, ecard.when) == ("submit", True, None)
    ecard = materials(manifest("producers", answers={"q": False}))["ecard"]
    assert (ecard.status, ecard.reason, ecard.waived_by, ecard.required_by) == (
        "waived", "e_certificate", "gov", ["use_a"])


def test_a_producer_that_is_not_upstream_of_every_consumer_waives_nothing():
    # renew needs cert_c itself before it issues a new one
    m = manifest("producers")
    cert_c = materials(m)["cert_c"]
    assert cert_c.status == "submit" and cert_c.required_by == ["renew", "use_c"]
    assert m.plan.steps["use_c"].needs == ["renew"]


# ---------------------------------------------------------------- plan


def test_stages_edges_and_critical_path():
    plan = manifest("core").plan
    assert plan.stages == [["issue_cert"], ["register", "benefit"], ["insure", "card"]]
    assert [tuple(e) for e in plan.edges] == [
        ("issue_cert", "register", "birth_cert"),
        ("issue_cert", "benefit", "birth_cert"),
        ("register", "insure", "hukou_entry"),
        ("register", "card", "needs"),
    ]
    # 5 + 10 + 11 (15 calendar days) = 26 beats issue_cert → benefit = 5 + 20
    assert plan.critical_path == ["issue_cert", "register", "insure"]
    assert plan.committed_days == 26
    assert {i: s.stage for i, s in plan.steps.items()} == {
        "issue_cert": 0, "register": 1, "benefit": 1, "insure": 2, "card": 2}


def test_calendar_days_convert_to_working_days_in_committed_days():
    tl = manifest("core").plan.steps["insure"].time_limit
    assert (tl.committed, tl.committed_unit, tl.committed_working_days) == (15, "calendar_days", 11)
    assert (tl.statutory, tl.statutory_unit) == (None, None)
    register = manifest("core").plan.steps["register"].time_limit
    assert (register.statutory, register.committed, register.committed_working_days) == (20, 10, 10)


WD, CD = "working_days", "calendar_days"


@pytest.mark.parametrize("limit, days", [
    (None, None),
    (TimeLimit(committed=0), 0),  # 即办: 0 in any unit
    (TimeLimit(committed=10, unit=WD), 10),
    (TimeLimit(statutory=20, unit=WD), 20),  # no committed limit: the statutory one
    (TimeLimit(statutory=20, committed=5, unit=WD), 5),
    (TimeLimit(committed=7, unit=CD), 5),
    (TimeLimit(committed=15, unit=CD), 11),  # 10.71 rounds up
    (TimeLimit(committed=1, unit=CD), 1),
    (TimeLimit(statutory=30, unit=CD), 22),
    # each limit with its own unit
    (TimeLimit(statutory=15, statutory_unit=CD, committed=3, committed_unit=WD), 3),
    (TimeLimit(statutory=14, statutory_unit=CD, committed=12), 10),  # committed unit unknown: statutory
    # a limit without a unit is not known in days: no default stands in for it
    (TimeLimit(committed=10), None),
    (TimeLimit(statutory=20, committed=5), None),
])
def test_working_days(limit, days):
    assert known_working_days(limit) == days
    assert working_days(limit) == (days or 0)


def test_a_unit_written_twice_differently_is_an_error():
    with pytest.raises(ValueError, match="committed_unit \\(working_days\\) contradicts unit \\(calendar_days\\)"):
        TimeLimit(committed=3, committed_unit=WD, unit=CD)


def _graph(edges, nodes):
    g = DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    return Graph(g, {n: i for i, n in enumerate(nodes)}, [], {}, [])


def test_critical_path_keeps_zero_day_items_on_the_path():
    gr = _graph([("a", "b"), ("b", "c")], ["a", "b", "c", "d"])
    assert critical_path(gr, {"a": 0, "b": 5, "c": 0, "d": 5}) == (["a", "b", "c"], 5)
    assert critical_path(gr, {"a": 0, "b": 0, "c": 0, "d": 0}) == (["a", "b", "c"], 0)


def test_critical_path_ties_go_to_the_first_item_in_the_bundle():
    gr = _graph([("a", "c"), ("b", "c")], ["a", "b", "c", "d"])
    assert critical_path(gr, {"a": 3, "b": 3, "c": 1, "d": 4}) == (["a", "c"], 4)
    assert critical_path(_graph([], []), {}) == ([], 0)


def test_special_procedures_are_listed_apart_and_not_counted():
    m = manifest("core")
    [sp] = m.plan.special_procedures
    assert (sp.item, sp.name["zh"], sp.days, sp.unit) == ("card", "制卡", 20, "working_days")
    assert m.plan.steps["card"].time_limit.committed_working_days == 0
    assert m.metrics.special_procedure_days == 20
    assert m.metrics.days.separate == 46  # 5 + 10 + 11 + 0 + 20: no 制卡 days


def test_a_cycle_is_e502_naming_the_cycle_and_each_edge():
    result = compile_case("cycle")
    assert result.manifest is None
    [d] = [d for d in result.diagnostics if d.code == "E502"]
    assert d.message == "dependency cycle: a → b → c → a [a → b (mat_a); b → c (mat_b); c → a (needs)]"
    catalog = FIXTURES / "cycle" / "catalog" / "catalog.yaml"
    bundle = FIXTURES / "cycle" / "cycle.yaml"
    where = [d.location, *d.related]
    # a → b: b lists mat_a; b → c: c lists mat_b; c → a: a's `needs: [c]` in the bundle
    assert [(loc.file.rsplit("/", 2)[-2:], loc.line) for loc in where] == [
        (["catalog", "catalog.yaml"], line_of(catalog, "materials: [mat_a]")),
        (["catalog", "catalog.yaml"], line_of(catalog, "materials: [mat_b]")),
        (["cycle", "cycle.yaml"], line_of(bundle, "needs: [c]")),
    ]
    assert "see also" in d.render() and d.render().count("\n    see also") == 2


# ---------------------------------------------------------------- metrics


def test_metrics_of_the_full_compile():
    mt = manifest("core").metrics
    figures = {name: (getattr(mt, name).separate, getattr(mt, name).bundled)
               for name in ("materials", "fields", "steps", "trips", "days")}
    assert figures == {
        # 2 + 5 + 4 + 1 + 2 asked → hospital_record, id_card, household_book,
        # residence_proof (tolerated), income_statement, bank_card brought
        "materials": (14, 6),
        # 3 + 3 + 3 + 2 + 4 → 8 unique (the situation's questions not counted)
        "fields": (15, 8),
        # 3 + 3 + 3 + 2 + (benefit declares none: 3) → one window
        "steps": (14, 1),
        # 1 + 2 + 1 + 1 + (benefit: 1) → one trip (not every item can be done online)
        "trips": (6, 1),
        # 5 + 10 + 11 + 0 + 20 → the critical path
        "days": (46, 26),
    }


def test_metrics_follow_the_selection_and_answers():
    mt = manifest("core", select=[], answers={"married": True, "employed": False}).metrics
    assert (mt.materials.separate, mt.materials.bundled) == (11, 4)  # the commitment is not brought
    assert (mt.fields.separate, mt.fields.bundled) == (9, 6)
    assert (mt.trips.separate, mt.trips.bundled) == (4, 1)
    assert (mt.days.separate, mt.days.bundled) == (26, 26)
    assert mt.special_procedure_days == 0


def test_completeness_per_item_and_bundle():
    m = manifest("core")
    register = m.completeness.items["register"]
    assert register.missing == ["acceptance_conditions", "result", "result_sample", "fee", "fee_basis",
                                "review_standard", "scope"]
    assert register.score == round(10 / 17, 3)
    filled = sum(len(STANDARD_ELEMENTS) - len(c.missing) for c in m.completeness.items.values())
    assert m.completeness.score == round(filled / (17 * 5), 3)
    full = ItemDef.model_validate({
        "id": "x", "code": "1", "name": {"zh": "x"}, "type": "公共服务", "department": "d", "legal_basis": "l",
        "acceptance_conditions": {"zh": "c"}, "service_object": ["natural_person"],
        "time_limit": {"statutory": 1, "statutory_unit": "calendar_days"},
        "result": {"name": {"zh": "r"}, "sample": "s"},
        "fee": {"amount": 0, "basis": "b"}, "materials": ["m"], "steps": ["受理"], "handling_form": ["window"],
        "review_standard": "r", "scope": "s"})
    assert item_completeness(full).model_dump() == {"score": 1.0, "missing": []}
    # unknown is not a default: a statutory limit without its unit, a fee line without its
    # amount, a charged line without its basis count as missing; a stated free line needs none
    def with_(**elements):
        return ItemDef.model_validate({**full.model_dump(exclude_none=True, mode="json"), **elements})

    assert item_completeness(with_(time_limit={"statutory": 1})).missing == ["statutory_limit"]
    assert item_completeness(with_(time_limit={"statutory": 0})).missing == []  # 即办 needs no unit
    assert item_completeness(with_(fee=[{"amount": 0}, {"amount": 80, "unit": "per_case"}])).missing == [
        "fee_basis"]
    assert item_completeness(with_(fee=[{"amount": 0}, {"unit": "per_case", "basis": "b"}])).missing == [
        "fee"]
    assert item_completeness(with_(fee=[{"amount": 0}])).missing == []  # stated free: no basis needed
