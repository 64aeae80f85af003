"""Selection: which items a compile covers, and what the answers decide (partial evaluation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from onething.compiler.resolve import ResolvedBundle, ResolvedItem
from onething.dsl.conditions import Condition
from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.i18n import _
from onething.dsl.source import Location
from onething.dsl.validation import suggest


def _optional_hint(optional: list[str]) -> str:
    return _("optional items: {items}").format(items=", ".join(optional) or _("none"))


def conjoin(parts: list[str]) -> str | None:
    parts = [p for p in parts if p]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return " and ".join(f"({p})" if " or " in p else p for p in parts)


def disjoin(parts: list[str | None]) -> str | None:
    """OR of residual conditions; None (always) wins."""
    if any(p is None for p in parts) or not parts:
        return None
    unique = sorted(set(p for p in parts if p), key=parts.index)
    if len(unique) == 1:
        return unique[0]
    return " or ".join(f"({p})" if " and " in p or " or " in p else p for p in unique)


@dataclass
class Selection:
    """The items in play and the residual conditions the answers did not decide."""

    items: list[ResolvedItem]
    item_when: dict[str, str | None]
    excluded: list[tuple[str, str]]
    optional_chosen: list[str]
    answers: dict[str, Any]
    undecided: list[str]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _material_uses: dict[str, list[tuple[int, Any, tuple[str, ...]]]] = field(default_factory=dict, repr=False)
    # what the bundle itself asks (`requires:`) and applies: (index, requirement, residual conjuncts)
    requirement_fields: list[tuple[int, Any, tuple[str, ...]]] = field(default_factory=list)
    requirement_materials: list[tuple[int, Any, tuple[str, ...]]] = field(default_factory=list)

    def material_uses(self, ri: ResolvedItem) -> list[tuple[int, Any, tuple[str, ...]]]:
        """The material requirements of ``ri`` that apply: (index, requirement, residual conjuncts).

        Decided once per item; the plan (produce → consume edges) and the material list share it.
        """
        if ri.id not in self._material_uses:
            kept = []
            for j, mu in enumerate(ri.model.materials or []):
                applies, parts = self.decide_parts(ri, ri.material_when.get(j))
                if applies:
                    kept.append((j, mu, tuple(parts)))
            self._material_uses[ri.id] = kept
        return self._material_uses[ri.id]

    def decide(self, ri: ResolvedItem, cond: Condition | None) -> tuple[bool, str | None]:
        """Whether a use (field or material) of ``ri`` applies, and its residual condition."""
        applies, parts = self.decide_parts(ri, cond)
        return applies, conjoin(parts)

    def decide_own(self, ri: ResolvedItem, element: str, index: int) -> tuple[bool, str | None]:
        """Whether an entry of one of the item's conditional facts (issue 15) applies, and its own
        residual condition (without the item's: the step carries that)."""
        cond = ri.fact_when.get((element, index))
        if cond is None:
            return True, None
        verdict = cond.evaluate(self.answers)
        if verdict is None:
            return True, cond.residual(self.answers)
        return verdict, None

    def decide_parts(self, ri: ResolvedItem, cond: Condition | None) -> tuple[bool, list[str]]:
        """Like decide, with the residual as its conjuncts (the item's, then the use's)."""
        parts: list[str] = []
        if self.item_when.get(ri.id):
            parts.append(self.item_when[ri.id])  # type: ignore[arg-type]
        if cond is not None:
            verdict = cond.evaluate(self.answers)
            if verdict is False:
                return False, []
            if verdict is None:
                parts.append(cond.residual(self.answers))
        return True, parts


def select(
    rb: ResolvedBundle, chosen: list[str] | None, answers: dict[str, Any] | None
) -> Selection:
    """Apply ``--select`` (None = every optional item) and the answers to the bundle."""
    diags: list[Diagnostic] = []
    ids = [ri.id for ri in rb.items]
    optional = [ri.id for ri in rb.items if ri.optional]
    if chosen is not None:
        for c in chosen:
            if c not in ids:
                guess = suggest(c, optional)  # a typo of an optional item, as a scenario's select: says
                diags.append(make("E503", _("--select names {item}, which is not an item of bundle {bundle}").format(item=repr(c), bundle=repr(rb.bundle.bundle)),
                                  Location(rb.entry.file),
                                  _("did you mean {guess!r}?").format(guess=guess) if guess else _optional_hint(optional)))
            elif c not in optional:
                diags.append(make("E503", _("--select names {item}, which is not optional (it is always included)").format(item=repr(c)),
                                  Location(rb.entry.file), _optional_hint(optional)))
    answers = dict(answers or {})
    items: list[ResolvedItem] = []
    item_when: dict[str, str | None] = {}
    excluded: list[tuple[str, str]] = []
    for ri in rb.items:
        if ri.optional and chosen is not None and ri.id not in chosen:
            excluded.append((ri.id, "not_selected"))
            continue
        if ri.when is not None:
            verdict = ri.when.evaluate(answers)
            if verdict is False:
                excluded.append((ri.id, "condition_false"))
                continue
            item_when[ri.id] = None if verdict else ri.when.residual(answers)
        else:
            item_when[ri.id] = None
        items.append(ri)
    used: set[str] = set()
    for ri in items:
        for c in [ri.when, *ri.field_when.values(), *ri.material_when.values(), *ri.fact_when.values()]:
            if c is not None:
                used |= c.names
    for c in [*rb.requirement_field_when.values(), *rb.requirement_material_when.values()]:
        used |= c.names
    undecided = sorted(n for n in used if n not in answers)
    chosen_list = [i for i in optional if chosen is None or i in chosen]
    sel = Selection(items, item_when, excluded, chosen_list, answers, undecided, diags)
    req = rb.bundle.requires
    if req is not None:
        sel.requirement_fields = _applying(req.fields, rb.requirement_field_when, answers)
        sel.requirement_materials = _applying(req.materials, rb.requirement_material_when, answers)
    return sel


def _applying(
    uses: list[Any], when: dict[int, Condition], answers: dict[str, Any]
) -> list[tuple[int, Any, tuple[str, ...]]]:
    """The bundle's own requirements the answers do not rule out, with their residual condition."""
    out = []
    for j, use in enumerate(uses):
        c = when.get(j)
        verdict = c.evaluate(answers) if c is not None else True
        if verdict is False:
            continue
        out.append((j, use, () if verdict else (c.residual(answers),)))  # type: ignore[union-attr]
    return out
