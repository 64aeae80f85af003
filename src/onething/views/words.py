"""Manifest data in the reader's words: labels in their language, conditions as sentences.

A clerk reads ``父母是否已办理结婚登记 = 是``, not ``parents_married``: a condition is written
back with each question's label and each option's label, from the manifest's situation
section (the bundle's questions), never from the YAML.
"""

from __future__ import annotations

from typing import Any

from onething.compiler.manifest import SITUATION, FormField, Manifest
from onething.dsl.conditions import ConditionError, Node, parse
from onething.dsl.i18n import _, current_language


def label_text(label: dict[str, str] | None) -> str:
    """A bilingual label in the current language, else Chinese, else English."""
    label = label or {}
    return label.get(current_language()) or label.get("zh") or label.get("en") or ""


def questions_of(m: Manifest) -> dict[str, FormField]:
    """The bundle's questions (the form's situation section), by key."""
    return {f.key: f for s in m.form.sections if s.id == SITUATION for f in s.fields}


def condition_words(source: str, questions: dict[str, FormField]) -> str:
    """A ``when:`` condition with question and option labels instead of keys.

    A condition that cannot be parsed (it never reaches a manifest) is shown as written.
    """
    try:
        tree = parse(source).tree
    except ConditionError:
        return source
    return _words(tree, questions, "")


def _words(node: Node, qs: dict[str, FormField], parent: str) -> str:
    if node.op in ("and", "or"):
        joiner = " " + (_("and") if node.op == "and" else _("or")) + " "
        text = joiner.join(_words(a, qs, node.op) for a in node.args)
        needs_parens = parent == "not" or (parent == "and" and node.op == "or")
        return f"({text})" if needs_parens else text
    if node.op == "not":
        inner = node.args[0]
        if inner.op == "name":
            return _("{question} = {answer}").format(question=_question(inner.args[0], qs), answer=_("no"))
        return _("not {condition}").format(condition=_words(inner, qs, "not"))
    if node.op == "name":
        return _("{question} = {answer}").format(question=_question(node.args[0], qs), answer=_("yes"))
    if node.op == "cmp":
        left, ops, rights = node.args
        operands = (left, *rights)
        parts = []
        for i, op in enumerate(ops):
            parts.append(_comparison(operands[i], op, operands[i + 1], qs))
        return (" " + _("and") + " ").join(parts)
    return _value(node, None, qs)


def _comparison(a: Node, op: str, b: Node, qs: dict[str, FormField]) -> str:
    if a.op != "name" and b.op == "name":  # 'x' == q reads as q = x
        a, b = b, a
        op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
    key = a.args[0] if a.op == "name" else None
    left = _question(key, qs) if key is not None else _value(a, None, qs)
    right = _value(b, key, qs)
    template = {
        "==": _("{question} = {answer}"),
        "!=": _("{question} is not {answer}"),
        "in": _("{question} is one of {answer}"),
        "not in": _("{question} is none of {answer}"),
    }.get(op)
    if template is None:
        return f"{left} {op} {right}"
    return template.format(question=left, answer=right)


def _question(key: str, qs: dict[str, FormField]) -> str:
    q = qs.get(key)
    return (label_text(q.label) if q is not None else "") or key


def _value(node: Node, key: str | None, qs: dict[str, FormField]) -> str:
    if node.op == "name":
        return _question(node.args[0], qs)
    value: Any = node.args[0]
    if node.op == "list":
        return " / ".join(_literal(v, key, qs) for v in value)
    return _literal(value, key, qs)


def _literal(value: Any, key: str | None, qs: dict[str, FormField]) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return _("unknown")
    q = qs.get(key) if key is not None else None
    for option in (q.options or []) if q is not None else []:
        if option.value == value:
            return label_text(option.label) or str(value)
    return str(value)
