"""onething.graph gives what networkx gives, on random graphs (the compiler no longer imports networkx)."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from onething import graph


@st.composite
def graphs(draw, acyclic: bool = False):
    n = draw(st.integers(min_value=0, max_value=9))
    nodes = draw(st.permutations([f"n{i}" for i in range(n)]))
    pairs = draw(st.lists(st.tuples(st.integers(0, max(n - 1, 0)), st.integers(0, max(n - 1, 0))), max_size=20))
    edges = []
    for a, b in pairs:
        if not n:
            break
        if acyclic:
            if a == b:
                continue
            a, b = min(a, b), max(a, b)  # edges go forward in node order: no cycle
        edges.append((nodes[a], nodes[b]))
    ours, theirs = graph.DiGraph(), nx.DiGraph()
    for g in (ours, theirs):
        g.add_nodes_from(nodes)
        for u, v in edges:
            g.add_edge(u, v, why=f"{u}>{v}")
    return ours, theirs


def _cycle(g):
    try:
        return nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        return []


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_find_cycle_is_the_cycle_networkx_finds(gs):
    ours, theirs = gs
    assert graph.find_cycle(ours) == _cycle(theirs)
    assert graph.find_cycle(theirs) == _cycle(theirs)


@settings(max_examples=200, deadline=None)
@given(graphs(acyclic=True))
def test_orders_match_networkx(gs):
    ours, theirs = gs
    order = {n: i for i, n in enumerate(sorted(theirs))}
    assert [sorted(s) for s in graph.topological_generations(ours)] == [
        sorted(s) for s in nx.topological_generations(theirs)]
    assert graph.lexicographical_topological_sort(ours, key=order.__getitem__) == list(
        nx.lexicographical_topological_sort(theirs, key=order.__getitem__))
    for n in theirs:
        assert graph.descendants(ours, n) == nx.descendants(theirs, n)
        assert sorted(ours.predecessors(n)) == sorted(theirs.predecessors(n))
        assert ours.out_degree(n) == theirs.out_degree(n)
    assert list(ours.edges) == list(theirs.edges)
    for u, v in theirs.edges:
        assert ours.edges[u, v] == theirs.edges[u, v]


@settings(max_examples=100, deadline=None)
@given(graphs())
def test_descendants_with_cycles(gs):
    ours, theirs = gs
    for n in theirs:
        assert graph.descendants(ours, n) == nx.descendants(theirs, n)
