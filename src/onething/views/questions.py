"""What a clerk asks the applicant: the situation questions, the optional items, the form.

Two views of one manifest: a table to read at the window, and an answers-file template
(YAML, every key with its label and choices as comments) to fill in and pass to
``--answers``. The template has the shape ``onething.dsl.answers`` reads: one mapping of
flat keys, question keys and dotted field keys; a key left blank is not answered.
"""

from __future__ import annotations

import json
import re

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from onething.compiler.manifest import SITUATION, FormField, Manifest
from onething.dsl.i18n import _
from onething.views.plan_table import ASCII_HEAD, fit_table
from onething.views.words import condition_words, label_text, questions_of

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _both(label: dict[str, str] | None) -> str:
    """"中文 / English" (either alone when only one is given), on one line."""
    label = label or {}
    parts = [label.get("zh", ""), label.get("en", "")]
    text = " / ".join(dict.fromkeys(p for p in parts if p))
    return _CONTROL.sub(" ", text).strip()


def _answer_kind(q: FormField) -> str:
    if q.type == "boolean":
        return _("true or false")
    if q.type == "integer":
        return _("a whole number")
    if q.type == "enum":
        return _("one of: {values}").format(values=", ".join(o.value for o in q.options or []))
    return _("text")


def _optional_items(m: Manifest) -> list[str]:
    return [i for st in m.plan.stages for i in st if m.plan.steps[i].optional]


def questions_renderables(m: Manifest, width: int = 100) -> list[RenderableType]:
    """The questions (label, key, how to answer) and the optional items, as tables."""
    b = m.bundle
    out: list[RenderableType] = [Text(f"{_both(b.title)}  ({b.id} {b.version})", style="bold")]
    qs = questions_of(m)
    table = Table(box=ASCII_HEAD, header_style="bold", padding=(0, 1, 0, 0))
    for header in (_("question"), _("key"), _("answer")):
        table.add_column(header, overflow="fold")
    for q in qs.values():
        answer = _answer_kind(q)
        if q.type == "enum":
            answer = "\n".join(f"{o.value} = {label_text(o.label)}" for o in q.options or [])
        question = Text(label_text(q.label))
        if q.help:
            question.append("\n" + label_text(q.help), style="dim")
        table.add_row(question, Text(q.key), Text(answer))
    if qs:
        out.append(fit_table(table, width))
    else:
        out.append(Text(_("This bundle asks no situation questions.")))
    optional = _optional_items(m)
    if optional:
        items = Table(box=ASCII_HEAD, header_style="bold", padding=(0, 1, 0, 0))
        for header in (_("optional item"), _("id"), _("department")):
            items.add_column(header, overflow="fold")
        for i in optional:
            s = m.plan.steps[i]
            items.add_row(Text(label_text(s.name)), Text(i), Text(label_text(b.departments.get(s.department))
                                                                 or s.department))
        out.append(fit_table(items, width))
        out.append(Text(_("The applicant chooses the optional items (联办事项); name the chosen ones with "
                          "--select ITEM,... (--select '' for none).")))
    fields = sum(1 for s in m.form.sections if s.id != SITUATION for _f in s.fields)
    out.append(Text(_("The combined form has {n} more fields; an answers file to fill in: "
                      "onething questions BUNDLE --format yaml").format(n=fields)))
    return out


def _yaml_key(key: str) -> str:
    """A key as YAML reads it back as the same text (ids and dotted keys need no quotes)."""
    return key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-]*", key) else json.dumps(key, ensure_ascii=False)


def answers_template(m: Manifest, bundle_path: str) -> str:
    """A commented answers file: the questions, the optional items, the combined form's fields.

    Every key is written blank (YAML null: not answered); comments say what each asks and
    what it takes. Filled in, it is accepted by ``compile --answers``.
    """
    b = m.bundle
    lines = [
        "# " + _("Answers for {bundle} ({id} {version})").format(bundle=_both(b.title), id=b.id, version=b.version),
        "# " + _("Fill in after each colon; leave blank what the applicant has not said (it stays undecided)."),
        "# " + _("Then: onething plan {bundle} --answers THIS_FILE").format(bundle=bundle_path),
        "",
    ]
    qs = questions_of(m)
    if qs:
        lines.append("# --- " + _("Situation (申请情形): decides which items and materials apply") + " ---")
        for q in qs.values():
            lines.append("# " + _both(q.label) + " — " + _answer_kind(q))
            if q.help:
                lines.append("#   " + _both(q.help))
            for o in q.options or []:
                lines.append(f"#   {o.value}: {_both(o.label)}")
            lines.append(f"{_yaml_key(q.key)}:")
        lines.append("")
    optional = _optional_items(m)
    if optional:
        lines.append("# --- " + _("Optional items (联办事项): the applicant chooses") + " ---")
        lines.append("# " + _("Tick the wanted ones, then name them with --select when compiling:"))
        lines.append("#   onething compile {bundle} --answers THIS_FILE --select {items}".format(
            bundle=bundle_path, items=",".join(optional)))
        for i in optional:
            lines.append(f"#   [ ] {i}: {_both(m.plan.steps[i].name)}")
        lines.append("")
    for section in m.form.sections:
        if section.id == SITUATION:
            continue
        lines.append("# --- " + _("Form (一表申请): {section}").format(section=_both(section.title)) + " ---")
        for f in section.fields:
            lines += _field_lines(f, qs)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _field_lines(f: FormField, qs: dict[str, FormField]) -> list[str]:
    notes = [_both(f.label)]
    if f.required:
        notes.append(_("required"))
    if f.when:
        notes.append(_("when {condition}").format(condition=_CONTROL.sub(" ", condition_words(f.when, qs))))
    if f.options:
        notes.append(_("one of: {values}").format(values=", ".join(o.value for o in f.options)))
    if f.type == "group":
        repeat = f.repeat or {}
        notes.append(_("a list, {min} to {max} entries, each with the keys below").format(
            min=repeat.get("min", 0), max=repeat.get("max") if repeat.get("max") is not None else "…"))
        out = [f"{_yaml_key(f.key)}:  # " + "; ".join(notes)]
        for member in f.fields or []:
            out.append(f"#   - {_yaml_key(member.key)}:  {_both(member.label)}")
        return out
    return [f"{_yaml_key(f.key)}:  # " + "; ".join(notes)]
