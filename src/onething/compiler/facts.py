"""The facts authors write about a bundle itself, as the manifest carries them (issue 8 §2).

Its code, the 国办发〔2022〕32号 area or national batch, the figures published for it, help at
the window, where its facts come from, and how many facts of the materials to bring are still
unknown. Unknown stays ``null``: nothing here fills a gap with a plausible value.
"""

from __future__ import annotations

from typing import Any

from onething.compiler.manifest import (
    AssistanceOut,
    MaterialCompleteness,
    MaterialOut,
    PublishedDaysOut,
    PublishedFigureOut,
    PublishedOut,
    SourceOut,
    WindowOut,
)
from onething.compiler.resolve import ResolvedBundle
from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.i18n import _
from onething.dsl.models.bundle import Bundle, Window
from onething.dsl.models.bundle_facts import PublishedFigure
from onething.dsl.models.provenance import Source

# the facts of a material to bring that the applicant needs to know; `original` only where one is brought
MATERIAL_FACTS = ("originals", "copies", "original")
_BROUGHT = ("submit", "tolerated")


def sources_out(sources: list[Source] | None) -> list[SourceOut] | None:
    """Sources as the manifest writes them (None when none are given)."""
    if not sources:
        return None
    return [SourceOut(**s.model_dump()) for s in sources]


def window_out(w: Window) -> WindowOut:
    a = w.assistance
    return WindowOut(
        name=dict(w.name), address=w.address, hours=w.hours, phone=w.phone, online=w.online,
        assistance=AssistanceOut(free=a.free, note=dict(a.note) if a.note else None) if a else None,
        hotline=w.hotline,
    )


def _figure(f: PublishedFigure | None) -> PublishedFigureOut | None:
    return PublishedFigureOut(before=f.before, after=f.after) if f else None


def bundle_facts(b: Bundle) -> dict[str, Any]:
    """The BundleInfo keys of the bundle's own facts."""
    p = b.published
    published = None
    if p is not None:
        published = PublishedOut(
            steps=_figure(p.steps), materials=_figure(p.materials), trips=_figure(p.trips),
            days=PublishedDaysOut(before=p.days.before, after=p.days.after, unit=p.days.unit) if p.days else None,
            sources=sources_out(p.sources) or [],
        )
    return {
        "code": b.code or None,  # `code: ""` is the catalog's way of writing unknown too
        "area": b.area,
        "batch": b.batch,
        "published": published,
        "no_tolerance": dict(b.no_tolerance.reason) if b.no_tolerance else None,
        "sources": sources_out(b.sources) or [],
    }


def material_completeness(materials: list[MaterialOut]) -> MaterialCompleteness:
    """Unknown facts of the materials the applicant brings (waived and commitment ones need none)."""
    missing: dict[str, list[str]] = {}
    total = known = 0
    for m in materials:
        if m.status not in _BROUGHT:
            continue
        facts = [f for f in MATERIAL_FACTS if f != "original" or m.originals != 0]
        gaps = [f for f in facts if getattr(m, f) is None]
        total += len(facts)
        known += len(facts) - len(gaps)
        if gaps:
            missing[m.id] = gaps
    return MaterialCompleteness(score=round(known / total, 3) if total else 1.0, missing=missing)


def unused_definitions(rb: ResolvedBundle) -> list[Diagnostic]:
    """W620: a field or material the bundle defines that no item and not the bundle itself asks.

    Before `requires:` existed, a bundle's own application form could only be defined, never
    asked; such a definition now says what to write instead.
    """
    b = rb.bundle
    asked_fields = {fu.key for ri in rb.items for fu in ri.model.fields or []}
    asked_materials = {mu.ref for ri in rb.items for mu in ri.model.materials or []}
    asked_materials |= {m for ri in rb.items for m in ri.model.produces or []}
    if b.requires is not None:
        asked_fields |= {fu.key for fu in b.requires.fields}
        asked_materials |= {mu.ref for mu in b.requires.materials}
    for key in list(asked_fields):  # members of an asked group are asked with it
        entry = rb.fields.get(key)
        if entry is not None:
            asked_fields |= set(entry.model.fields or [])
    out: list[Diagnostic] = []
    for i, fdef in enumerate(b.fields):
        if fdef.key not in asked_fields:
            out.append(make(
                "W620",
                _("field {key!r} is defined by the bundle, but no item and not the bundle itself asks it")
                .format(key=fdef.key),
                rb.entry.loc("fields", i, "key"),
                _("to ask it on the bundle's own form write `requires: {{fields: [{key}]}}`; "
                  "else remove the definition").format(key=fdef.key),
            ))
    for i, mdef in enumerate(b.materials):
        if mdef.id not in asked_materials:
            out.append(make(
                "W620",
                _("material {id!r} is defined by the bundle, but no item and not the bundle itself asks it")
                .format(id=mdef.id),
                rb.entry.loc("materials", i, "id"),
                _("to ask it for the whole bundle write `requires: {{materials: [{id}]}}`; "
                  "else remove the definition").format(id=mdef.id),
            ))
    return out
