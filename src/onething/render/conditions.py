"""A field's `when` condition three ways: in words (for the printed form), as JSON Schema
(for other channels), as a small JSON tree (for the page's own script).

The condition language is the DSL's (`onething.dsl.conditions`): parsed, never evaluated
as code. Names are the bundle's questions, which the combined form asks first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from onething.dsl.conditions import Node, parse
from onething.render.labels import WORDING

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _label(field: Mapping[str, Any] | None, lang: str, fallback: str) -> str:
    if not field:
        return fallback
    label = field.get("label") or {}
    return label.get(lang) or label.get("zh") or fallback


def _option(field: Mapping[str, Any] | None, value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return WORDING["yes" if value else "no"][lang]
    for opt in (field or {}).get("options") or []:
        if opt["value"] == value:
            return opt["label"].get(lang) or opt["label"].get("zh") or str(value)
    return str(value)


def _pairs(node: Node) -> list[tuple[str, str, Any]]:
    """A comparison chain as (question, operator, literal) with the question on the left."""
    left, ops, rights = node.args
    operands = (left, *rights)
    out = []
    for i, op in enumerate(ops):
        a, b = operands[i], operands[i + 1]
        if a.op == "name" and b.op in ("const", "list"):
            out.append((a.args[0], op, b.args[0]))
        elif b.op == "name" and a.op == "const":
            out.append((b.args[0], _FLIP.get(op, op), a.args[0]))
    return out


def words(source: str, questions: Mapping[str, Mapping[str, Any]], lang: str) -> str:
    """The condition in words of ``lang`` (zh or en), naming each question by its label."""
    w = {k: v.get(lang) or v["zh"] for k, v in WORDING.items()}

    def say(node: Node, parent: str = "") -> str:
        if node.op in ("and", "or"):
            if node.op == "or":
                sep = "；或" if lang == "zh" else "; or "
            else:
                sep = w["condition_and"] if lang == "zh" else " " + w["condition_and"] + " "
            text = sep.join(say(a, node.op) for a in node.args)
            return f"({text})" if parent in ("and", "not") and node.op == "or" else text
        if node.op == "not":
            inner = node.args[0]
            if inner.op == "name":
                q = inner.args[0]
                return w["cond_no"].format(q=_label(questions.get(q), lang, q))
            return w["condition_not"].format(x=say(inner, "not"))
        if node.op == "name":
            q = node.args[0]
            return w["cond_yes"].format(q=_label(questions.get(q), lang, q))
        if node.op == "cmp":
            parts = []
            for q, op, value in _pairs(node):
                field = questions.get(q)
                name = _label(field, lang, q)
                if op in ("==", "!=") and isinstance(value, bool):
                    key = "cond_yes" if (op == "==") == value else "cond_no"
                    parts.append(w[key].format(q=name))
                elif op in ("==", "!="):
                    key = "cond_is" if op == "==" else "cond_is_not"
                    parts.append(w[key].format(q=name, v=_option(field, value, lang)))
                elif op in ("in", "not in"):
                    sep = "、" if lang == "zh" else "”, “"
                    values = sep.join(_option(field, v, lang) for v in value)
                    parts.append(w["cond_in" if op == "in" else "cond_not_in"].format(q=name, v=values))
                else:
                    parts.append(w["cond_cmp"].format(q=name, op=op, v=value))
            return (w["condition_and"] if lang == "zh" else " " + w["condition_and"] + " ").join(parts)
        return str(node.args[0])

    return say(parse(source).tree)


def words_label(source: str, questions: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """The condition in words in every language the page wording has (zh, en)."""
    return {lang: words(source, questions, lang) for lang in ("zh", "en")}


def tree(source: str) -> Any:
    """The condition as nested lists for the page's script: ["and", …], ["eq", q, v] …"""

    def conv(node: Node) -> Any:
        if node.op in ("and", "or"):
            return [node.op, *(conv(a) for a in node.args)]
        if node.op == "not":
            return ["not", conv(node.args[0])]
        if node.op == "name":
            return ["truthy", node.args[0]]
        if node.op == "cmp":
            parts = [["cmp", op, q, list(v) if isinstance(v, tuple) else v] for q, op, v in _pairs(node)]
            return parts[0] if len(parts) == 1 else ["and", *parts]
        return ["const", bool(node.args[0])]

    return conv(parse(source).tree)


def schema(source: str) -> dict[str, Any]:
    """The condition as a JSON Schema that holds for an answers object exactly when it is true.

    A question the condition names must be answered for a comparison to hold (the form asks
    every question, so an unanswered one is reported as missing itself).
    """

    def has(q: str, sub: dict[str, Any]) -> dict[str, Any]:
        return {"required": [q], "properties": {q: sub}}

    def cmp(q: str, op: str, v: Any) -> dict[str, Any]:
        if op == "==":
            return has(q, {"const": v})
        if op == "!=":
            return has(q, {"not": {"const": v}})
        if op == "in":
            return has(q, {"enum": list(v)})
        if op == "not in":
            return has(q, {"not": {"enum": list(v)}})
        bound = {"<": "exclusiveMaximum", "<=": "maximum", ">": "exclusiveMinimum", ">=": "minimum"}[op]
        return has(q, {"type": "number", bound: v})

    def conv(node: Node) -> dict[str, Any]:
        if node.op in ("and", "or"):
            return {"allOf" if node.op == "and" else "anyOf": [conv(a) for a in node.args]}
        if node.op == "not":
            return {"not": conv(node.args[0])}
        if node.op == "name":
            return has(node.args[0], {"const": True})
        if node.op == "cmp":
            parts = [cmp(q, op, v) for q, op, v in _pairs(node)]
            return parts[0] if len(parts) == 1 else {"allOf": parts}
        return {} if node.args[0] else {"not": {}}

    return conv(parse(source).tree)
