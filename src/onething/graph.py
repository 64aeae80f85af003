"""The little graph code the plan needs, without importing networkx on every compile.

Importing networkx costs about as much as the rest of a compile of every bundle (it loads
its whole algorithm library), and the plan uses five operations on graphs of a dozen
items. ``DiGraph`` is the subset of ``networkx.DiGraph`` that the compiler uses, with the
same insertion-ordered adjacency; the functions below give the same results as their
networkx namesakes (tests/test_graph.py checks them against networkx on random graphs) and
accept either kind of graph, since they only call ``successors``, ``predecessors`` and
iterate over the nodes.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any


class DiGraph:
    """A directed graph: nodes and edges in insertion order, one attribute dict per edge."""

    def __init__(self) -> None:
        self._succ: dict[Hashable, dict[Hashable, dict[str, Any]]] = {}
        self._pred: dict[Hashable, dict[Hashable, dict[str, Any]]] = {}

    def add_node(self, n: Hashable) -> None:
        if n not in self._succ:
            self._succ[n] = {}
            self._pred[n] = {}

    def add_nodes_from(self, nodes: Iterable[Hashable]) -> None:
        for n in nodes:
            self.add_node(n)

    def add_edge(self, u: Hashable, v: Hashable, **attr: Any) -> None:
        self.add_node(u)
        self.add_node(v)
        data = self._succ[u].get(v, {})
        data.update(attr)
        self._succ[u][v] = data
        self._pred[v][u] = data

    def add_edges_from(self, edges: Iterable[tuple[Hashable, Hashable]]) -> None:
        for u, v in edges:
            self.add_edge(u, v)

    def has_edge(self, u: Hashable, v: Hashable) -> bool:
        return u in self._succ and v in self._succ[u]

    def successors(self, n: Hashable) -> Iterator[Hashable]:
        return iter(self._succ[n])

    def predecessors(self, n: Hashable) -> Iterator[Hashable]:
        return iter(self._pred[n])

    def out_degree(self, n: Hashable) -> int:
        return len(self._succ[n])

    def in_degree(self, n: Hashable) -> int:
        return len(self._pred[n])

    @property
    def edges(self) -> _EdgeView:
        """``g.edges[u, v]`` is the attribute dict of an edge; iterating gives (u, v) pairs."""
        return _EdgeView(self._succ)

    @property
    def nodes(self) -> list[Hashable]:
        return list(self._succ)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._succ)

    def __contains__(self, n: object) -> bool:
        return n in self._succ

    def __len__(self) -> int:
        return len(self._succ)


class _EdgeView:
    def __init__(self, succ: dict[Hashable, dict[Hashable, dict[str, Any]]]) -> None:
        self._succ = succ

    def __getitem__(self, edge: tuple[Hashable, Hashable]) -> dict[str, Any]:
        u, v = edge
        return self._succ[u][v]

    def __iter__(self) -> Iterator[tuple[Hashable, Hashable]]:
        return ((u, v) for u, nbrs in self._succ.items() for v in nbrs)

    def __len__(self) -> int:
        return sum(len(nbrs) for nbrs in self._succ.values())


def find_cycle(g: Any) -> list[tuple[Hashable, Hashable]]:
    """The cycle ``networkx.find_cycle(g)`` reports (as edges), or [] when there is none.

    The same depth-first traversal over the edges: start nodes in node order, each node's
    edges in insertion order, the first cycle closed wins, trimmed to start where it closes.
    """
    explored: set[Hashable] = set()
    cycle: list[tuple[Hashable, Hashable]] = []
    final_node = None
    for start_node in g:
        if start_node in explored:
            continue
        edges: list[tuple[Hashable, Hashable]] = []
        seen = {start_node}
        active_nodes = {start_node}
        previous_head = None
        for tail, head in _edge_dfs(g, start_node):
            if head in explored:
                continue
            if previous_head is not None and tail != previous_head:
                # backtracking: pop until the last edge ends where this one starts
                while True:
                    try:
                        popped = edges.pop()
                    except IndexError:
                        edges = []
                        active_nodes = {tail}
                        break
                    else:
                        active_nodes.remove(popped[1])
                    if edges and tail == edges[-1][1]:
                        break
            edges.append((tail, head))
            if head in active_nodes:
                cycle.extend(edges)
                final_node = head
                break
            seen.add(head)
            active_nodes.add(head)
            previous_head = head
        if cycle:
            break
        explored.update(seen)
    if not cycle:
        return []
    for i, (tail, _) in enumerate(cycle):
        if tail == final_node:
            return cycle[i:]
    return cycle  # pragma: no cover - the closing node is always on the path


def _edge_dfs(g: Any, source: Hashable) -> Iterator[tuple[Hashable, Hashable]]:
    """networkx.edge_dfs(g, source) for a directed graph: each edge once, depth first."""
    visited_edges: set[tuple[Hashable, Hashable]] = set()
    visited_nodes: set[Hashable] = set()
    out: dict[Hashable, Iterator[Hashable]] = {}
    stack = [source]
    while stack:
        current = stack[-1]
        if current not in visited_nodes:
            out[current] = iter(list(g.successors(current)))
            visited_nodes.add(current)
        try:
            nbr = next(out[current])
        except StopIteration:
            stack.pop()
        else:
            edge = (current, nbr)
            if edge not in visited_edges:
                visited_edges.add(edge)
                stack.append(nbr)
                yield edge


def topological_generations(g: Any) -> list[list[Hashable]]:
    """Nodes in generations: each needs only nodes of earlier ones (Kahn's algorithm)."""
    indegree = {v: sum(1 for _ in g.predecessors(v)) for v in g}
    zero = [v for v, d in indegree.items() if d == 0]
    remaining = {v: d for v, d in indegree.items() if d > 0}
    generations: list[list[Hashable]] = []
    while zero:
        generation, zero = zero, []
        for node in generation:
            for child in g.successors(node):
                remaining[child] -= 1
                if remaining[child] == 0:
                    zero.append(child)
                    del remaining[child]
        generations.append(generation)
    if remaining:
        raise ValueError("graph contains a cycle")
    return generations


def lexicographical_topological_sort(g: Any, key: Callable[[Any], Any]) -> list[Hashable]:
    """A topological order that takes, among the nodes ready, the one with the smallest key."""
    indegree = {v: sum(1 for _ in g.predecessors(v)) for v in g}
    heap = [(key(v), i, v) for i, v in enumerate(g) if indegree[v] == 0]
    heapq.heapify(heap)
    position = {v: i for i, v in enumerate(g)}
    order: list[Hashable] = []
    while heap:
        _, _, node = heapq.heappop(heap)
        order.append(node)
        for child in g.successors(node):
            indegree[child] -= 1
            if indegree[child] == 0:
                heapq.heappush(heap, (key(child), position[child], child))
    if len(order) != len(indegree):
        raise ValueError("graph contains a cycle")
    return order


def descendants(g: Any, source: Hashable) -> set[Hashable]:
    """Every node reachable from ``source``, not ``source`` itself (as networkx.descendants)."""
    seen = {source}
    stack = list(g.successors(source))
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            stack.extend(g.successors(n))
    seen.discard(source)
    return seen
