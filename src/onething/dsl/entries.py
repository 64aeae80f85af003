"""A validated model together with the raw data it came from, for locating its parts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from onething.dsl.source import Location, locate

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    model: T
    file: str
    node: Any

    def loc(self, *path: Any, key: bool = False) -> Location:
        return locate(self.node, tuple(path), key=key) or Location(self.file)
