"""The condition language of `when:` — small, non-Turing, parsed once, never eval'd.

Grammar (a whitelisted subset of Python expressions): names (the bundle's question
keys), literals (text, numbers, true/false), lists of literals, comparisons
``== != < <= > >=``, ``in`` / ``not in``, ``and`` / ``or`` / ``not`` and parentheses.
Attribute access, calls, subscripts and everything else are refused at load time.
Evaluation is three-valued: an unanswered question leaves the condition undecided.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from onething.dsl.i18n import N_, _
from onething.dsl.limits import MAX_INT_DIGITS

Value = str | int | float | bool | None | tuple

_LITERAL_NAMES = {"true": True, "false": False, "True": True, "False": False, "null": None, "None": None}
_OPS = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.In: "in", ast.NotIn: "not in",
}
_FORBIDDEN = {
    ast.Attribute: N_("attribute access"),
    ast.Call: N_("a function call"),
    ast.Subscript: N_("a subscript"),
    ast.Lambda: N_("a lambda"),
    ast.BinOp: N_("arithmetic"),
    ast.IfExp: N_("an if-expression"),
    ast.ListComp: N_("a comprehension"),
    ast.GeneratorExp: N_("a comprehension"),
    ast.SetComp: N_("a comprehension"),
    ast.DictComp: N_("a comprehension"),
    ast.Dict: N_("a mapping"),
    ast.NamedExpr: N_("an assignment"),
    ast.Starred: N_("unpacking"),
    ast.JoinedStr: N_("an f-string"),
    ast.Await: N_("await"),
    ast.Yield: N_("yield"),
}


class ConditionError(Exception):
    """A condition that cannot be accepted; ``code`` is E301 or E303."""

    def __init__(self, code: str, message: str, offset: int = 0, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.offset = offset
        self.hint = hint


@dataclass(frozen=True)
class Node:
    op: str  # and | or | not | cmp | name | const | list
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Condition:
    source: str
    tree: Node

    @property
    def names(self) -> frozenset[str]:
        return frozenset(_names(self.tree))

    def comparisons(self) -> list[tuple[str, str, Value]]:
        """(question, operator, literal) triples, for checking literals against options."""
        out: list[tuple[str, str, Value]] = []
        _comparisons(self.tree, out)
        return out

    def evaluate(self, answers: dict[str, Any]) -> bool | None:
        """True/False when decided by the answers, None when a needed answer is missing."""
        return _eval(self.tree, answers)

    def residual(self, answers: dict[str, Any]) -> str:
        """What is left of an undecided condition once the answers given are applied.

        ``married and stage == 'b'`` with ``married: true`` leaves ``stage == 'b'``. A condition
        none of whose questions is answered keeps the author's own text.
        """
        if not self.names & answers.keys():
            return self.source
        return _unparse(_simplify(self.tree, answers))


MAX_DEPTH = 50
"""How deeply a condition may nest (``not not …``, parentheses); far beyond any real one."""


_NUMBER = re.compile(r"(?<![\w.])\.?[0-9][\w.]*")  # a number token: starts with a digit, not inside a name
_NOT_DECIMAL = re.compile(r"[xXoObB_jJ]")
_DIGITS = re.compile(r"[0-9]+")


def _outside_strings(text: str) -> list[tuple[int, str]]:
    """The runs of ``text`` outside quoted strings, with their offsets."""
    if "'" not in text and '"' not in text:
        return [(0, text)]  # most conditions: no quoted text to step over character by character
    runs: list[tuple[int, str]] = []
    start, quote, i = 0, "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote, start = "", i + 1
        elif ch in "'\"":
            runs.append((start, text[start:i]))
            quote = ch
        i += 1
    if not quote:
        runs.append((start, text[start:]))
    return runs


def _check_characters(text: str) -> None:
    """Refuse what Python would silently fold or reinterpret, outside string literals.

    Full-width and other compatibility forms (``ｎ``, ``１``) are refused rather than folded:
    Python folds identifiers by NFKC, so the condition would test another name than the one the
    manifest shows. Numbers are decimal and short; hex, octal, binary, ``1_000`` and complex
    literals are refused (they read as other values than they show).
    """
    for start, run in _outside_strings(text):
        for i, ch in enumerate("" if run.isascii() else run):
            if ord(ch) > 127 and unicodedata.normalize("NFKC", ch) != ch:
                raise ConditionError(
                    "E301", f"the full-width or compatibility character {ch!r} "
                    f"(U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}) stands outside a quoted text; "
                    f"write {unicodedata.normalize('NFKC', ch)!r}", start + i)
        for number in _NUMBER.finditer(run):
            if _NOT_DECIMAL.search(number.group()):
                raise ConditionError("E303", "numbers in a condition are written in decimal digits only "
                                     "(no 0x, 0o, 0b, _ or j)", start + number.start())
            longest = max(len(d) for d in _DIGITS.findall(number.group()))
            if longest > MAX_INT_DIGITS:
                raise ConditionError("E019", f"a number of {longest:,} digits; the limit is {MAX_INT_DIGITS}",
                                     start + number.start())


def parse(source: str) -> Condition:
    text = source.strip()
    if not text:
        raise ConditionError("E301", _("the condition is empty"))
    lead = len(source) - len(source.lstrip())  # offsets below are into `source`, not `text`
    try:
        _check_characters(text)
    except ConditionError as exc:
        exc.offset = lead + exc.offset if "\n" not in text[: exc.offset] else lead
        raise
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        _explain_syntax(text, lead)  # raises with the author's words when it can say what is wrong
        dangling = _DANGLING.search(text)
        if dangling:  # pointed at the operator left without its right-hand side
            raise ConditionError("E301", _("not a valid condition: it ends too early"),
                                 lead + dangling.start()) from None
        offset = max((exc.offset or 1) - 1, 0) if (exc.lineno or 1) == 1 else 0
        near = text[offset:offset + 12].split("\n")[0].strip() if (exc.lineno or 1) == 1 else ""
        message = (_("not a valid condition: unexpected {text}").format(text=repr(near)) if near
                   else _("not a valid condition: it ends too early"))
        raise ConditionError("E301", message, lead + offset) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        # NUL bytes and lone surrogates (ValueError), absurd nesting (RecursionError)
        message = _("not a valid condition: it is nested too deeply") \
            if isinstance(exc, (RecursionError, MemoryError)) else \
            _("not a valid condition: it holds a NUL byte or a broken character")
        raise ConditionError("E301", message, lead) from None
    try:
        return Condition(text, _convert(tree.body, 0))
    except ConditionError as exc:
        # ast columns count UTF-8 bytes; report characters, on the first line only
        # (a multi-line condition points at its start)
        chars = len(text.encode("utf-8")[: exc.offset].decode("utf-8", "ignore"))
        exc.offset = lead + chars if "\n" not in text else lead
        raise


_OPEN, _CLOSE = "([{", ")]}"
_DANGLING = re.compile(r"(?:\b(?:and|or|not|in)|==|!=|<=|>=|<|>)\s*$")


def _explain_syntax(text: str, lead: int) -> None:
    """Raise a ConditionError for the slips Python's parser words for programmers.

    An unclosed bracket is reported where it opens, an unclosed quote where it starts, a
    closing bracket without its opening one where it stands, and a single ``=`` (written
    for a comparison) with a hint at ``==``. Offsets are characters into ``text`` + ``lead``.
    """
    stack: list[tuple[str, int]] = []
    quote: tuple[str, int] | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote is not None:
            if ch == "\\":
                i += 1
            elif ch == quote[0]:
                quote = None
        elif ch in "'\"":
            quote = (ch, i)
        elif ch in _OPEN:
            stack.append((ch, i))
        elif ch in _CLOSE:
            if not stack or _OPEN.index(stack[-1][0]) != _CLOSE.index(ch):
                raise ConditionError("E301", _("{bracket} closes a bracket that was not opened").format(
                    bracket=repr(ch)), lead + i)
            stack.pop()
        elif ch == "=" and (i == 0 or text[i - 1] not in "=!<>") and text[i + 1:i + 2] != "=":
            left = text[:i].rstrip().split()[-1] if text[:i].strip() else "a"
            raise ConditionError("E301", _("a single `=` is not a comparison"), lead + i, _(
                "write `==` to compare: {example}").format(example=f"{left} == {text[i + 1:].strip() or '…'}"))
        i += 1
    if quote is not None:
        raise ConditionError("E301", _("the text starting here has no closing quote {quote}").format(
            quote=quote[0]), lead + quote[1], _("close the text with the same quote it opens with"))
    if stack:
        ch, at = stack[-1]
        raise ConditionError("E301", _("the bracket {bracket} opened here is not closed").format(
            bracket=repr(ch)), lead + at, _("add the closing {bracket}").format(bracket=repr(_CLOSE[_OPEN.index(ch)])))


def _convert(node: ast.AST, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise ConditionError(
            "E301", _("the condition is nested more than {depth} levels deep").format(depth=MAX_DEPTH), getattr(node, "col_offset", 0)
        )
    depth += 1
    if isinstance(node, ast.BoolOp):
        op = "and" if isinstance(node.op, ast.And) else "or"
        return Node(op, tuple(_convert(v, depth) for v in node.values))
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not):
            return Node("not", (_convert(node.operand, depth),))
        if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) and isinstance(
            node.operand.value, (int, float)
        ) and not isinstance(node.operand.value, bool):
            return Node("const", (-node.operand.value,))
        raise ConditionError("E303", _("only `not` may stand before a value"), node.col_offset)
    if isinstance(node, ast.Compare):
        ops = tuple(_OPS[type(o)] for o in node.ops if type(o) in _OPS)
        if len(ops) != len(node.ops):
            raise ConditionError("E303", _("`is` comparisons are not allowed; use == or !="), node.col_offset)
        return Node("cmp", (_convert(node.left, depth), ops, tuple(_convert(c, depth) for c in node.comparators)))
    if isinstance(node, ast.Name):
        if node.id in _LITERAL_NAMES:
            return Node("const", (_LITERAL_NAMES[node.id],))
        return Node("name", (node.id,))
    if isinstance(node, ast.Constant):
        if isinstance(node.value, float) and not math.isfinite(node.value):
            raise ConditionError("E303", _("a number too large to be a number (it reads as infinity)"), node.col_offset)
        if isinstance(node.value, (str, int, float, bool)) or node.value is None:
            return Node("const", (node.value,))
        raise ConditionError("E303", _("{kind} literals are not allowed").format(kind=type(node.value).__name__), node.col_offset)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = []
        for elt in node.elts:
            conv = _convert(elt, depth)
            if conv.op != "const":
                raise ConditionError("E303", _("a list in a condition holds literals only"), elt.col_offset)
            items.append(conv.args[0])
        return Node("list", (tuple(items),))
    what = _(_FORBIDDEN[type(node)]) if type(node) in _FORBIDDEN else type(node).__name__
    raise ConditionError("E303", _("{what} is not allowed in a condition").format(what=what), getattr(node, "col_offset", 0))


def _names(node: Node) -> list[str]:
    if node.op == "name":
        return [node.args[0]]
    if node.op in ("and", "or"):
        return [n for a in node.args for n in _names(a)]
    if node.op == "not":
        return _names(node.args[0])
    if node.op == "cmp":
        left, _ops, rights = node.args
        return _names(left) + [n for r in rights for n in _names(r)]
    return []


def _comparisons(node: Node, out: list[tuple[str, str, Value]]) -> None:
    if node.op in ("and", "or", "not"):
        for a in node.args:
            _comparisons(a, out)
    elif node.op == "cmp":
        left, ops, rights = node.args
        operands = (left, *rights)
        for i, op in enumerate(ops):
            a, b = operands[i], operands[i + 1]
            if a.op == "name" and b.op in ("const", "list"):
                out.append((a.args[0], op, b.args[0]))
            elif b.op == "name" and a.op == "const":
                out.append((b.args[0], op, a.args[0]))


def _value(node: Node, answers: dict[str, Any]) -> Any:
    if node.op == "const" or node.op == "list":
        return node.args[0]
    if node.op == "name":
        return answers.get(node.args[0], _MISSING)
    return _eval(node, answers)


class _Missing:
    pass


_MISSING = _Missing()


def _compare(op: str, a: Any, b: Any) -> bool | None:
    if a is _MISSING or b is _MISSING or a is None and op not in ("==", "!="):
        return None
    try:
        if op == "==":
            return bool(a == b)
        if op == "!=":
            return bool(a != b)
        if op == "in":
            return a in b
        if op == "not in":
            return a not in b
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        return bool(a >= b)
    except TypeError:
        return False


def _eval(node: Node, answers: dict[str, Any]) -> bool | None:
    if node.op == "and":
        results = [_eval(a, answers) for a in node.args]
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True
    if node.op == "or":
        results = [_eval(a, answers) for a in node.args]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    if node.op == "not":
        r = _eval(node.args[0], answers)
        return None if r is None else not r
    if node.op == "cmp":
        left, ops, rights = node.args
        values = [_value(left, answers)] + [_value(r, answers) for r in rights]
        result: bool | None = True
        for i, op in enumerate(ops):
            r = _compare(op, values[i], values[i + 1])
            if r is False:
                return False
            if r is None:
                result = None
        return result
    if node.op == "name":
        v = answers.get(node.args[0], _MISSING)
        return None if v is _MISSING or v is None else bool(v)
    if node.op == "const":
        return bool(node.args[0])
    return bool(node.args[0])


def _simplify(node: Node, answers: dict[str, Any]) -> Node:
    """Drop the parts of and/or that the answers decide; the rest stays as written."""
    if node.op in ("and", "or"):
        neutral = node.op == "and"  # True is neutral in `and`, False in `or`
        kept = [_simplify(a, answers) for a in node.args if _eval(a, answers) is not neutral]
        return kept[0] if len(kept) == 1 else Node(node.op, tuple(kept))
    if node.op == "not":
        return Node("not", (_simplify(node.args[0], answers),))
    return node


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)


def _unparse(node: Node, parent: str = "") -> str:
    if node.op in ("and", "or"):
        text = f" {node.op} ".join(_unparse(a, node.op) for a in node.args)
        needs_parens = parent == "not" or (parent == "and" and node.op == "or")
        return f"({text})" if needs_parens else text
    if node.op == "not":
        return f"not {_unparse(node.args[0], 'not')}"
    if node.op == "cmp":
        left, ops, rights = node.args
        parts = [_unparse(left, "cmp")]
        for op, right in zip(ops, rights, strict=True):
            parts += [op, _unparse(right, "cmp")]
        text = " ".join(parts)
        return f"({text})" if parent == "not" else text
    if node.op == "name":
        return node.args[0]
    return _literal(node.args[0])
