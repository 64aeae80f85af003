"""The dispatch plan: items as a dependency graph, parallel stages, the critical path."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from onething.compiler.digraph import DiGraph
from onething.compiler.resolve import ResolvedItem
from onething.compiler.selection import Selection
from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.i18n import _
from onething.dsl.models.catalog import TimeLimit
from onething.dsl.source import Location

WORKING_DAYS_PER_WEEK = 5


def to_working_days(days: int | None, unit: str) -> int:
    """Days in working days; calendar days convert at 5/7, rounded up. Unknown = 0."""
    if days is None:
        return 0
    if unit == "calendar_days":
        return math.ceil(days * WORKING_DAYS_PER_WEEK / 7)
    return days


def counted_limit(limit: TimeLimit | None) -> tuple[int, str] | None:
    """The limit a plan counts: committed, else statutory, each only with a known unit.

    (days, unit), or None when neither is known in days. 0 (即办) needs no unit.
    """
    if limit is None:
        return None
    for which in ("committed", "statutory"):
        days = getattr(limit, which)
        unit = limit.unit_of(which)  # type: ignore[arg-type]
        if days == 0:
            return 0, unit or "working_days"
        if days is not None and unit is not None:
            return days, unit
    return None


def known_working_days(limit: TimeLimit | None) -> int | None:
    """Committed (else statutory) limit in working days; None = unknown."""
    counted = counted_limit(limit)
    return None if counted is None else to_working_days(*counted)


def working_days(limit: TimeLimit | None) -> int:
    """Committed (else statutory) limit in working days; unknown counts 0 (a lower bound)."""
    return known_working_days(limit) or 0


@dataclass
class Graph:
    graph: DiGraph
    order: dict[str, int]
    edges: list[tuple[str, str, str]]
    item_materials: dict[str, list[str]]
    diagnostics: list[Diagnostic]


def build_graph(sel: Selection) -> Graph:
    """Nodes: selected items. Edges: explicit `needs` and produce → consume of materials."""
    order = {ri.id: i for i, ri in enumerate(sel.items)}
    g = DiGraph()
    g.add_nodes_from(order)
    # where each edge is written, found only for a cycle's diagnostic (a catalog entry loaded
    # from the cache finds its locations by parsing its file again)
    edge_loc: dict[tuple[str, str], Callable[[], Location]] = {}
    edges: list[tuple[str, str, str]] = []
    item_materials: dict[str, list[str]] = {}
    producers: dict[str, list[ResolvedItem]] = {}
    for ri in sel.items:
        for mat in ri.model.produces or []:
            producers.setdefault(mat, []).append(ri)
    for ri in sel.items:
        refs: list[str] = []
        for j, mu, _residual in sel.material_uses(ri):
            refs.append(mu.ref)
            for p in producers.get(mu.ref, []):
                if p.id != ri.id and not g.has_edge(p.id, ri.id):
                    g.add_edge(p.id, ri.id, why=mu.ref)
                    edge_loc[(p.id, ri.id)] = partial(ri.loc, "materials", j)
                    edges.append((p.id, ri.id, mu.ref))
        item_materials[ri.id] = refs
        for j, need in enumerate(ri.needs):
            if need in order and not g.has_edge(need, ri.id):
                g.add_edge(need, ri.id, why="needs")
                edge_loc[(need, ri.id)] = (partial(ri.bundle_entry.loc, "needs", j) if ri.bundle_entry
                                           else partial(getattr, ri, "anchor"))
                edges.append((need, ri.id, "needs"))
    diags = [_cycle_diagnostic(g, cycle, edge_loc) for cycle in _cycles(g, order)]
    edges.sort(key=lambda e: (order[e[0]], order[e[1]], e[2]))
    return Graph(g, order, edges, item_materials, diags)


MAX_CYCLES = 20  # a knot of many loops is reported by its first cycles, not thousands of lines


def _cycles(g: DiGraph, order: dict[str, int]) -> list[list[str]]:
    """Every elementary cycle (up to MAX_CYCLES), each starting at its first item, in bundle order."""
    found: list[list[str]] = []
    for cycle in g.simple_cycles():
        start = min(range(len(cycle)), key=lambda i: order[cycle[i]])
        found.append(cycle[start:] + cycle[:start])
        if len(found) >= 10 * MAX_CYCLES:
            break
    found.sort(key=lambda c: (len(c), [order[n] for n in c]))
    return found[:MAX_CYCLES]


def _cycle_diagnostic(g: DiGraph, cycle: list[str],
                      edge_loc: dict[tuple[str, str], Callable[[], Location]]) -> Diagnostic:
    pairs = list(zip(cycle, cycle[1:] + cycle[:1], strict=True))
    path = " → ".join([*cycle, cycle[0]])
    locs = tuple(edge_loc[pair]() for pair in pairs)
    detail = "; ".join(f"{u} → {v} ({g.why(u, v)})" for u, v in pairs)
    return make("E502", _("dependency cycle: {path} [{detail}]").format(path=path, detail=detail), locs[0],
                _("remove one edge: a `needs:` entry or the produced material that closes the loop"),
                related=locs[1:])


def stages(gr: Graph) -> list[list[str]]:
    return [sorted(gen, key=gr.order.__getitem__) for gen in gr.graph.generations()]


def critical_path(gr: Graph, weight: dict[str, int]) -> tuple[list[str], int]:
    """Longest path by working days; ties go to the item that comes first in the bundle."""
    # each node keeps its best total and the predecessor it extends (not the whole path, which
    # would make a long chain of items quadratic); the path is read back from the end
    best: dict[str, tuple[int, str | None]] = {}
    for node in gr.graph.ordered_topologically(key=gr.order.__getitem__):
        preds = sorted(gr.graph.predecessors(node), key=gr.order.__getitem__)
        days, via = 0, None
        for p in preds:  # extend the longest predecessor, even a 0-day (即办) one
            if via is None or best[p][0] > days:
                days, via = best[p][0], p
        best[node] = (days + weight[node], via)
    if not best:
        return [], 0
    sinks = [n for n in best if gr.graph.out_degree(n) == 0]  # a path runs to an item nothing waits on
    end = max(sinks, key=lambda n: (best[n][0], -gr.order[n]))
    path: list[str] = []
    at: str | None = end
    while at is not None:
        path.append(at)
        at = best[at][1]
    return path[::-1], best[end][0]
