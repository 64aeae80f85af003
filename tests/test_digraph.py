"""The compiler's own directed graph (compiler/digraph.py) against networkx as an oracle.

networkx is a test dependency only: the compiler stopped importing it (~0.15 s a process).
Each algorithm is compared on random graphs, including self-loops, knots and isolated nodes.
"""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onething.compiler.digraph import DiGraph

NODES = [f"n{i}" for i in range(7)]


@st.composite
def graphs(draw, allow_cycles: bool = True):
    nodes = draw(st.lists(st.sampled_from(NODES), unique=True, min_size=0, max_size=len(NODES)))
    pairs = st.tuples(st.sampled_from(nodes), st.sampled_from(nodes)) if nodes else st.nothing()
    edges = draw(st.lists(pairs, max_size=20)) if nodes else []
    if not allow_cycles:  # only edges forward in the drawn order: a DAG
        edges = [(u, v) for u, v in edges if nodes.index(u) < nodes.index(v)]
    mine, theirs = DiGraph(), nx.DiGraph()
    mine.add_nodes_from(nodes)
    theirs.add_nodes_from(nodes)
    for u, v in edges:
        mine.add_edge(u, v, why=f"{u}{v}")
        theirs.add_edge(u, v)
    return nodes, mine, theirs


def _canonical(cycle: list[str]) -> tuple[str, ...]:
    i = cycle.index(min(cycle))
    return tuple(cycle[i:] + cycle[:i])


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_simple_cycles_are_every_elementary_cycle_once(g):
    _, mine, theirs = g
    found = [_canonical(c) for c in mine.simple_cycles()]
    assert len(found) == len(set(found))
    assert set(found) == {_canonical(c) for c in nx.simple_cycles(theirs)}


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_descendants_and_degrees_match(g):
    nodes, mine, theirs = g
    for n in nodes:
        assert mine.descendants(n) == nx.descendants(theirs, n)
        assert mine.predecessors(n) == list(theirs.predecessors(n))
        assert mine.out_degree(n) == theirs.out_degree(n)
    assert len(mine) == len(nodes)


@settings(max_examples=300, deadline=None)
@given(graphs(allow_cycles=False))
def test_orders_of_an_acyclic_graph_match(g):
    nodes, mine, theirs = g
    rank = {n: i for i, n in enumerate(nodes)}
    assert [sorted(gen, key=rank.__getitem__) for gen in mine.generations()] == [
        sorted(gen, key=rank.__getitem__) for gen in nx.topological_generations(theirs)]
    assert mine.ordered_topologically(rank.__getitem__) == list(
        nx.lexicographical_topological_sort(theirs, key=rank.__getitem__))


def test_edges_keep_their_reason_and_the_first_one_added():
    g = DiGraph()
    g.add_edge("a", "b", why="birth_cert")
    assert g.has_edge("a", "b") and not g.has_edge("b", "a") and not g.has_edge("x", "a")
    assert g.why("a", "b") == "birth_cert"
    assert g.predecessors("b") == ["a"] and g.predecessors("a") == []


def test_a_cycle_has_no_topological_order():
    g = DiGraph([("a", "b"), ("b", "c"), ("c", "b")])
    with pytest.raises(ValueError, match="cycle"):
        g.generations()
    with pytest.raises(ValueError, match="cycle"):
        g.ordered_topologically({"a": 0, "b": 1, "c": 2}.__getitem__)
    assert [c for c in g.simple_cycles()] == [["b", "c"]]


def test_self_loops_come_first_and_cycles_are_lazy():
    g = DiGraph([("a", "a"), ("a", "b"), ("b", "a")])
    assert list(g.simple_cycles()) == [["a"], ["a", "b"]]
    # a complete graph of 12 nodes has billions of cycles: taking a few must not enumerate them
    knot = DiGraph((f"k{i}", f"k{j}") for i in range(12) for j in range(12) if i != j)
    it = knot.simple_cycles()
    assert len([next(it) for _ in range(50)]) == 50


def test_a_long_chain_does_not_exhaust_the_stack():
    chain = DiGraph((f"n{i}", f"n{i + 1}") for i in range(20_000))
    chain.add_edge("n20000", "n0")
    assert [len(c) for c in chain.simple_cycles()] == [20_001]
    assert len(DiGraph((f"n{i}", f"n{i + 1}") for i in range(20_000)).generations()) == 20_001
