"""Plain data that remembers where it came from.

The loader turns YAML into dicts, lists and scalars; these subclasses carry the
file positions along so that any later stage can point at ``file:line:col``
without keeping the YAML node graph alive.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Location(NamedTuple):
    """A place in a source file; line and column are 1-based, 0 when unknown.

    A named tuple, not a dataclass: the loader makes one per key and value, and a tuple is
    made in one C call and held in 64 bytes where an instance with a ``__dict__`` takes ~3×.
    Equal, hashed and ordered by (file, line, col) as before.
    """

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}"
        return self.file


class YMap(dict):
    """A mapping with the location of itself, of each key and of each value."""

    __slots__ = ("loc", "key_locs", "value_locs")

    def __init__(self, loc: Location) -> None:
        super().__init__()
        self.loc = loc
        self.key_locs: dict[str, Location] = {}
        self.value_locs: dict[str, Location] = {}


class YList(list):
    """A sequence with the location of itself and of each element."""

    __slots__ = ("loc", "item_locs")

    def __init__(self, loc: Location) -> None:
        super().__init__()
        self.loc = loc
        self.item_locs: list[Location] = []


class Unquoted(str):
    """A plain (unquoted) scalar that YAML 1.1 tools would not read as text.

    ``000107001000``, ``2023.10``, ``no`` and ``on`` are kept exactly as written,
    but every other YAML tool (editors, the language server, PyYAML's default
    loader) reads them as numbers or booleans. Number and boolean fields accept
    them; text fields report them so the author can quote them.
    """

    __slots__ = ()


def locate(data: Any, path: tuple[Any, ...], *, key: bool = False) -> Location | None:
    """The location of the value at ``path`` (or of its key), else of the nearest parent."""
    node = data
    best: Location | None = getattr(data, "loc", None)
    for i, step in enumerate(path):
        last = i == len(path) - 1
        if isinstance(node, YMap) and isinstance(step, str) and step in node:
            if last and key:
                best = node.key_locs.get(step, best)
            else:
                best = node.value_locs.get(step, best)
            node = node[step]
        elif isinstance(node, YList) and isinstance(step, int) and 0 <= step < len(node):
            best = node.item_locs[step]
            node = node[step]
        elif isinstance(node, YMap) and step == 0 and not isinstance(step, bool):
            continue  # one mapping written for a one-element list (`fee: {amount: 0}`)
        elif isinstance(node, YMap) and isinstance(step, str) and last and key is False:
            # a key that is missing: point at the mapping that lacks it
            return node.loc
        else:
            break
    return best
