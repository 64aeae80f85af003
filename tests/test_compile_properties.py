"""Property tests: random small bundles and catalogs, compiled, checked against an oracle.

Each example writes a catalog, a bundle and an answers file to a temporary folder, loads
them the way the CLI does (Workspace), compiles, and checks:

- no duplicate field keys or material ids;
- the selected items are the ones the selection and the answers decide;
- every material each selected item needs is listed (submit / tolerated / commitment) or
  waived with a reason naming a selected upstream producer, the e-certificate sharing, or
  the combined form's generation — and a material is never waived without such a reason;
- every field each selected item asks is on the form, used_by that item;
- every dependency points to an earlier stage; committed days are the longest path;
- compiling twice gives identical bytes;
- the manifest contains no answer to a form field;
- a dependency cycle is E502 naming a cycle of real edges.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onething.compiler import compile_bundle
from onething.compiler.plan import MAX_CYCLES, working_days
from onething.compiler.workspace import Workspace
from onething.dsl.answers import read_answers
from onething.dsl.diagnostics import has_errors
from onething.dsl.discovery import BundleSource
from onething.dsl.models.catalog import TimeLimit

# ---------------------------------------------------------------- the condition pool and its oracle


def _and(*values: bool | None) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


CONDITIONS: dict[str, Any] = {
    "q1": lambda a: a.get("q1"),
    "not q1": lambda a: None if "q1" not in a else not a["q1"],
    "q2 == 'a'": lambda a: None if "q2" not in a else a["q2"] == "a",
    "q1 and q2 == 'b'": lambda a: _and(a.get("q1"), None if "q2" not in a else a["q2"] == "b"),
}
WHEN = st.one_of(st.none(), st.none(), st.sampled_from(sorted(CONDITIONS)))


def decide(when: str | None, answers: dict[str, Any]) -> bool | None:
    return True if when is None else CONDITIONS[when](answers)


# ---------------------------------------------------------------- generators

DEPARTMENTS = [
    {"id": "g1", "name": {"zh": "甲局", "en": "Bureau one"}},
    {"id": "g2", "name": {"zh": "乙局", "en": "Bureau two"}},
    {"id": "inst", "name": {"zh": "事业单位", "en": "Institution"}, "kind": "institution"},
]
SUBJECTS = ["applicant", "child", "property"]
FIELD_KEYS = [f"{s}.{n}" for s in SUBJECTS for n in ("name", "phone", "address")]
LABELS = ["姓名", "姓 名", "电话", "地址", "（地址）", "出生日期", "证件号码"]
STEPS = ["受理", "审核", "决定", "办结", "现场勘验"]
LEAK = "LEAKED-FIELD-VALUE"


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    fields = [
        {"key": key, "label": {"zh": draw(st.sampled_from(LABELS))}, "type": "string"}
        for key in draw(st.lists(st.sampled_from(FIELD_KEYS), min_size=1, max_size=6, unique=True))
    ]
    n_materials = draw(st.integers(1, 6))
    materials = []
    for k in range(n_materials):
        m: dict[str, Any] = {
            "id": f"m{k}", "name": {"zh": f"材料{k}"},
            "kind": draw(st.sampled_from(["certificate", "proof", "form", "id_document"])),
            "issued_by": draw(st.sampled_from(["g1", "g2", "inst", "applicant"])),
            "e_certificate": draw(st.sampled_from([False, False, True])),
        }
        # unknown is not a default: a material may leave its numbers and handling out
        for key, values in (("originals", st.integers(0, 2)), ("copies", st.integers(0, 2)),
                            ("original", st.sampled_from(["kept", "returned"]))):
            if draw(st.booleans()):
                m[key] = draw(values)
        if m.get("originals") == 0:
            m.pop("original", None)
        if m["kind"] == "form" and draw(st.booleans()):
            m["generated"] = False  # signed separately: not waived as generated
        materials.append(m)
    mids = [m["id"] for m in materials]
    n_items = draw(st.integers(1, 5))
    items = []
    for i in range(n_items):
        uses = []
        for mid in draw(st.lists(st.sampled_from(mids), max_size=4, unique=True)):
            use: dict[str, Any] = {"ref": mid}
            if (w := draw(WHEN)) is not None:
                use["when"] = w
            if draw(st.sampled_from([False, False, False, True])):
                use["in_person"] = True
            way = draw(st.sampled_from(["plain", "tolerated", "commitment"]))
            if way == "tolerated":
                use["tolerated"] = {"supplement_days": draw(st.integers(1, 9))}
            elif way == "commitment":
                use["commitment"] = {"text": {"zh": "承诺"}}
            if draw(st.booleans()):
                use["copies"] = draw(st.integers(0, 3))
            if draw(st.booleans()):
                use["originals"] = draw(st.integers(0, 2))
            if draw(st.booleans()) and use.get("originals") != 0:
                use["original"] = draw(st.sampled_from(["kept", "returned"]))
            uses.append(use)
        field_uses = []
        for f in draw(st.lists(st.sampled_from([f["key"] for f in fields]), max_size=4, unique=True)):
            fu: dict[str, Any] = {"key": f, "required": draw(st.booleans())}
            if (w := draw(WHEN)) is not None:
                fu["when"] = w
            field_uses.append(fu)
        unit = draw(st.sampled_from(["working_days", "calendar_days"]))
        item: dict[str, Any] = {
            "id": f"i{i}", "name": {"zh": f"事项{i}"}, "type": "公共服务",
            "department": draw(st.sampled_from(["g1", "g2", "inst"])),
            "time_limit": {"committed": draw(st.integers(0, 12)), "unit": unit},
            "steps": draw(st.lists(st.sampled_from(STEPS), min_size=1, max_size=5, unique=True)),
            "fields": field_uses,
            "materials": uses,
            "produces": draw(st.lists(st.sampled_from(mids), max_size=2, unique=True)),
        }
        if draw(st.booleans()):
            item["visits"] = draw(st.integers(0, 2))
        if draw(st.booleans()):
            item["handling_form"] = draw(st.sampled_from([["online"], ["window"], ["window", "online"]]))
        n_appointments = draw(st.integers(0, 2))
        if n_appointments:
            item["appointments"] = [{"kind": "assessment", "name": {"zh": f"评定{k}"}} for k in range(n_appointments)]
        items.append(item)
    bundle_items = []
    for i in range(n_items):
        bi: dict[str, Any] = {"use": f"i{i}"}
        if draw(st.booleans()):
            bi["optional"] = True
        if (w := draw(WHEN)) is not None:
            bi["when"] = w
        needs = draw(st.lists(st.sampled_from([f"i{j}" for j in range(i)]), max_size=2, unique=True)) if i else []
        if needs:
            bi["needs"] = needs
        bundle_items.append(bi)
    optional = [b["use"] for b in bundle_items if b.get("optional")]
    select = draw(st.one_of(st.none(), st.lists(st.sampled_from(optional), unique=True) if optional else st.just([])))
    # values only for the bundle's fields (of any item, selected or not): any other key is E208
    used = sorted({fu["key"] for it in items for fu in it["fields"]})
    answers: dict[str, Any] = {}
    if draw(st.booleans()):
        answers["q1"] = draw(st.booleans())
    if draw(st.booleans()):
        answers["q2"] = draw(st.sampled_from(["a", "b"]))
    return {
        "catalog": {
            "departments": DEPARTMENTS,
            "sections": [{"id": s, "title": {"zh": s, "en": s}} for s in SUBJECTS],
            "fields": fields, "materials": materials, "items": items,
        },
        "bundle": {
            "bundle": "gen", "version": "1", "title": {"zh": "生成", "en": "Generated"}, "lead": "g1",
            "e_certificate_sharing": draw(st.booleans()),
            "questions": [
                {"key": "q1", "label": {"zh": "问一"}},
                {"key": "q2", "label": {"zh": "问二"}, "type": "enum",
                 "options": [{"value": "a", "label": {"zh": "甲"}}, {"value": "b", "label": {"zh": "乙"}}]},
            ],
            "items": bundle_items,
        },
        "select": select,
        # the applicant's file also carries form field values: they must never reach the manifest
        "answers": {**answers, **{key: f"{LEAK}-{n}" for n, key in enumerate(used)}},
        "question_answers": answers,
    }


def _write(folder: Path, spec: dict[str, Any]) -> Path:
    (folder / "catalog").mkdir()
    dump = lambda data: yaml.safe_dump(data, allow_unicode=True, sort_keys=False)  # noqa: E731
    (folder / "catalog" / "catalog.yaml").write_text(dump(spec["catalog"]), encoding="utf-8")
    (folder / "answers.yaml").write_text(dump(spec["answers"]), encoding="utf-8")
    path = folder / "gen.yaml"
    path.write_text(dump(spec["bundle"]), encoding="utf-8")
    return path


def _compile(path: Path, spec: dict[str, Any]):
    ws = Workspace()
    loaded = ws.load_bundle(BundleSource(path, path.name, path.parent / "catalog"))
    catalog_errors = [d.render() for d in ws.catalog(path.parent / "catalog").diagnostics if d.is_error]
    assert not catalog_errors and loaded.resolved is not None, catalog_errors + [d.render() for d in loaded.diagnostics]
    rb = loaded.resolved
    answers, diags = read_answers(path.parent / "answers.yaml", "answers.yaml", rb.questions, rb.field_keys(),
                                  rb.bundle.bundle)
    assert not diags, [d.render() for d in diags]
    assert answers == spec["question_answers"]
    return compile_bundle(loaded.resolved, path, spec["select"], answers)


def _simple_cycles(edges: set[tuple[str, str]], order: list[str]) -> set[tuple[str, ...]]:
    """Each elementary cycle once, starting at its first node in ``order`` (depth-first search)."""
    found: set[tuple[str, ...]] = set()

    def walk(path: list[str]) -> None:
        for a, b in sorted(edges):
            if a != path[-1]:
                continue
            if b == path[0]:
                found.add(tuple(path))
            elif b not in path and order.index(b) > order.index(path[0]):
                walk([*path, b])

    for start in order:
        walk([start])
    return found


# ---------------------------------------------------------------- the property


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_compiled_generated_bundles_keep_the_invariants(spec):
    check(spec)


def check(spec: dict[str, Any]) -> None:
    """Compile the generated bundle twice and check every invariant against the oracle."""
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), spec)
        result = _compile(path, spec)
        again = _compile(path, spec)
    answers = spec["question_answers"]
    items = {it["id"]: it for it in spec["catalog"]["items"]}
    mats = {m["id"]: m for m in spec["catalog"]["materials"]}

    # oracle: selection
    selected: list[str] = []
    item_when: dict[str, str | None] = {}
    for bi in spec["bundle"]["items"]:
        iid, when = bi["use"], bi.get("when")
        if bi.get("optional") and spec["select"] is not None and iid not in spec["select"]:
            continue
        verdict = decide(when, answers)
        if verdict is False:
            continue
        selected.append(iid)
        item_when[iid] = None if verdict else when

    # oracle: applicable uses, with their residual conjuncts
    def uses_of(iid: str, kind: str) -> list[tuple[dict[str, Any], list[str]]]:
        out = []
        for use in items[iid][kind]:
            verdict = decide(use.get("when"), answers)
            if verdict is False:
                continue
            parts = [p for p in (item_when[iid], None if verdict else use.get("when")) if p]
            out.append((use, parts))
        return out

    edges = set()
    for bi in spec["bundle"]["items"]:
        for need in bi.get("needs", []):
            if bi["use"] in selected and need in selected:
                edges.add((need, bi["use"]))
    for p in selected:
        for c in selected:
            if p != c and any(u["ref"] in items[p]["produces"] for u, _ in uses_of(c, "materials")):
                edges.add((p, c))

    if result.manifest is None:
        # the only way a generated bundle fails: produce → consume and `needs` edges in a loop
        errors = [d for d in result.diagnostics if d.is_error]
        assert errors and all(d.code == "E502" for d in errors), [d.render() for d in errors]
        reported = set()
        for d in errors:
            path_text = d.message.removeprefix("dependency cycle: ").split(" [")[0]
            nodes = path_text.split(" → ")
            assert nodes[0] == nodes[-1] and len(nodes) >= 3
            assert all((a, b) in edges for a, b in zip(nodes, nodes[1:], strict=False))
            assert len(d.related) == len(nodes) - 2  # one location per edge
            reported.add(tuple(nodes[:-1]))
        # every elementary cycle, each once (found here by brute force over the real edges)
        expected = _simple_cycles(edges, list(selected))
        if len(expected) <= MAX_CYCLES:
            assert reported == expected
        else:  # a knot of loops: the shortest MAX_CYCLES of them
            assert reported < expected and len(reported) == MAX_CYCLES
            assert max(map(len, reported)) <= min(map(len, expected - reported))
        assert again.manifest is None and [x.message for x in again.diagnostics] == [x.message for x in result.diagnostics]
        return

    assert not has_errors(result.diagnostics), [d.render() for d in result.diagnostics]
    m = result.manifest
    text = m.to_json()

    # compiling twice gives identical bytes
    assert again.manifest is not None and again.manifest.to_json() == text

    # no answer to a form field in the manifest; only the questions' answers
    assert LEAK not in text
    assert json.loads(text)["selection"]["answers"] == {k: answers[k] for k in sorted(answers)}

    assert m.selection.items == selected

    # no duplicates
    keys = [f.key for s in m.form.sections for f in s.fields]
    assert len(keys) == len(set(keys))
    ids = [x.id for x in m.materials]
    assert len(ids) == len(set(ids))

    # fields: exactly the applicable ones, used_by their items, required if any requires
    expected_fields: dict[str, list[tuple[str, bool]]] = {}
    for iid in selected:
        for use, _ in uses_of(iid, "fields"):
            expected_fields.setdefault(use["key"], []).append((iid, use["required"]))
    form = {f.key: f for s in m.form.sections if s.id != "situation" for f in s.fields}
    assert set(form) == set(expected_fields)
    for key, users in expected_fields.items():
        assert form[key].used_by == [i for i, _ in users]
        assert form[key].required == any(r for _, r in users)

    # stages: a partition of the selected items; every dependency points to an earlier stage
    stage = {i: n for n, st_ in enumerate(m.plan.stages) for i in st_}
    assert sorted(stage) == sorted(selected) and sum(map(len, m.plan.stages)) == len(selected)
    assert {(a, b) for a, b, _ in m.plan.edges} == edges
    for a, b in edges:
        assert stage[a] < stage[b]
    for iid, step in m.plan.steps.items():
        assert all(stage[n] < stage[iid] for n in step.needs)

    # committed days: the longest path by working days; the critical path is a real path
    weight = {i: working_days(TimeLimit(**items[i]["time_limit"])) for i in selected}
    longest: dict[str, int] = {}
    for i in sorted(selected, key=stage.__getitem__):
        longest[i] = weight[i] + max((longest[a] for a, b in edges if b == i), default=0)
    assert m.plan.committed_days == max(longest.values(), default=0)
    cp = m.plan.critical_path
    assert all((a, b) in edges for a, b in zip(cp, cp[1:], strict=False))
    if cp:  # from an item that waits for nothing to one that nothing waits for
        assert not any(b == cp[0] for _, b in edges) and not any(a == cp[-1] for a, _ in edges)
    assert sum(weight[i] for i in cp) == m.plan.committed_days
    assert m.metrics.days.separate == sum(weight.values())

    # materials: every needed one listed once, with a status the rules allow
    listed = {x.id: x for x in m.materials}
    needed: dict[str, list[tuple[str, dict[str, Any], list[str]]]] = {}
    for iid in selected:
        for use, parts in uses_of(iid, "materials"):
            needed.setdefault(use["ref"], []).append((iid, use, parts))
    assert set(listed) == set(needed)
    sharing = spec["bundle"]["e_certificate_sharing"]
    for mid, uses in needed.items():
        out, mdef = listed[mid], mats[mid]
        consumers = list(dict.fromkeys(i for i, _, _ in uses))
        assert out.required_by == consumers
        in_person = any(u.get("in_person") for _, u, _ in uses)
        assert out.in_person == in_person
        valid_producers = [
            p for p in selected
            if mid in items[p]["produces"] and p not in consumers
            and all(item_when[p] is None or item_when[p] in parts for _, _, parts in uses)
        ]
        if mdef["kind"] == "form" and mdef.get("generated") is not False:
            assert (out.status, out.reason, out.waived_by) == ("waived", "generated", "combined_form")
        elif valid_producers:
            assert (out.status, out.reason, out.waived_by) == ("waived", "produced", valid_producers[0])
            assert all(stage[valid_producers[0]] < stage[c] for c in consumers)
        elif mdef["e_certificate"] and sharing and not in_person:
            assert (out.status, out.reason, out.waived_by) == ("waived", "e_certificate", mdef["issued_by"])
        elif mdef["e_certificate"] and sharing:
            assert out.status == "submit"  # shown in person
        elif all("commitment" in u for _, u, _ in uses):
            assert out.status == "commitment"
        elif all("tolerated" in u for _, u, _ in uses):
            assert out.status == "tolerated"
            assert out.tolerated.supplement_days == min(u["tolerated"]["supplement_days"] for _, u, _ in uses)
        else:
            assert out.status == "submit"
        if out.status != "waived":
            assert out.reason is None and out.waived_by is None
        # the most of the numbers given (a requirement's own, else the material's); None when none is
        originals_each = [u.get("originals", mdef.get("originals")) for _, u, _ in uses]
        copies_each = [u.get("copies", mdef.get("copies")) for _, u, _ in uses]
        assert out.originals == max((n for n in originals_each if n is not None), default=None)
        assert out.copies == max((n for n in copies_each if n is not None), default=None)
        # the original: kept if any requirement bringing one keeps it, returned if all return it
        handling = [u.get("original", mdef.get("original")) for (_, u, _), n in zip(uses, originals_each, strict=True)
                    if n != 0]
        if out.originals == 0 or not handling:
            assert out.original is None
        elif "kept" in handling:
            assert out.original == "kept"
        else:
            assert out.original == ("returned" if all(h == "returned" for h in handling) else None)

    # trips: the window visit (none when every item is online and nothing is shown in person)
    # plus every appointment of the compiled items; a `needs:` on an excluded item is dropped
    applied_online = all("online" in items[i].get("handling_form", []) for i in selected) and not any(
        u.get("in_person") for i in selected for u, _ in uses_of(i, "materials"))
    appointments = sum(len(items[i].get("appointments", [])) for i in selected)
    assert m.metrics.trips.bundled == (((0 if applied_online else 1) + appointments) if selected else 0)
    assert len(m.plan.appointments) == appointments
    assert [(d.item, d.needs) for d in m.plan.dropped_needs] == [
        (bi["use"], need) for bi in spec["bundle"]["items"] if bi["use"] in selected
        for need in bi.get("needs", []) if need not in selected]

    # metrics that follow directly from the lists
    assert m.metrics.fields.bundled == len(form)
    assert m.metrics.materials.bundled == sum(1 for x in m.materials if x.status in ("submit", "tolerated"))
    assert m.metrics.materials.separate == sum(len(uses_of(i, "materials")) for i in selected)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(_JSON)
def test_the_source_hash_canonical_json_is_the_standard_librarys(data: Any) -> None:
    # source hashes are in every manifest: the encoder made once must give json.dumps's bytes
    from onething.compiler.pipeline import _canonical

    assert _canonical(data) == json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
    assert _canonical(["item", "x", data]) == json.dumps(["item", "x", data], sort_keys=True, ensure_ascii=False).encode()
