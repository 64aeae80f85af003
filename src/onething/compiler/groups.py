"""Field groups before the form is built: no group may contain itself, and the form they
expand into stays within the limits (a few nested groups multiply fields quickly).

Walked without recursion, so neither a cycle nor a long chain of groups can exhaust the stack.
"""

from __future__ import annotations

from onething.compiler.resolve import ResolvedBundle
from onething.compiler.selection import Selection
from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.i18n import _
from onething.dsl.limits import MAX_FORM_FIELDS, MAX_GROUP_DEPTH


def _members(rb: ResolvedBundle, key: str) -> list[str]:
    fdef = rb.fields[key].model
    return [m for m in fdef.fields or [] if m in rb.fields] if fdef.type == "group" else []


def check_groups(rb: ResolvedBundle, sel: Selection) -> list[Diagnostic]:
    """E016 when the form the groups expand into grows too large or too deep.

    A group that contains itself is reported by resolve (E211) and stops the compile before
    this; should one come through all the same, it is reported here too (E211), never expanded.
    """
    roots = list(dict.fromkeys(fu.key for ri in sel.items for fu in ri.model.fields or [] if fu.key in rb.fields))
    size: dict[str, int] = {}  # key → fields it expands to (itself and its members'), capped
    depth: dict[str, int] = {}  # key → levels of groups below and including it
    diags: list[Diagnostic] = []
    cyclic = False
    for root in roots:
        if root in size:
            continue
        if rb.fields[root].model.type != "group":  # most fields: one field, no levels (what the walk gives)
            size[root] = 1
            depth[root] = 0
            continue
        stack: list[tuple[str, int]] = [(root, 0)]  # (group key, index of the next member)
        on_path = [root]
        while stack:
            key, i = stack[-1]
            members = _members(rb, key)
            if i < len(members):
                stack[-1] = (key, i + 1)
                member = members[i]
                if member in on_path:
                    cyclic = True
                    path = on_path[on_path.index(member):] + [member]
                    diags.append(make(
                        "E211",
                        _("field group {key!r} contains itself: {path}").format(key=member, path=" → ".join(path)),
                        rb.fields[key].loc("fields", rb.fields[key].model.fields.index(member)),
                        _("remove the group from its own members, directly or through another group"),
                    ))
                elif member not in size:
                    stack.append((member, 0))
                    on_path.append(member)
                continue
            stack.pop()
            on_path.pop()
            done = [m for m in members if m in size]
            size[key] = min(1 + sum(size[m] for m in done), MAX_FORM_FIELDS + 1)
            depth[key] = 1 + max((depth[m] for m in done), default=0) if members else 0
    if cyclic:
        return diags
    total = len(rb.bundle.questions) + sum(size[k] for k in roots)
    deepest = max(roots, key=lambda k: depth[k], default=None)
    where = rb.entry.loc("bundle")
    if total > MAX_FORM_FIELDS:
        diags.append(make(
            "E016",
            _("the combined form expands to more than {limit:,} fields once groups are expanded").format(
                limit=MAX_FORM_FIELDS),
            where,
            _("flatten or split the groups; a form that long cannot be filled in"),
        ))
    elif deepest is not None and depth[deepest] > MAX_GROUP_DEPTH:
        diags.append(make(
            "E016",
            _("field group {key!r} nests groups {n} levels deep; the limit is {limit}").format(
                key=deepest, n=depth[deepest], limit=MAX_GROUP_DEPTH),
            rb.fields[deepest].loc("key"),
            _("flatten the groups"),
        ))
    return diags
