"""A small directed graph of ids: what the plan and the field-group check need, nothing more.

It replaced networkx in the compiler: importing networkx cost ~0.15 s, a third of a whole
`compile` of one bundle, for four algorithms of a few lines each. Every answer is
deterministic and in insertion order (nodes, then each node's edges in the order added), so
the same bundle gives the same bytes whatever the interpreter's hash seed.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator


class DiGraph:
    """Nodes (text ids) and directed edges, each edge with its reason (``why``)."""

    def __init__(self, edges: Iterable[tuple[str, str]] = ()) -> None:
        self.succ: dict[str, dict[str, str | None]] = {}  # node → {successor: why}
        self.pred: dict[str, dict[str, None]] = {}  # node → {predecessor: None}, in the order added
        for u, v in edges:
            self.add_edge(u, v)

    def add_node(self, node: str) -> None:
        if node not in self.succ:
            self.succ[node] = {}
            self.pred[node] = {}

    def add_nodes_from(self, nodes: Iterable[str]) -> None:
        for node in nodes:
            self.add_node(node)

    def add_edge(self, u: str, v: str, why: str | None = None) -> None:
        self.add_node(u)
        self.add_node(v)
        self.succ[u][v] = why
        self.pred[v][u] = None

    def add_edges_from(self, edges: Iterable[tuple[str, str]]) -> None:
        for u, v in edges:
            self.add_edge(u, v)

    def has_edge(self, u: str, v: str) -> bool:
        return v in self.succ.get(u, ())

    def why(self, u: str, v: str) -> str | None:
        return self.succ[u][v]

    def predecessors(self, node: str) -> list[str]:
        return list(self.pred[node])

    def out_degree(self, node: str) -> int:
        return len(self.succ[node])

    def __len__(self) -> int:
        return len(self.succ)

    def descendants(self, node: str) -> set[str]:
        """Every node reachable from ``node`` by one edge or more, ``node`` itself excepted."""
        seen: set[str] = set()
        todo = list(self.succ[node])
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(self.succ[n])
        seen.discard(node)
        return seen

    def generations(self) -> list[list[str]]:
        """Topological generations: the nodes nothing waits on, then those only they wait on, ….

        Each generation in insertion order. Raises ValueError on a cycle.
        """
        indegree = {n: len(p) for n, p in self.pred.items()}
        current = [n for n, d in indegree.items() if d == 0]
        out: list[list[str]] = []
        placed = 0
        while current:
            out.append(current)
            placed += len(current)
            following: list[str] = []
            for n in current:
                for s in self.succ[n]:
                    indegree[s] -= 1
                    if indegree[s] == 0:
                        following.append(s)
            current = following
        if placed != len(self.succ):
            raise ValueError("the graph has a cycle")
        return out

    def ordered_topologically(self, key: Callable[[str], int]) -> list[str]:
        """A topological order that takes, of the nodes ready, the one of least ``key`` first.

        ``key`` must be unique per node. Raises ValueError on a cycle.
        """
        indegree = {n: len(p) for n, p in self.pred.items()}
        ready = [(key(n), n) for n, d in indegree.items() if d == 0]
        heapq.heapify(ready)
        out: list[str] = []
        while ready:
            _, n = heapq.heappop(ready)
            out.append(n)
            for s in self.succ[n]:
                indegree[s] -= 1
                if indegree[s] == 0:
                    heapq.heappush(ready, (key(s), s))
        if len(out) != len(self.succ):
            raise ValueError("the graph has a cycle")
        return out

    def simple_cycles(self) -> Iterator[list[str]]:
        """Every elementary cycle once (Johnson's algorithm), lazily: a knot has factorially many.

        Self-loops come first. Then, per strongly connected component (found in insertion
        order), the cycles through its first node, that node removed, and again. Callers that
        report a few cycles take a bounded number and sort them; when every cycle is taken, the
        order in which they came does not matter.
        """
        yield from ([n] for n, s in self.succ.items() if n in s)
        rank = {n: i for i, n in enumerate(self.succ)}
        succ = {n: [s for s in ss if s != n] for n, ss in self.succ.items()}
        components = [c for c in _strong_components(succ) if len(c) >= 2]
        while components:
            comp = components.pop()
            members = set(comp)
            sub = {n: [s for s in succ[n] if s in members] for n in comp}
            start = min(comp, key=rank.__getitem__)
            yield from _cycles_through(sub, start)
            del sub[start]
            rest = {n: [s for s in ss if s != start] for n, ss in sub.items()}
            found = [sorted(c, key=rank.__getitem__) for c in _strong_components(rest) if len(c) >= 2]
            components.extend(found)


def _strong_components(succ: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (a long chain must not overflow the stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    for root in succ:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(succ[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(succ[nxt])))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    comp: list[str] = []
                    while True:
                        n = stack.pop()
                        on_stack.discard(n)
                        comp.append(n)
                        if n == node:
                            break
                    out.append(comp)
    return out


def _cycles_through(succ: dict[str, list[str]], start: str) -> Iterator[list[str]]:
    """Johnson's search for the elementary cycles through ``start`` (iterative, with blocking)."""
    path = [start]
    blocked = {start}
    blocked_by: dict[str, set[str]] = {}
    stack = [iter(succ[start])]
    closed = [False]
    while stack:
        for w in stack[-1]:
            if w == start:
                yield path[:]
                closed[-1] = True
            elif w not in blocked:
                path.append(w)
                closed.append(False)
                stack.append(iter(succ[w]))
                blocked.add(w)
                break
        else:
            stack.pop()
            v = path.pop()
            if closed.pop():
                if closed:
                    closed[-1] = True
                unblock = {v}
                while unblock:
                    u = unblock.pop()
                    if u in blocked:
                        blocked.remove(u)
                        unblock.update(blocked_by.pop(u, ()))
            else:
                for w in succ[v]:
                    blocked_by.setdefault(w, set()).add(v)
