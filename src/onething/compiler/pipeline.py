"""compile: a resolved bundle + a selection → the manifest (or the errors that prevent it)."""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

from onething.compiler.conditional_facts import (
    alternative_lints,
    choose_limit,
    conditional_limits,
    decided_weight,
    figures,
    ranges,
)
from onething.compiler.facts import (
    bundle_facts,
    material_completeness,
    sources_out,
    unused_definitions,
    window_out,
)
from onething.compiler.form import merge_form
from onething.compiler.groups import check_groups
from onething.compiler.item_facts import (
    appointments_of,
    dropped_needs,
    fees_of,
    limit_lints,
    requirements_of,
    special_procedures_of,
    time_limit_out,
)
from onething.compiler.manifest import (
    SCHEMA_VERSION,
    BundleInfo,
    DiagnosticOut,
    ExcludedItem,
    Form,
    Manifest,
    MaterialOut,
    Plan,
    Step,
    StepInputs,
)
from onething.compiler.manifest import (
    Selection as SelectionOut,
)
from onething.compiler.materials import merge_materials
from onething.compiler.metrics import completeness, metrics
from onething.compiler.plan import (
    Graph,
    build_graph,
    counted_limit,
    critical_path,
    stages,
)
from onething.compiler.resolve import ResolvedBundle, ResolvedItem
from onething.compiler.selection import Selection, select
from onething.dsl.diagnostics import Diagnostic, has_errors, make, sort_diagnostics
from onething.dsl.i18n import _, english
from onething.dsl.models.common import Suppression
from onething.dsl.source import Location

Lint = tuple[Diagnostic, list[str], list[tuple[str, int]]]


@dataclass
class CompileResult:
    manifest: Manifest | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    encoded: tuple[str, bytes] | None = None
    """The manifest's id and JSON bytes when another process compiled it (compiler/halves.py;
    ``manifest`` is then None)."""

    @property
    def ok(self) -> bool:
        return (self.manifest is not None or self.encoded is not None) and not has_errors(self.diagnostics)


def step_lints(sel: Selection) -> list[Lint]:
    """W602 / W603: the policy's step limits, special procedures not counted."""
    out: list[Lint] = []
    for ri in sel.items:
        m = ri.model
        special = {sp.name.get("zh", "") for sp in m.special_procedures or []}
        counted = [s for s in m.steps or [] if s not in special]
        joint = bool(m.partners)
        limit = 5 if joint else 3
        if len(counted) > limit:
            code = "W603" if joint else "W602"
            what = _("a joint approval (with partners)") if joint else _("an item")
            out.append((make(
                code,
                _("item {id} has {n_counted} steps ({counted}); {what} takes at most {limit}").format(id=repr(ri.id), n_counted=len(counted), counted='、'.join(counted), what=what, limit=limit),
                ri.loc("steps"),
                _("cut to 受理、审核、办结 or declare the extra steps as special_procedures; or suppress with the reason"),
            ), [ri.id], []))
    return out


def _suppression_lists(rb: ResolvedBundle, sel: Selection) -> list[tuple[list[Suppression], Callable[[int], Location], str, str | None, int | None]]:
    """Every suppress list in scope: (list, locator, scope kind, item id, material index)."""
    out: list[Any] = [(rb.bundle.suppress, lambda k: rb.entry.loc("suppress", k), "bundle", None, None)]
    for ri in sel.items:
        out.append((ri.model.suppress or [], lambda k, ri=ri: ri.loc("suppress", k), "item", ri.id, None))
        for j, mu in enumerate(ri.model.materials or []):
            if mu.suppress:
                out.append((mu.suppress, lambda k, ri=ri, j=j: ri.loc("materials", j, "suppress", k),
                            "material", ri.id, j))
    for j, mu in enumerate(rb.bundle.requires.materials if rb.bundle.requires else []):
        if mu.suppress:  # what the bundle itself asks: its lints carry the bundle's id as owner
            out.append((mu.suppress, lambda k, j=j: rb.entry.loc("requires", "materials", j, "suppress", k),
                        "material", rb.bundle.bundle, j))
    return out


def apply_suppressions(rb: ResolvedBundle, sel: Selection, lints: list[Lint], check_unused: bool) -> list[Diagnostic]:
    scopes = _suppression_lists(rb, sel)
    # index the scopes once (a lint looks only at its own items' and uses' scopes), and each
    # scope's first suppression per code: linear in lints and scopes, where re-sorting every
    # scope for every lint was quadratic in a large bundle
    first: list[dict[str, int]] = []
    for supps, *_rest in scopes:
        codes: dict[str, int] = {}
        for k, s in enumerate(supps):
            codes.setdefault(s.code, k)
        first.append(codes)
    item_scopes: dict[str, list[int]] = defaultdict(list)
    use_scopes: dict[tuple[str, int], list[int]] = defaultdict(list)
    bundle_scopes: list[int] = []
    for si, (_supps, _locate, kind, item, mat) in enumerate(scopes):
        if kind == "bundle":
            bundle_scopes.append(si)
        elif kind == "item":
            item_scopes[item].append(si)  # type: ignore[index]
        else:
            use_scopes[(item, mat)].append(si)  # type: ignore[index]
    used: set[tuple[int, int]] = set()
    out: list[Diagnostic] = []
    for diag, items, uses in lints:
        reason = None
        # the suppression nearest the lint wins (material use, then item, then bundle), so a
        # blanket bundle-level one never hides a reviewed reason written where the lint stands
        candidates = (
            sorted({si for use in uses for si in use_scopes.get(use, ())})
            + sorted({si for item in items for si in item_scopes.get(item, ())})
            + bundle_scopes
        )
        for si in candidates:
            k = first[si].get(diag.code)
            if k is not None:
                used.add((si, k))
                reason = scopes[si][0][k].reason
                if reason:
                    break
        out.append(Diagnostic(diag.code, diag.message, diag.location, diag.hint, diag.related, reason))
    if check_unused:
        for si, (supps, locate, _kind, _item, _mat) in enumerate(scopes):
            for k, s in enumerate(supps):
                if (si, k) not in used:
                    out.append(make("W605", _("suppression of {code} silences nothing here").format(code=s.code), locate(k),
                                    _("remove it, or move it to where the lint is reported")))
        out += replaced_suppressions(rb, sel)
    return out


def replaced_suppressions(rb: ResolvedBundle, sel: Selection) -> list[Diagnostic]:
    """W605 for the catalog's suppressions that a bundle's override replaces (issue 15): a
    bundle that writes its own `materials:` (or `suppress:`) for a catalog item drops the
    catalog's list, and with it the suppressions written there, which then silence nothing."""
    out: list[Diagnostic] = []
    bundle = rb.bundle.bundle
    for ri in sel.items:
        if ri.catalog_entry is None or ri.bundle_entry is None:
            continue
        catalog = ri.catalog_entry.model
        if "materials" in ri.overridden:
            for j, mu in enumerate(catalog.materials or []):
                for k, s in enumerate(mu.suppress):
                    out.append(make(
                        "W605",
                        _("suppression of {code} on the requirement {ref!r} of catalog item {item!r} silences "
                          "nothing in bundle {bundle!r}: the bundle replaces the item's `materials:`")
                        .format(code=s.code, item=ri.id, ref=mu.ref, bundle=bundle),
                        ri.catalog_entry.loc("materials", j, "suppress", k),
                        _("repeat it on the bundle's requirement for {ref!r} if the lint stands there, or "
                          "remove it").format(ref=mu.ref),
                        related=(ri.bundle_entry.loc("materials", key=True),),
                    ))
        if "suppress" in ri.overridden:
            for k, s in enumerate(catalog.suppress or []):
                out.append(make(
                    "W605",
                    _("suppression of {code} on catalog item {item!r} silences nothing in bundle {bundle!r}: "
                      "the bundle replaces the item's `suppress:`").format(code=s.code, item=ri.id, bundle=bundle),
                    ri.catalog_entry.loc("suppress", k),
                    _("repeat it in the bundle's `suppress:` for the item if the lint stands, or remove it"),
                    related=(ri.bundle_entry.loc("suppress", key=True),),
                ))
    return out


def source_hash(rb: ResolvedBundle, bundle_bytes: bytes) -> str:
    """sha256 of the bundle file and of the catalog entries it uses (not the whole catalog)."""
    h = hashlib.sha256()
    h.update(bundle_bytes)
    used: dict[tuple[str, str], Any] = {}
    for ri in rb.items:
        if ri.catalog_entry is not None:
            used[("item", ri.id)] = ri.catalog_entry.model
        for fu in ri.model.fields or []:
            if fu.key in rb.catalog.fields:
                used[("field", fu.key)] = rb.catalog.fields[fu.key].model
        for ref in [mu.ref for mu in ri.model.materials or []] + list(ri.model.produces or []):
            if ref in rb.catalog.materials:
                used[("material", ref)] = rb.catalog.materials[ref].model
        for d in [ri.model.department, *(ri.model.partners or [])]:
            if d in rb.catalog.departments:
                used[("department", d)] = rb.catalog.departments[d].model
    req = rb.bundle.requires
    for fu in req.fields if req else []:  # what the bundle itself asks
        if fu.key in rb.catalog.fields:
            used[("field", fu.key)] = rb.catalog.fields[fu.key].model
    for mu in req.materials if req else []:
        if mu.ref in rb.catalog.materials:
            used[("material", mu.ref)] = rb.catalog.materials[mu.ref].model
    # what else shapes the manifest: group members, form sections (titles, order), the
    # bundle's own departments and material issuers (names; their kind decides W604)
    fields = [rb.fields[fu.key].model for ri in rb.items for fu in ri.model.fields or [] if fu.key in rb.fields]
    fields += [rb.fields[fu.key].model for fu in (req.fields if req else []) if fu.key in rb.fields]
    for fdef in fields:
        for member in fdef.fields or []:
            if member in rb.catalog.fields:
                used[("field", member)] = rb.catalog.fields[member].model
    for subject in {"situation", *(f.subject for f in fields)}:
        if subject in rb.catalog.sections:
            used[("section", subject)] = rb.catalog.sections[subject].model
    issuers = [rb.materials[ref].model.issued_by for ri in rb.items
               for ref in [mu.ref for mu in ri.model.materials or []] + list(ri.model.produces or [])
               if ref in rb.materials]
    issuers += [rb.materials[mu.ref].model.issued_by for mu in (req.materials if req else []) if mu.ref in rb.materials]
    for d in [rb.bundle.lead, *rb.bundle.cooperating, *issuers]:
        if d in rb.catalog.departments:
            used[("department", d)] = rb.catalog.departments[d].model
    parts = rb.catalog.hash_parts
    for key in sorted(used):
        model = used[key]
        part = parts.get(key)
        if part is None or part[0] is not model:
            part = (model, _canonical([*key, model.__pydantic_serializer__.to_python(model, mode="json")]))
            parts[key] = part
        h.update(part[1])
    return h.hexdigest()


def _canonical(data: Any) -> bytes:
    """``json.dumps(data, sort_keys=True, ensure_ascii=False).encode()``, the same bytes.

    The standard library's C encoder made once (below), not per call: json.dumps builds a new
    encoder object and its closures for every entry, and a province's source hashes dump
    each of its 18,000 catalog entries once (model_dump's keyword handling is skipped too).
    """
    return "".join(_ENCODE(data, 0)).encode()


_ENCODE: Callable[[Any, int], Any] = (
    c_make_encoder(None, json.JSONEncoder().default, encode_basestring, None, ": ", ", ", True, False, True)
    if c_make_encoder is not None
    else lambda d, _level: [json.dumps(d, sort_keys=True, ensure_ascii=False)])  # a Python without the C accelerator


def _relative(real_root: Path) -> Callable[[Location | None], dict[str, Any] | None]:
    rels: dict[str, str] = {}  # file → its path relative to root, resolved once per compile

    def conv(loc: Location | None) -> dict[str, Any] | None:
        if loc is None:
            return None
        rel = rels.get(loc.file)
        if rel is None:
            try:
                rel = Path(os.path.relpath(Path(loc.file).resolve(), real_root)).as_posix()
            except ValueError:  # pragma: no cover
                rel = loc.file
            rels[loc.file] = rel
        return {"file": rel, "line": loc.line, "col": loc.col}

    return conv


def _diag_out(d: Diagnostic, conv: Callable[[Location | None], dict[str, Any] | None]) -> DiagnosticOut:
    related = [f"{(r := conv(x))['file']}:{r['line']}:{r['col']}" for x in d.related] or None  # type: ignore[index]
    # the manifest is the same bytes in every language: its diagnostics stay in English
    return DiagnosticOut(code=d.code, severity=d.severity.value, location=conv(d.location),
                         message=str(english(d.message)),
                         hint=None if d.hint is None else str(english(d.hint)), related=related,
                         suppressed=d.suppressed)


def _step(ri: ResolvedItem, sel: Selection, stage: int, preds: list[str], fields: list[str],
          materials: list[str], producers: dict[str, list[str]]) -> Step:
    m = ri.model
    return Step(
        name=dict(m.name),
        type=m.type,
        department=m.department,
        sources=sources_out(m.sources),
        partners=list(m.partners or []),
        stage=stage,
        optional=ri.optional,
        when=sel.item_when.get(ri.id),
        needs=preds,
        inputs=StepInputs(
            fields=fields,
            materials=materials,
            upstream={p: sorted(producers.get(p, [])) for p in preds},
            requirements=requirements_of(ri, sel),
        ),
        outputs=list(m.produces or []),
        result=dict(m.result.name) if m.result else None,
        time_limit=time_limit_out(ri, sel),
        special_procedures=special_procedures_of(ri, sel),
        steps=list(m.steps or []),
        visits=m.visits,
        fees=fees_of(ri, sel),
        nearby=list(m.nearby) if m.nearby is not None else None,
        appointments=appointments_of(ri, sel),
    )


def _analyse(rb: ResolvedBundle, chosen: list[str] | None, answers: dict[str, Any] | None,
             diags: list[Diagnostic]) -> tuple[Selection, Graph, Form, dict[str, list[str]], list[MaterialOut]] | None:
    """Selection, graph, form, materials and their lints (into ``diags``); None when errors stop it."""
    if has_errors(diags):
        return None
    sel = select(rb, chosen, answers)
    diags.extend(sel.diagnostics)
    diags.extend(check_groups(rb, sel))  # before the form is built: groups could multiply it without end
    if has_errors(diags):
        return None
    gr = build_graph(sel)
    diags.extend(gr.diagnostics)
    if has_errors(diags):
        return None
    form, form_lints, item_fields = merge_form(rb, sel)
    materials, material_lints = merge_materials(rb, sel, gr)
    lints: list[Lint] = [(d, items, []) for d, items in form_lints]
    lints += material_lints
    lints += step_lints(sel)
    lints += limit_lints(sel)
    lints += [(d, [], []) for d in unused_definitions(rb)]
    lints += alternative_lints(rb, sel)
    full_compile = chosen is None and not answers
    diags.extend(apply_suppressions(rb, sel, lints, check_unused=full_compile))
    return sel, gr, form, item_fields, materials


def check_bundle(rb: ResolvedBundle) -> list[Diagnostic]:
    """What `validate` adds to resolving: every check a compile without answers makes (cycles, lints).

    With nothing answered and every optional item selected, every item and every conditional
    use is in play, so each cycle and lint that any answers could give is found here; only the
    manifest (metrics, hashes) is not built.
    """
    diags = list(rb.diagnostics)
    _analyse(rb, None, None, diags)  # stops at once when resolving found errors
    return sort_diagnostics(diags[len(rb.diagnostics):])


def compile_bundle(
    rb: ResolvedBundle,
    bundle_path: Path,
    chosen: list[str] | None = None,
    answers: dict[str, Any] | None = None,
) -> CompileResult:
    """The whole compile of one resolved bundle; pure apart from reading the bundle's bytes for the hash."""
    diags = list(rb.diagnostics)
    analysis = _analyse(rb, chosen, answers, diags)
    if analysis is None:
        return CompileResult(None, sort_diagnostics(diags))
    sel, gr, form, item_fields, materials = analysis

    stage_list = stages(gr)
    stage_of = {item: i for i, st in enumerate(stage_list) for item in st}
    weight = {ri.id: decided_weight(ri, sel.answers) for ri in sel.items}
    path, days = critical_path(gr, weight)
    produced = {ri.id: list(ri.model.produces or []) for ri in sel.items}
    limits = [(ri, choose_limit(ri, sel.answers)) for ri in sel.items]
    steps = {
        ri.id: _step(
            ri, sel, stage_of[ri.id],
            sorted(gr.graph.predecessors(ri.id), key=gr.order.__getitem__),
            item_fields.get(ri.id, []), gr.item_materials.get(ri.id, []), produced,
        )
        for ri in sel.items
    }
    plan = Plan(
        stages=stage_list,
        steps=steps,
        edges=gr.edges,
        critical_path=path,
        committed_days=days,
        unknown_limits=[ri.id for ri, ch in limits if ch.decided and counted_limit(ch.limit) is None],
        converted_limits=[
            ri.id for ri, ch in limits
            if ch.decided and (c := counted_limit(ch.limit)) is not None and c[1] == "calendar_days" and c[0]
        ],
        special_procedures=[sp for s in steps.values() for sp in s.special_procedures],
        appointments=[a for s in steps.values() for a in s.appointments],
        dropped_needs=dropped_needs(rb, sel),
        conditional_limits=conditional_limits(sel),
    )
    unique_fields = sum(len(s.fields) for s in form.sections if s.id != "situation")
    figures_out = metrics(sel, materials, item_fields, gr.item_materials, unique_fields,
                          figures(sel, gr, sel.answers), ranges(rb, sel, gr))

    root = bundle_path.parent
    real_root = root.resolve()  # once per compile (a walk of the path with a system call per part)
    conv = _relative(real_root)
    b = rb.bundle
    involved = [b.lead, *b.cooperating] + [d for ri in sel.items for d in [ri.model.department, *(ri.model.partners or [])]]
    info = BundleInfo(
        id=b.bundle,
        version=b.version,
        title=dict(b.title),
        description=dict(b.description) if b.description else None,
        legal_basis=b.legal_basis,
        lead=b.lead,
        cooperating=list(b.cooperating),
        departments={d: dict(rb.departments[d].model.name) for d in sorted(set(involved)) if d in rb.departments},
        window=window_out(b.window) if b.window else None,
        e_certificate_sharing=b.e_certificate_sharing,
        source=Path(os.path.relpath(bundle_path.resolve(), real_root)).as_posix(),
        source_hash=source_hash(rb, bundle_path.read_bytes()),
        **bundle_facts(b),
    )
    selection = SelectionOut(
        items=[ri.id for ri in sel.items],
        optional_chosen=sel.optional_chosen,
        excluded=[ExcludedItem(id=i, reason=r) for i, r in sel.excluded],  # type: ignore[arg-type]
        answers={k: sel.answers[k] for k in sorted(sel.answers)},
        undecided=sel.undecided,
    )
    diags = sort_diagnostics(diags)
    manifest = Manifest(
        schema_version=SCHEMA_VERSION,
        bundle=info,
        selection=selection,
        form=form,
        materials=materials,
        plan=plan,
        metrics=figures_out,
        completeness=completeness(sel, material_completeness(materials)),
        diagnostics=[_diag_out(d, conv) for d in diags],
    )
    return CompileResult(manifest, diags)
