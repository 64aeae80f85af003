"""Plain data that remembers where it came from.

The loader turns YAML into dicts, lists and scalars; these subclasses carry the
file positions along so that any later stage can point at ``file:line:col``
without keeping the YAML node graph alive.
"""

from __future__ import annotations

from array import array
from typing import Any, NamedTuple


class Location(NamedTuple):
    """A place in a source file; line and column are 1-based, 0 when unknown.

    A named tuple (64 bytes, no ``__dict__``): diagnostics and lookups make them, but the
    loaded data does not keep one per value (see ``YMap``).
    """

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}"
        return self.file


_new_location = tuple.__new__  # Location(file, line, col) in one C call (NamedTuple's __new__ is Python)


def _positions(loc: Location) -> array:
    return array("I", (loc.line, loc.col))


class _Located:
    """What YMap and YList share: made at ``loc``, whose position is the first pair of ``_pos``.

    The subclasses declare the slots (``file``, ``_pos``): a base with slots of its own cannot
    be combined with ``dict`` or ``list``.
    """

    __slots__ = ()
    file: str
    _pos: array

    def __init__(self, loc: Location) -> None:
        super().__init__()
        self.file = loc.file
        self._pos = _positions(loc)

    @property
    def loc(self) -> Location:
        pos = self._pos
        return _new_location(Location, (self.file, pos[0], pos[1]))


class YMap(_Located, dict):
    """A mapping with the location of itself, of each key and of each value.

    The positions are kept compactly — one array of 32-bit line and column numbers per
    mapping: its own, then key and value of each entry in insertion order — and made into
    ``Location`` objects only when asked: a province's catalog has a million positions, and
    an object for each cost more memory than the data itself. Entries are added through the
    loader or ``set_located`` (which keep the positions in step); a plain ``map[key] = value``
    adds an entry without positions, which then reads as located at the mapping itself.
    """

    __slots__ = ("file", "_pos")

    def set_located(self, key: str, value: Any, key_loc: Location, value_loc: Location) -> None:
        """Add an entry with where its key and value are written (same file as the mapping)."""
        self._pos.extend((key_loc.line, key_loc.col, value_loc.line, value_loc.col))
        self[key] = value

    def _at(self, key: Any, offset: int) -> Location | None:
        if key not in self:
            return None
        pos = self._pos
        for i, k in enumerate(self):
            if k == key:
                j = 2 + 4 * i + offset
                if j + 1 < len(pos):
                    return _new_location(Location, (self.file, pos[j], pos[j + 1]))
                return self.loc
        return None  # pragma: no cover - key is in self

    def key_loc(self, key: Any) -> Location | None:
        """Where ``key`` is written, None if the mapping has no such key."""
        return self._at(key, 0)

    def value_loc(self, key: Any) -> Location | None:
        """Where the value of ``key`` starts, None if the mapping has no such key."""
        return self._at(key, 2)

    @property
    def key_locs(self) -> dict[Any, Location]:
        """Where each key is written (a new dict: read it, changing it changes nothing)."""
        return {k: self._at(k, 0) for k in self}  # type: ignore[misc]

    @property
    def value_locs(self) -> dict[Any, Location]:
        """Where each value starts (a new dict: read it, changing it changes nothing)."""
        return {k: self._at(k, 2) for k in self}  # type: ignore[misc]


class YList(_Located, list):
    """A sequence with the location of itself and of each element (kept as in ``YMap``)."""

    __slots__ = ("file", "_pos")

    def append_located(self, value: Any, loc: Location) -> None:
        """Append an element with where it is written (same file as the list)."""
        self._pos.extend((loc.line, loc.col))
        self.append(value)

    def item_loc(self, index: int) -> Location:
        """Where element ``index`` (0 ≤ index < len) is written."""
        pos = self._pos
        j = 2 + 2 * index
        if j + 1 < len(pos):
            return _new_location(Location, (self.file, pos[j], pos[j + 1]))
        return self.loc

    @property
    def item_locs(self) -> list[Location]:
        """Where each element is written (a new list)."""
        return [self.item_loc(i) for i in range(len(self))]


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
            best = (node.key_loc(step) if last and key else node.value_loc(step)) or best
            node = node[step]
        elif isinstance(node, YList) and isinstance(step, int) and 0 <= step < len(node):
            best = node.item_loc(step)
            node = node[step]
        elif isinstance(node, YMap) and step == 0 and not isinstance(step, bool):
            continue  # one mapping written for a one-element list (`fee: {amount: 0}`)
        elif isinstance(node, YMap) and isinstance(step, str) and last and key is False:
            # a key that is missing: point at the mapping that lacks it
            return node.loc
        else:
            break
    return best
