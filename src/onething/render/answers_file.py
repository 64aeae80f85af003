"""Field values from an answers file (the same file `compile --answers` reads).

Flat dotted keys (``child.name``) or nested mappings (``child: {name: …}``); a repeatable
group is a list of mappings of its member keys. Values keep their YAML/JSON types; an
unquoted YAML scalar (``2026-01-05``, ``1.5``) stays text as written.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from onething.dsl.diagnostics import Diagnostic
from onething.dsl.loader import load_file
from onething.dsl.source import Location


def flatten(data: Mapping[str, Any], known: Collection[str], prefix: str = "") -> dict[str, Any]:
    """Nested mappings read as dotted keys unless the nested key itself is known."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if full not in known and isinstance(value, Mapping) and value:
            out.update(flatten(value, known, full + "."))
        elif isinstance(value, list):
            out[full] = [flatten(v, known) if isinstance(v, Mapping) else v for v in value]
        else:
            out[full] = value
    return out


def key_locations(data: Any, prefix: str = "") -> dict[str, Location]:
    """Where each (flattened) key is written, for pointing at a problem."""
    out: dict[str, Location] = {}
    locs = getattr(data, "key_locs", {})
    if isinstance(data, Mapping):
        for key, value in data.items():
            full = f"{prefix}{key}"
            if full in out:
                continue
            if key in locs:
                out[full] = locs[key]
            if isinstance(value, Mapping):
                out.update(key_locations(value, full + "."))
    return out


def read_values(path: Path, known: Collection[str], display: str | None = None
                ) -> tuple[dict[str, Any] | None, dict[str, Location], list[Diagnostic]]:
    """The file's values by flat key (None when it cannot be read), key locations, load diagnostics."""
    loaded = load_file(path, display or str(path))
    data = loaded.data
    if isinstance(data, Mapping) and set(data) == {"answers"} and isinstance(data["answers"], Mapping):
        data = data["answers"]
    if not isinstance(data, Mapping):
        return None, {}, list(loaded.diagnostics)
    return flatten(data, known), key_locations(data), list(loaded.diagnostics)
