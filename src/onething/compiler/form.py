"""Form merge (一表申请): the selected items' fields, once each, in sections by subject."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from onething.compiler.manifest import SITUATION, Form, FormField, OptionOut, Section
from onething.compiler.resolve import ResolvedBundle
from onething.compiler.selection import Selection, conjoin, disjoin
from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.entries import Entry
from onething.dsl.i18n import _
from onething.dsl.models.catalog import FieldDef

__all__ = ["SITUATION", "merge_form"]
_SITUATION_TITLE = {"zh": "申请情形", "en": "Your situation"}
_UNTITLED_ORDER = 900


def section_rank(rb: ResolvedBundle, subject: str) -> tuple[int, str]:
    """Sections sort by the catalog's `order`, then id; untitled ones go near the end."""
    entry = rb.catalog.sections.get(subject)
    return (entry.model.order if entry else _UNTITLED_ORDER, subject)


def section_title(rb: ResolvedBundle, subject: str) -> dict[str, str]:
    entry = rb.catalog.sections.get(subject)
    if entry is not None:
        return dict(entry.model.title)
    if subject == SITUATION:
        return dict(_SITUATION_TITLE)
    return {"zh": subject, "en": subject.replace("_", " ").capitalize()}


_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_label(text: str) -> str:
    """Labels equal after NFKC (full-/half-width), case folding and removing spaces/punctuation."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text)).casefold()


def _field_out(
    fdef: FieldDef, fields: dict[str, Entry[FieldDef]], required: bool, used_by: list[str], when: str | None
) -> FormField:
    members = None
    if fdef.type == "group":
        members = [
            _field_out(fields[k].model, fields, True, used_by, None) for k in fdef.fields or [] if k in fields
        ]
    return FormField(
        key=fdef.key,
        label=dict(fdef.label),
        type=fdef.type,
        required=required,
        used_by=used_by,
        when=when,
        help=dict(fdef.help) if fdef.help else None,
        options=[OptionOut(value=o.value, label=dict(o.label)) for o in fdef.options] if fdef.options else None,
        min_length=fdef.min_length,
        max_length=fdef.max_length,
        minimum=str(fdef.minimum) if fdef.minimum is not None else None,
        maximum=str(fdef.maximum) if fdef.maximum is not None else None,
        pattern=fdef.pattern,
        repeat=fdef.repeat.model_dump() if fdef.repeat else None,
        fields=members,
        sensitive=fdef.sensitive,
    )


def merge_form(
    rb: ResolvedBundle, sel: Selection
) -> tuple[Form, list[tuple[Diagnostic, list[str]]], dict[str, list[str]]]:
    """The combined form, W601 lints (with the items they concern), each item's field keys."""
    order: list[str] = []
    uses: dict[str, list[tuple[str, bool, str | None]]] = defaultdict(list)
    item_fields: dict[str, list[str]] = {}
    # the bundle's own form first (`requires: fields:`): used_by names the bundle
    for _i, fu, parts in sel.requirement_fields:
        if fu.key not in rb.fields:
            continue
        if fu.key not in uses:
            order.append(fu.key)
        uses[fu.key].append((rb.bundle.bundle, fu.required, conjoin(list(parts))))
    for ri in sel.items:
        keys: list[str] = []
        for i, fu in enumerate(ri.model.fields or []):
            if fu.key not in rb.fields:
                continue
            applies, residual = sel.decide(ri, ri.field_when.get(i))
            if not applies:
                continue
            if fu.key not in uses:
                order.append(fu.key)
            uses[fu.key].append((ri.id, fu.required, residual))
            keys.append(fu.key)
        item_fields[ri.id] = keys

    sections: dict[str, list[FormField]] = defaultdict(list)
    situation = [
        FormField(
            key=q.key,
            label=dict(q.label),
            type=q.type,
            required=True,
            used_by=[],
            help=dict(q.help) if q.help else None,
            options=[OptionOut(value=o.value, label=dict(o.label)) for o in q.options] if q.options else None,
        )
        for q in rb.bundle.questions
    ]
    rank = {owner: i for i, owner in enumerate([rb.bundle.bundle, *(ri.id for ri in sel.items)])}
    for key in order:
        fdef = rb.fields[key].model
        u = uses[key]
        used_by = sorted({item for item, _, _ in u}, key=rank.__getitem__)
        required = any(req for _, req, _ in u)
        when = disjoin([residual for _, _, residual in u])
        sections[fdef.subject].append(_field_out(fdef, rb.fields, required, used_by, when))

    out_sections = []
    if situation:
        out_sections.append(Section(id=SITUATION, title=section_title(rb, SITUATION), fields=situation))
    lints: list[tuple[Diagnostic, list[str]]] = []
    for subject in sorted(sections, key=lambda s: section_rank(rb, s)):
        out_sections.append(Section(id=subject, title=section_title(rb, subject), fields=sections[subject]))
        if subject not in rb.catalog.sections:
            first = rb.fields[sections[subject][0].key]
            lints.append((make(
                "W606",
                _("form section {subject} (from field {key}) has no title in the catalog").format(subject=repr(subject), key=repr(first.model.key)),
                first.loc("key"),
                _("add `- {{id: {subject}, title: {{zh: …, en: …}}, order: N}}` under `sections:` in the catalog").format(subject=subject),
            ), sorted(sections[subject][0].used_by)))

    by_label: dict[str, list[str]] = defaultdict(list)
    for key in order:
        by_label[normalise_label(rb.fields[key].model.label["zh"])].append(key)
    for _label, keys in by_label.items():
        if len(keys) < 2:
            continue
        first = rb.fields[keys[0]]
        concerned = sorted({item for k in keys for item, _, _ in uses[k]})
        lints.append((make(
            "W601",
            _("fields {items} have the same label {value}: probably the same question asked twice").format(items=', '.join((repr(k) for k in keys)), value=repr(first.model.label['zh'])),
            first.loc("label"),
            _("use one field key for both items, or suppress with the reason they differ"),
            related=tuple(rb.fields[k].loc("label") for k in keys[1:]),
        ), concerned))
    return Form(sections=out_sections), lints, item_fields
