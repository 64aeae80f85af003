"""Resolve a bundle against its catalog: merge overrides, check references and conditions.

The result, a ResolvedBundle, is what the compiler consumes: every item is a complete
ItemDef, every condition is parsed, and each element still knows where it was written.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

from onething.compiler.digraph import DiGraph
from onething.dsl import conditions as cond
from onething.dsl.catalog import ISSUERS_OUTSIDE, Catalog
from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.entries import Entry
from onething.dsl.i18n import N_, _
from onething.dsl.models.bundle import Bundle, BundleItem, Question
from onething.dsl.models.catalog import Department, FieldDef, ItemBody, ItemDef, MaterialDef
from onething.dsl.source import Location
from onething.dsl.validation import suggest

_OVERRIDABLE = tuple(ItemBody.model_fields)


@lru_cache(maxsize=4096)
def _parse(source: str) -> cond.Condition:
    """cond.parse, once per text: bundles repeat the same few conditions on many requirements."""
    return cond.parse(source)


@dataclass
class ResolvedItem:
    id: str
    model: ItemDef
    bundle_entry: Entry[BundleItem] | None
    catalog_entry: Entry[ItemDef] | None
    overridden: frozenset[str] = frozenset()
    optional: bool = False
    when: cond.Condition | None = None
    needs: tuple[str, ...] = ()
    field_when: dict[int, cond.Condition] = field(default_factory=dict)
    material_when: dict[int, cond.Condition] = field(default_factory=dict)
    # issue 15: conditions of the item's facts, by (element, index): ("time_limit", i),
    # ("special_procedures", i), ("fee", i), ("appointments", i)
    fact_when: dict[tuple[str, int], cond.Condition] = field(default_factory=dict)

    def loc(self, element: str, *path: Any, key: bool = False) -> Location:
        """Where ``element`` (and a path inside it) was written: the bundle or the catalog."""
        if self.bundle_entry is not None and (element in self.overridden or self.catalog_entry is None):
            return self.bundle_entry.loc(element, *path, key=key)
        if self.catalog_entry is not None:
            return self.catalog_entry.loc(element, *path, key=key)
        return self.bundle_entry.loc(element, *path, key=key)  # type: ignore[union-attr]

    @property
    def anchor(self) -> Location:
        """The item's own place: its entry in the bundle (or in the catalog)."""
        if self.bundle_entry is not None:
            return self.bundle_entry.loc()
        return self.catalog_entry.loc()  # type: ignore[union-attr]


@dataclass
class ResolvedBundle:
    bundle: Bundle
    entry: Entry[Bundle]
    catalog: Catalog
    items: list[ResolvedItem]
    questions: dict[str, Question]
    fields: dict[str, Entry[FieldDef]]
    materials: dict[str, Entry[MaterialDef]]
    departments: dict[str, Entry[Department]]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # what the bundle itself asks (`requires:`): parsed conditions by requirement index
    requirement_field_when: dict[int, cond.Condition] = field(default_factory=dict)
    requirement_material_when: dict[int, cond.Condition] = field(default_factory=dict)

    @property
    def item_map(self) -> dict[str, ResolvedItem]:
        return {ri.id: ri for ri in self.items}

    def field_keys(self) -> set[str]:
        """Every field key an applicant may give a value for: those of all the bundle's items
        (selected or not) and of the bundle itself, with the members of their groups."""
        todo = [fu.key for ri in self.items for fu in ri.model.fields or []]
        todo += [f.key for f in self.bundle.fields]
        todo += [fu.key for fu in self.bundle.requires.fields] if self.bundle.requires else []
        keys: set[str] = set()
        while todo:
            key = todo.pop()
            if key in keys:
                continue  # a group seen before (or a group cycle, reported as E211)
            keys.add(key)
            entry = self.fields.get(key)
            if entry is not None:
                todo.extend(entry.model.fields or [])
        return keys


_UNKNOWN = {
    "department": (N_("unknown department {ident}"), N_("no department of that id in the catalog")),
    "field": (N_("unknown field {ident}"), N_("no field of that key in the catalog")),
    "material": (N_("unknown material {ident}"), N_("no material of that id in the catalog")),
    "item": (N_("unknown item {ident}"), N_("no item of that id in the catalog")),
}


def did_you_mean(guess: str) -> str:
    return _("did you mean {guess}?").format(guess=repr(guess))


def _unknown(code: str, what: str, ident: str, known: Any, loc: Location) -> Diagnostic:
    guess = suggest(ident, list(known))
    message, otherwise = _UNKNOWN[what]
    hint = did_you_mean(guess) if guess else _(otherwise)
    return make(code, _(message).format(ident=repr(ident)), loc, hint)


def shown_condition(source: str, limit: int = 120) -> str:
    """A condition as quoted in a message: a long one is cut (its position is in the location)."""
    return source if len(source) <= limit else source[: limit - 1] + "…"


def parse_condition(
    source: str, where: Callable[[], Location], questions: dict[str, Question] | None, diags: list[Diagnostic]
) -> cond.Condition | None:
    """Parse a `when:` text; check names (and literals) against the questions when given.

    ``where`` gives the text's location, asked only for a diagnostic: a catalog entry loaded
    from the cache finds its locations by parsing its file again.
    """
    try:
        parsed = _parse(source)
    except cond.ConditionError as exc:
        loc = where()
        at = Location(loc.file, loc.line, loc.col + exc.offset) if loc.line else loc
        diags.append(make(exc.code, _("{message}: {source}").format(message=exc.message,
                                                                      source=repr(shown_condition(source))), at,
                          exc.hint or _(REG_HINT[exc.code])))
        return None
    if questions is None:
        return parsed
    bad = False
    for name in sorted(parsed.names):
        if name not in questions:
            guess = suggest(name, list(questions))
            hint = did_you_mean(guess) if guess else (
                _("declared questions: {questions}").format(questions=", ".join(sorted(questions)))
                if questions else _("the bundle declares no questions; add it under `questions:`"))
            diags.append(make("E302", _("condition {source} names unknown question {name}").format(
                source=repr(shown_condition(source)), name=repr(name)), where(), hint))
            bad = True
    for name, _op, literal in parsed.comparisons():
        q = questions.get(name)
        if q is None:
            continue
        values = literal if isinstance(literal, tuple) else (literal,)
        for v in values:
            problem = _impossible(q, v)
            if problem:
                diags.append(make("E304", _("condition {source}: {problem}").format(
                    source=repr(shown_condition(source)), problem=problem), where(),
                                  _options_hint(q)))
                bad = True
    return None if bad else parsed


def _impossible(q: Question, v: Any) -> str | None:
    if q.type == "enum":
        allowed = [o.value for o in q.options or []]
        if v not in allowed:
            return _("{value} is not an option of {key}").format(value=repr(v), key=repr(q.key))
    elif q.type == "boolean" and not isinstance(v, bool):
        return _("{key} is a yes/no question; compare it with true or false (or use it alone)").format(
            key=repr(q.key))
    elif q.type == "integer" and (isinstance(v, bool) or not isinstance(v, (int, float))):
        return _("{key} is a number; {value} is not").format(key=repr(q.key), value=repr(v))
    elif q.type == "string" and not isinstance(v, str):
        return _("{key} holds text; {value} is not text").format(key=repr(q.key), value=repr(v))
    return None


def _options_hint(q: Question) -> str:
    if q.type == "enum":
        return _("options: {options}").format(options=", ".join(repr(o.value) for o in q.options or []))
    return _("{key} is of type {type}").format(key=q.key, type=q.type)


CONDITIONAL_FACTS = ("time_limit", "special_procedures", "fee", "appointments")
"""The item elements whose entries may carry a `when:` of their own (issue 15)."""

REG_HINT = {
    "E019": N_("a condition compares with realistic numbers; quote a code as text"),
    "E301": N_("write a condition like `a and not b`, `x == 'v'` or `x in ['a', 'b']`"),
    "E303": N_("conditions allow question names, literals, comparisons, in, and/or/not only"),
}


def check_item_refs(
    ri: ResolvedItem,
    fields: dict[str, Any],
    materials: dict[str, Any],
    departments: dict[str, Any],
    questions: dict[str, Question] | None,
    invalid: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
) -> list[Diagnostic]:
    """References, time limits and conditions of one item; questions None = catalog level.

    ``invalid``: catalog entries left out for their own errors (a misspelt key in a field,
    material or department), not reported again as unknown wherever they are used — with a
    did-you-mean that would point at another entry.
    """
    diags: list[Diagnostic] = []
    m = ri.model
    if m.department not in departments and ("departments", m.department) not in invalid:
        diags.append(_unknown("E201", "department", m.department, departments, ri.loc("department")))
    for i, p in enumerate(m.partners or []):
        if p not in departments and ("departments", p) not in invalid:
            diags.append(_unknown("E201", "department", p, departments, ri.loc("partners", i)))
    for i, fu in enumerate(m.fields or []):
        if fu.key not in fields and ("fields", fu.key) not in invalid:
            diags.append(_unknown("E202", "field", fu.key, fields, ri.loc("fields", i, "key")))
        if fu.when:
            c = parse_condition(fu.when, partial(ri.loc, "fields", i, "when"), questions, diags)
            if c:
                ri.field_when[i] = c
    for i, mu in enumerate(m.materials or []):
        if mu.ref not in materials and ("materials", mu.ref) not in invalid:  # else its own errors say why
            diags.append(_unknown("E203", "material", mu.ref, materials, ri.loc("materials", i, "ref")))
        if mu.when:
            c = parse_condition(mu.when, partial(ri.loc, "materials", i, "when"), questions, diags)
            if c:
                ri.material_when[i] = c
    for i, prod in enumerate(m.produces or []):
        if prod not in materials and ("materials", prod) not in invalid:
            diags.append(_unknown("E203", "material", prod, materials, ri.loc("produces", i)))
    for element in CONDITIONAL_FACTS:
        for i, fact in enumerate(getattr(m, element) or []):
            if fact.when:
                c = parse_condition(fact.when, partial(ri.loc, element, i, "when"), questions, diags)
                if c:
                    ri.fact_when[(element, i)] = c
    for i, tl in enumerate(m.time_limit or []):
        if (
            tl.statutory is not None and tl.committed is not None and tl.committed > tl.statutory
            and tl.unit_of("statutory") == tl.unit_of("committed")  # both without a unit: as written, one unit
        ):
            unit = tl.unit_of("committed")
            message = (
                _("item {item!r}: committed limit {c} exceeds the statutory limit {s} ({unit})")
                if unit else _("item {item!r}: committed limit {c} exceeds the statutory limit {s}")
            )
            diags.append(make(
                "E401",
                message.format(item=ri.id, c=tl.committed, s=tl.statutory, unit=(unit or "").replace("_", " ")),
                ri.loc("time_limit", i, "committed"),
                _("the committed (承诺) limit must be at most the statutory (法定) one"),
            ))
    return diags


def group_cycles(fields: dict[str, Entry[FieldDef]], local: set[str] | None = None) -> list[Diagnostic]:
    """E211 for each field group that contains itself, directly or through other groups.

    ``local``: only cycles through one of these keys (a bundle's own fields; the catalog's
    cycles are reported with the catalog).
    """
    edges = {key: [m for m in e.model.fields or [] if m in fields and fields[m].model.fields]
             for key, e in fields.items() if e.model.fields}
    if not any(edges.values()):
        return []  # no group holds a group: no cycle possible (and no graph library needed)
    order = {key: i for i, key in enumerate(fields)}
    g = DiGraph([(k, m) for k, ms in edges.items() for m in ms])
    diags: list[Diagnostic] = []
    cycles = []
    # at most 1,000 cycles: a few groups that all contain each other have factorially many
    for cycle in itertools.islice(g.simple_cycles(), 1000):
        if local is not None and not set(cycle) & local:
            continue
        start = min(range(len(cycle)), key=lambda i: order[cycle[i]])
        cycles.append(cycle[start:] + cycle[:start])
    for cycle in sorted(cycles, key=lambda c: (len(c), [order[k] for k in c]))[:20]:
        first, nxt = cycle[0], (cycle[1:] or cycle)[0]
        entry = fields[first]
        j = (entry.model.fields or []).index(nxt)
        path = " → ".join([*cycle, cycle[0]])
        diags.append(make("E211", _("field group {key!r} contains itself: {path}").format(key=first, path=path),
                          entry.loc("fields", j), _("remove one member so that no group leads back to itself"),
                          related=tuple(fields[k].loc("key") for k in cycle[1:])))
    return diags


def check_catalog(catalog: Catalog) -> list[Diagnostic]:
    """Reference checks inside the catalog itself (conditions get names checked per bundle)."""
    diags: list[Diagnostic] = []
    for ident, entry in catalog.items.items():
        ri = ResolvedItem(ident, entry.model, None, entry)
        diags.extend(check_item_refs(ri, catalog.fields, catalog.materials, catalog.departments, None,
                                     catalog.invalid))
    for _key, entry in catalog.fields.items():
        for i, member in enumerate(entry.model.fields or []):
            if member not in catalog.fields and ("fields", member) not in catalog.invalid:
                diags.append(_unknown("E202", "field", member, catalog.fields, entry.loc("fields", i)))
    diags.extend(group_cycles(catalog.fields))
    for entry in catalog.materials.values():
        issuer = entry.model.issued_by
        if (issuer and issuer not in catalog.departments and issuer not in ISSUERS_OUTSIDE
                and ("departments", issuer) not in catalog.invalid):
            d = _unknown("E201", "department", issuer, list(catalog.departments) + list(ISSUERS_OUTSIDE),
                         entry.loc("issued_by"))
            diags.append(d)
    return diags


def _with_local(
    shared: dict[str, Entry[Any]], local: list[Any], id_key: str, entry: Entry[Bundle], section: str,
    diags: list[Diagnostic], code: str, message: str, hint: str,
) -> dict[str, Entry[Any]]:
    """The catalog's table plus the bundle's own definitions; a clash with a different one is an error."""
    if not local:
        return shared  # no copy: a bundle costs its own size, not the catalog's
    table = dict(shared)
    for i, model in enumerate(local):
        ident = getattr(model, id_key)
        here = Entry(model, entry.file, entry.node[section][i])
        if ident in table and table[ident].model != model:
            diags.append(make(code, _(message).format(ident=repr(ident)), here.loc(id_key), _(hint),
                              related=(table[ident].loc(id_key),)))
            continue
        table[ident] = here
    return table


def resolve(bundle: Bundle, entry: Entry[Bundle], catalog: Catalog) -> ResolvedBundle:
    # A broken catalog breaks every bundle on it: its errors travel with the bundle, so a
    # compile can never succeed with an item silently missing.
    diags: list[Diagnostic] = [d for d in catalog.diagnostics if d.is_error]
    questions: dict[str, Question] = {}
    for i, q in enumerate(bundle.questions):
        if q.key in questions:
            diags.append(make("E205", _("question {key} is declared twice").format(key=repr(q.key)), entry.loc("questions", i, "key"),
                              _("give each question its own key")))
            continue
        questions[q.key] = q

    fields: dict[str, Entry[FieldDef]] = _with_local(
        catalog.fields, bundle.fields, "key", entry, "fields", diags,
        "E501", N_("field {ident} is defined differently here and in the catalog"),
        N_("use the catalog's definition or choose another key"))
    materials: dict[str, Entry[MaterialDef]] = _with_local(
        catalog.materials, bundle.materials, "id", entry, "materials", diags,
        "E205", N_("material {ident} is already defined in the catalog"),
        N_("use the catalog's material or choose another id"))
    departments = catalog.departments

    for i, fdef in enumerate(bundle.fields):
        for j, member in enumerate(fdef.fields or []):
            if member not in fields and ("fields", member) not in catalog.invalid:
                diags.append(_unknown("E202", "field", member, fields, entry.loc("fields", i, "fields", j)))
    if bundle.fields:
        diags.extend(group_cycles(fields, {f.key for f in bundle.fields}))

    if bundle.lead not in departments and ("departments", bundle.lead) not in catalog.invalid:
        diags.append(_unknown("E201", "department", bundle.lead, departments, entry.loc("lead")))
    for i, d in enumerate(bundle.cooperating):
        if d not in departments and ("departments", d) not in catalog.invalid:
            diags.append(_unknown("E201", "department", d, departments, entry.loc("cooperating", i)))

    items: list[ResolvedItem] = []
    seen: dict[str, Location] = {}
    for i, bi in enumerate(bundle.items):
        bentry = Entry(bi, entry.file, entry.node["items"][i])
        overrides = {k: getattr(bi, k) for k in bi.model_fields_set if k in _OVERRIDABLE}
        if bi.use is not None:
            centry = catalog.items.get(bi.use)
            if centry is None:
                if ("items", bi.use) not in catalog.invalid:  # else its own errors say why
                    diags.append(_unknown("E204", "item", bi.use, catalog.items, bentry.loc("use")))
                continue
            merged = centry.model.model_copy(update=overrides)
        else:
            centry = None
            if bi.id in catalog.items:
                diags.append(make("E205", _("inline item {id} has the id of a catalog item").format(id=repr(bi.id)),
                                  bentry.loc("id"), _("write `use: {id}` to use the catalog item, or rename").format(id=bi.id),
                                  related=(catalog.items[bi.id].loc("id"),)))
                continue
            # `type` may be unknown (absent): completeness counts it missing, nothing invents it
            missing = [k for k in ("name", "department") if getattr(bi, k) is None]
            if missing:
                diags.append(make("E207", _("inline item {id} lacks {missing}").format(id=repr(bi.id), missing=', '.join(missing)),
                                  bentry.loc(), _("give an inline item name and department, or `use:` a catalog item")))
                continue
            merged = ItemDef.model_validate({"id": bi.id, **overrides})
        rid = bi.item_id
        if rid in seen:
            diags.append(make("E205", _("item {rid} appears twice in the bundle").format(rid=repr(rid)),
                              bentry.loc("use" if bi.use else "id"), _("list each item once"),
                              related=(seen[rid],)))
            continue
        seen[rid] = bentry.loc("use" if bi.use else "id")
        ri = ResolvedItem(rid, merged, bentry, centry, frozenset(overrides), bi.optional, None, tuple(bi.needs))
        if bi.when:
            ri.when = parse_condition(bi.when, partial(bentry.loc, "when"), questions, diags)
        diags.extend(check_item_refs(ri, fields, materials, departments, questions, catalog.invalid))
        items.append(ri)

    ids = {ri.id for ri in items}
    for ri in items:
        for j, need in enumerate(ri.needs):
            if need not in ids:
                guess = suggest(need, list(ids))
                diags.append(make("E206", _("item {id} needs {need}, which is not an item of this bundle").format(id=repr(ri.id), need=repr(need)),
                                  ri.bundle_entry.loc("needs", j) if ri.bundle_entry else ri.anchor,
                                  _("did you mean {guess}?").format(guess=repr(guess)) if guess else _("list only items of this bundle")))
    rb = ResolvedBundle(bundle, entry, catalog, items, questions, fields, materials, departments, diags)
    _check_bundle_facts(rb)
    if any(d.code == "E014" for d in catalog.diagnostics):
        # the catalog was refused unread (too large): every reference into it would be reported
        # unknown, burying the one error that says why
        rb.diagnostics[:] = [d for d in rb.diagnostics if d.code not in _INTO_THE_CATALOG]
    return rb


_INTO_THE_CATALOG = frozenset({"E201", "E202", "E203", "E204", "E206"})
"""Unknown department, field, material, item, and needs of items left out for being unknown."""


# --- what the bundle itself asks and states (issue 8 §2) ---


def _check_bundle_facts(rb: ResolvedBundle) -> None:
    """References and conditions of `requires:`, and the `no_tolerance:` statement against every requirement."""
    bundle, entry, diags = rb.bundle, rb.entry, rb.diagnostics
    req = bundle.requires
    if req is not None:
        for i, fu in enumerate(req.fields):
            if fu.key not in rb.fields and ("fields", fu.key) not in rb.catalog.invalid:
                diags.append(_unknown("E202", "field", fu.key, rb.fields, entry.loc("requires", "fields", i, "key")))
            if fu.when:
                c = parse_condition(fu.when, partial(entry.loc, "requires", "fields", i, "when"), rb.questions, diags)
                if c:
                    rb.requirement_field_when[i] = c
        for i, mu in enumerate(req.materials):
            if mu.ref not in rb.materials and ("materials", mu.ref) not in rb.catalog.invalid:
                diags.append(_unknown("E203", "material", mu.ref, rb.materials,
                                      entry.loc("requires", "materials", i, "ref")))
            if mu.when:
                c = parse_condition(mu.when, partial(entry.loc, "requires", "materials", i, "when"), rb.questions, diags)
                if c:
                    rb.requirement_material_when[i] = c
        if req.fields or req.materials:
            for ri in rb.items:
                if ri.id == bundle.bundle:
                    diags.append(make(
                        "E111",
                        _("item {item!r} has the bundle's id: `required_by` could not tell the item from the "
                          "bundle's own requirements").format(item=ri.id),
                        ri.bundle_entry.loc("use" if ri.bundle_entry.model.use else "id") if ri.bundle_entry
                        else ri.anchor,
                        _("rename the bundle or use another item"),
                        related=(entry.loc("bundle"),),
                    ))
    if bundle.no_tolerance is not None:
        statement = entry.loc("no_tolerance")
        hint = _("remove `tolerated:`, or the bundle's `no_tolerance:` statement if it does not hold")
        in_catalog = _("the catalog's item tolerates it: restate the item's `materials:` in the bundle without "
                       "`tolerated:`, or remove the bundle's `no_tolerance:` statement if it does not hold")
        for ri in rb.items:
            from_catalog = ri.catalog_entry is not None and "materials" not in ri.overridden
            for j, mu in enumerate(ri.model.materials or []):
                if mu.tolerated is not None:
                    diags.append(make(
                        "E108",
                        _("material {material!r} of item {item!r} is tolerated (容缺), but the bundle states that "
                          "no material may be tolerated").format(material=mu.ref, item=ri.id),
                        ri.loc("materials", j, "tolerated"), in_catalog if from_catalog else hint,
                        related=(statement,)))
        for j, mu in enumerate(req.materials if req else []):
            if mu.tolerated is not None:
                diags.append(make(
                    "E108",
                    _("material {material!r} the bundle asks is tolerated (容缺), but the bundle states that "
                      "no material may be tolerated").format(material=mu.ref),
                    entry.loc("requires", "materials", j, "tolerated"), hint, related=(statement,)))
