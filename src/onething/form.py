"""Form merge (一表申请): the selected items' fields, once each, in sections by subject."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from onething.diagnostics import Diagnostic, make
from onething.entries import Entry
from onething.manifest import Form, FormField, OptionOut, Section
from onething.models.catalog import FieldDef
from onething.resolve import ResolvedBundle
from onething.selection import Selection, disjoin

SITUATION = "situation"
# Stable section order: the person(s) concerned first, then objects, then payment and delivery.
SECTION_TITLES: dict[str, dict[str, str]] = {
    SITUATION: {"zh": "申请情形", "en": "Your situation"},
    "applicant": {"zh": "申请人信息", "en": "Applicant"},
    "agent": {"zh": "代理人信息", "en": "Agent"},
    "child": {"zh": "子女信息", "en": "Child"},
    "mother": {"zh": "母亲信息", "en": "Mother"},
    "father": {"zh": "父亲信息", "en": "Father"},
    "guardian": {"zh": "监护人信息", "en": "Guardian"},
    "student": {"zh": "学生信息", "en": "Student"},
    "party_a": {"zh": "男方信息", "en": "Party A"},
    "party_b": {"zh": "女方信息", "en": "Party B"},
    "spouse": {"zh": "配偶信息", "en": "Spouse"},
    "household": {"zh": "户籍信息", "en": "Household registration"},
    "deceased": {"zh": "逝者信息", "en": "The deceased"},
    "heir": {"zh": "继承人信息", "en": "Heirs"},
    "veteran": {"zh": "退役军人信息", "en": "Veteran"},
    "insured": {"zh": "参保人信息", "en": "Insured person"},
    "retiree": {"zh": "退休人员信息", "en": "Retiree"},
    "disability": {"zh": "残疾信息", "en": "Disability"},
    "employee": {"zh": "员工信息", "en": "Employee"},
    "employer": {"zh": "用人单位信息", "en": "Employer"},
    "enterprise": {"zh": "企业信息", "en": "Enterprise"},
    "legal_rep": {"zh": "法定代表人信息", "en": "Legal representative"},
    "shareholder": {"zh": "股东信息", "en": "Shareholders"},
    "business": {"zh": "经营信息", "en": "Business"},
    "restaurant": {"zh": "餐饮经营信息", "en": "Restaurant"},
    "change": {"zh": "变更事项", "en": "Changes"},
    "deregistration": {"zh": "注销信息", "en": "Deregistration"},
    "property": {"zh": "不动产信息", "en": "Property"},
    "transferor": {"zh": "转让方信息", "en": "Transferor"},
    "transferee": {"zh": "受让方信息", "en": "Transferee"},
    "seller": {"zh": "卖方信息", "en": "Seller"},
    "buyer": {"zh": "买方信息", "en": "Buyer"},
    "transaction": {"zh": "交易信息", "en": "Transaction"},
    "mortgage": {"zh": "抵押信息", "en": "Mortgage"},
    "project": {"zh": "项目信息", "en": "Project"},
    "utility": {"zh": "报装需求", "en": "Utility needs"},
    "school": {"zh": "学校信息", "en": "School"},
    "loan": {"zh": "贷款信息", "en": "Loan"},
    "medical": {"zh": "就医信息", "en": "Medical care"},
    "insurance": {"zh": "参保信息", "en": "Insurance"},
}
_LAST = ("bank", "delivery")
SECTION_TITLES.update({
    "bank": {"zh": "银行账户信息", "en": "Bank account"},
    "delivery": {"zh": "结果送达", "en": "Delivery of results"},
})
_ORDER = {k: i for i, k in enumerate(SECTION_TITLES) if k not in _LAST}
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def section_rank(subject: str) -> tuple[int, str]:
    if subject in _LAST:
        return (10_000 + _LAST.index(subject), subject)
    return (_ORDER.get(subject, 5_000), subject)


def section_title(subject: str) -> dict[str, str]:
    return SECTION_TITLES.get(subject, {"zh": subject, "en": subject.replace("_", " ").capitalize()})


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
    for ri in sel.items:
        keys: list[str] = []
        for fu in ri.model.fields or []:
            if fu.key not in rb.fields:
                continue
            applies, residual = sel.decide(ri, ri.field_when.get(fu.key))
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
    for key in order:
        fdef = rb.fields[key].model
        u = uses[key]
        used_by = sorted({item for item, _, _ in u}, key=[ri.id for ri in sel.items].index)
        required = any(req for _, req, _ in u)
        when = disjoin([residual for _, _, residual in u])
        sections[fdef.subject].append(_field_out(fdef, rb.fields, required, used_by, when))

    out_sections = []
    if situation:
        out_sections.append(Section(id=SITUATION, title=section_title(SITUATION), fields=situation))
    for subject in sorted(sections, key=section_rank):
        out_sections.append(Section(id=subject, title=section_title(subject), fields=sections[subject]))

    lints: list[tuple[Diagnostic, list[str]]] = []
    by_label: dict[str, list[str]] = defaultdict(list)
    for key in order:
        by_label[normalise_label(rb.fields[key].model.label["zh"])].append(key)
    for label, keys in by_label.items():
        if len(keys) < 2:
            continue
        first = rb.fields[keys[0]]
        concerned = sorted({item for k in keys for item, _, _ in uses[k]})
        lints.append((make(
            "W601",
            f"fields {', '.join(repr(k) for k in keys)} have the same label "
            f"{first.model.label['zh']!r}: probably the same question asked twice",
            first.loc("label"),
            "use one field key for both items, or suppress with the reason they differ",
            related=tuple(rb.fields[k].loc("label") for k in keys[1:]),
        ), concerned))
    return Form(sections=out_sections), lints, item_fields
