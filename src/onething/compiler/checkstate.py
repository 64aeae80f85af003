"""`validate` of an unchanged bundle: its diagnostics replayed, nothing parsed or validated.

An author runs `onething validate bundles/birth.yaml` again and again; most runs find the
bundle and its catalog as they were. Like `compile -o`'s build state (buildstate.py), the
outcome of checking each bundle is kept in the user's cache folder, keyed by a sha256 over
the bundle file's bytes and its path as shown, the catalog cache's key of its catalog folder
(every catalog file's bytes, the toolchain, the language) — and replayed while the key holds:
its own diagnostics (load, resolve, file name, every check `validate` makes), its id (two files
with one id are still reported) and its catalog's diagnostics. Only the discovery stage is
imported on that path: no YAML parser, no pydantic. A file that cannot be read
whole (a FIFO, a file beyond the limits) is never keyed: it is checked as always.

The state is one file per working folder (bundles are keyed by their paths as shown), read
bounded and checked entry by entry like the build state; a damaged one reads as empty, an
unwritable cache folder only turns the replay off, ``ONETHING_NO_CACHE=1`` too.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onething.compiler.buildstate import (
    _BUNDLE_ID,
    _HEX64,
    _toolchain_stamp,
    decode_diagnostic,
    diagnostics_ok,
    encode_diagnostic,
    read_state_file,
    state_path,
    write_state_file,
)
from onething.compiler.catalog_cache import catalog_key, enabled
from onething.dsl import limits
from onething.dsl.diagnostics import Diagnostic
from onething.dsl.discovery import BundleSource, display_path
from onething.dsl.i18n import current_language
from onething.dsl.reading import read_limited

CHECK_FORMAT = 1
MAX_ENTRIES = 10_000  # a state that grew beyond this (many checkouts in one folder) starts again


def stamp(source: BundleSource, catalogs: dict[Path, str | None]) -> str | None:
    """The key of one bundle's check, or None when it cannot be keyed (then it is checked)."""
    raw, _problem = read_limited(source.path, source.display, limits.MAX_FILE_BYTES)
    if raw is None:
        return None
    folder = source.catalog_dir
    if folder not in catalogs:
        catalogs[folder] = catalog_key(folder, display_path(folder)) if folder.is_dir() else "none"
    catalog = catalogs[folder]
    if catalog is None:
        return None
    # the language and the toolchain also when there is no catalog (then no catalog key has them)
    h = hashlib.sha256(f"check {CHECK_FORMAT}\0lang {current_language()}\0{source.display}\0{catalog}\0".encode())
    h.update(_toolchain_stamp())
    h.update(b"%d\0" % len(raw) + raw)
    return h.hexdigest()


@dataclass
class Checked:
    """What checking a bundle gave: its id (None when it did not resolve) and diagnostics."""

    bundle_id: str | None
    diagnostics: list[Diagnostic]
    catalog_diagnostics: list[Diagnostic]


def _entry_ok(entry: Any) -> bool:
    """Whether an entry has exactly the shape ``record`` writes."""
    if not isinstance(entry, dict) or set(entry) != {"stamp", "bundle", "diagnostics", "catalog"}:
        return False
    bundle = entry["bundle"]
    return (isinstance(entry["stamp"], str) and bool(_HEX64.match(entry["stamp"]))
            and (bundle is None or (isinstance(bundle, str) and len(bundle) <= limits.MAX_ID_LENGTH
                                    and bool(_BUNDLE_ID.match(bundle))))
            and diagnostics_ok(entry["diagnostics"]) and diagnostics_ok(entry["catalog"]))


@dataclass
class CheckState:
    """The checks recorded for one working folder; entries keyed by the bundle's path as shown."""

    where: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: bool = False

    @classmethod
    def read(cls, where: Path) -> CheckState:
        bundles = read_state_file(state_path(where, "validate"), CHECK_FORMAT)
        if bundles is None or len(bundles) > MAX_ENTRIES:
            return cls(where)
        return cls(where, {k: v for k, v in bundles.items() if _entry_ok(v)})

    def fresh(self, source: BundleSource, key: str | None) -> Checked | None:
        entry = self.entries.get(source.display)
        if key is None or entry is None or entry["stamp"] != key:
            return None
        return Checked(entry["bundle"], [decode_diagnostic(d) for d in entry["diagnostics"]],
                       [decode_diagnostic(d) for d in entry["catalog"]])

    def record(self, source: BundleSource, key: str | None, bundle_id: str | None,
               diagnostics: Iterable[Diagnostic], catalog_diagnostics: Iterable[Diagnostic]) -> None:
        if key is None:
            if self.entries.pop(source.display, None) is not None:
                self.changed = True
            return
        entry = {"stamp": key, "bundle": bundle_id, "diagnostics": [encode_diagnostic(d) for d in diagnostics],
                 "catalog": [encode_diagnostic(d) for d in catalog_diagnostics]}
        if not _entry_ok(entry):  # text that could not be replayed as printed: check it every time
            entry = None
        if self.entries.get(source.display) != entry:
            if entry is None:
                self.entries.pop(source.display, None)
            else:
                self.entries[source.display] = entry
            self.changed = True

    def write(self) -> bool:
        # bundles that are gone from the folder are forgotten
        self.entries = {k: v for k, v in self.entries.items() if os.path.exists(self.where / k)}
        return write_state_file(state_path(self.where, "validate"), CHECK_FORMAT, self.where, self.entries)


def check_state(where: Path) -> CheckState | None:
    """The folder's check state, or None when the cache is turned off."""
    return CheckState.read(where) if enabled() else None
