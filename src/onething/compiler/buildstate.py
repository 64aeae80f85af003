"""Incremental builds: which manifests in an output folder are already up to date.

For each output folder `onething compile -o DIR` keeps a state file: for each bundle it
compiled cleanly, a fingerprint of everything the manifest is made from, the sha256 of the
manifest it wrote and the diagnostics it printed. On the next run a bundle whose fingerprint
and manifest bytes are unchanged is not loaded or compiled again; its diagnostics are
replayed. Like make or dbt's partial parsing, but keyed by content, never by timestamps.

The state lives in the user's cache folder, not in DIR: manifest folders are often committed
(`--check` in CI), and a state file there would drift from machine to machine in every diff.
Deleting the cache costs one full compile, nothing else.

The fingerprint covers the bundle file, every catalog file (names and bytes), the answers
file and selection, the paths as shown (they are written into the manifest), onething's own
source and message catalogues, the language of the run (diagnostics are replayed as printed)
and the versions of Python and of the libraries that shape the output. Anything it
cannot read makes the bundle out of date; a damaged state file is ignored and rewritten, an
unwritable cache folder only turns the skipping off. Only the discovery stage is imported on
this path: no YAML parser, no pydantic. (The manifest's own ``source_hash`` cannot serve:
it hashes the catalog entries a bundle uses, which takes the very parse this skips.)
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onething.compiler.safe_write import write_atomic
from onething.dsl.diagnostics import REGISTRY, Diagnostic
from onething.dsl.discovery import BundleSource, catalog_files, display_path, resolved
from onething.dsl.i18n import current_language
from onething.dsl.limits import MAX_ID_LENGTH
from onething.dsl.reading import read_limited
from onething.dsl.source import Location

CACHE_ENV = "ONETHING_CACHE_DIR"
STATE_FORMAT = 1
# libraries whose upgrade may change a manifest's bytes or its diagnostics
_LIBRARIES = ("yaml", "pydantic", "pydantic_core")
_toolchain: bytes | None = None


def _toolchain_stamp() -> bytes:
    """onething's own source (every .py of the package) and the Python and library versions."""
    global _toolchain
    if _toolchain is None:
        h = hashlib.sha256(f"state {STATE_FORMAT}\0python {sys.version}\0".encode())
        package = Path(__file__).resolve().parent
        # its source and its message catalogues (a new translation changes replayed diagnostics)
        for path in sorted([*package.rglob("*.py"), *package.rglob("*.mo")]):
            h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        for name in _LIBRARIES:
            # the installed file's size and mtime change with any install; finding the spec
            # of a top-level package does not import it
            spec = importlib.util.find_spec(name)
            origin = spec.origin if spec is not None else None
            if origin and os.path.exists(origin):
                st = os.stat(origin)
                h.update(f"{name} {origin} {st.st_size} {st.st_mtime_ns}\0".encode())
            else:
                h.update(f"{name} missing\0".encode())
        _toolchain = h.digest()
    return _toolchain


def _catalog_digest(folder: Path, cache: dict[Path, bytes]) -> bytes:
    """sha256 of a catalog folder as shown, its files' names and bytes; once per folder and run."""
    key = resolved(folder)
    if key not in cache:
        h = hashlib.sha256(f"catalog {display_path(folder)}\0".encode())
        for path in catalog_files(folder):
            h.update(f"{path.relative_to(folder).as_posix()}\0".encode() + path.read_bytes() + b"\0")
        cache[key] = h.digest()
    return cache[key]


def fingerprint(source: BundleSource, select: list[str] | None, answers: Path | None,
                catalogs: dict[Path, bytes] | None = None) -> str | None:
    """sha256 of everything the bundle's manifest is made from; None when a file is unreadable.

    ``catalogs`` memoises the catalog folders' digests across the bundles of one run.
    """
    h = hashlib.sha256(_toolchain_stamp())
    # diagnostics are recorded as printed, in the language of the run: another language is
    # another build (the manifest itself is the same bytes in every language)
    h.update(f"lang {current_language()}\0".encode())
    try:
        h.update(f"bundle {source.display}\0".encode() + source.path.read_bytes() + b"\0")
        h.update(_catalog_digest(source.catalog_dir, {} if catalogs is None else catalogs))
        h.update(f"select {json.dumps(select)}\0".encode())
        if answers is not None:
            h.update(f"answers {display_path(answers)}\0".encode() + answers.read_bytes())
    except OSError:
        return None
    return h.hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _loc_out(loc: Location | None) -> list[Any] | None:
    return None if loc is None else [loc.file, loc.line, loc.col]


def _loc_in(raw: Any) -> Location | None:
    if raw is None:
        return None
    file, line, col = raw
    if not isinstance(file, str) or type(line) is not int or type(col) is not int:
        raise TypeError("location")
    return Location(file, line, col)


def encode_diagnostic(d: Diagnostic) -> dict[str, Any]:
    """A diagnostic as the state file keeps it: every field, so it replays exactly."""
    return {"code": d.code, "message": d.message, "location": _loc_out(d.location), "hint": d.hint,
            "related": [_loc_out(r) for r in d.related], "suppressed": d.suppressed}


def decode_diagnostic(raw: dict[str, Any]) -> Diagnostic:
    """A diagnostic from the state file; ValueError/TypeError/KeyError unless it has the written shape."""
    if not isinstance(raw, dict) or not isinstance(raw["code"], str) or raw["code"] not in REGISTRY:
        raise ValueError("not a diagnostic of a known code")
    for key in ("message",):
        if not isinstance(raw[key], str):
            raise TypeError(key)
    for key in ("hint", "suppressed"):
        if raw[key] is not None and not isinstance(raw[key], str):
            raise TypeError(key)
    if not isinstance(raw["related"], list):
        raise TypeError("related")
    return Diagnostic(raw["code"], raw["message"], _loc_in(raw["location"]), raw["hint"],
                      tuple(loc for loc in map(_loc_in, raw["related"]) if loc is not None), raw["suppressed"])


MAX_STATE_BYTES = 64 * 1024 * 1024
MAX_MANIFEST_BYTES = 256 * 1024 * 1024
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_BUNDLE_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _text_ok(value: Any) -> bool:
    """Text that can be printed: a str without lone surrogates (JSON allows "\\ud800")."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _entry_ok(entry: Any) -> bool:
    """Whether a state entry has exactly the shape ``record`` writes, with plausible values."""
    if not isinstance(entry, dict):
        return False
    bundle = entry.get("bundle")
    if not (isinstance(entry.get("fingerprint"), str) and _HEX64.match(entry["fingerprint"])
            and isinstance(entry.get("manifest_sha256"), str) and _HEX64.match(entry["manifest_sha256"])
            and isinstance(bundle, str) and len(bundle) <= MAX_ID_LENGTH and _BUNDLE_ID.match(bundle)):
        return False
    return diagnostics_ok(entry.get("diagnostics"))


def diagnostics_ok(raw: Any) -> bool:
    """Whether recorded diagnostics decode and every text in them is valid Unicode (shared by
    every state file that replays diagnostics)."""
    if not isinstance(raw, list):
        return False
    try:
        diags = [decode_diagnostic(d) for d in raw]
    except (KeyError, TypeError, ValueError):
        return False
    return all(
        _text_ok(d.message) and (d.hint is None or _text_ok(d.hint))
        and (d.suppressed is None or _text_ok(d.suppressed))
        and all(_text_ok(loc.file) for loc in (d.location, *d.related) if loc is not None)
        for d in diags
    )


@dataclass
class Fresh:
    """A bundle whose manifest is up to date: what the last compile wrote and reported."""

    bundle_id: str
    diagnostics: list[Diagnostic]


def cache_dir() -> Path:
    """$ONETHING_CACHE_DIR, else $XDG_CACHE_HOME/onething, else ~/.cache/onething."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "onething"


def state_path(output: Path, kind: str = "build") -> Path:
    """The state file of an output folder: one per folder and kind (``build`` for ``compile -o``,
    ``site`` for ``onething build``), named by the folder's absolute path's hash."""
    return cache_dir() / f"{kind}-{hashlib.sha256(str(resolved(output)).encode()).hexdigest()[:24]}.json"


def read_state_file(path: Path, fmt: int) -> dict[str, Any] | None:
    """The ``bundles`` mapping of a state file, or None when it is missing, damaged or foreign.

    The cache is outside the project and may be stale, edited or planted: it is read bounded
    (MAX_STATE_BYTES) and parsed defensively (invalid UTF-8 or JSON, absurd nesting); the caller
    checks each entry before trusting it.
    """
    raw, _problem = read_limited(path, str(path), MAX_STATE_BYTES)
    if raw is None:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("format") != fmt or not isinstance(data.get("bundles"), dict):
        return None
    return data["bundles"]


def write_state_file(path: Path, fmt: int, output: Path, entries: dict[str, Any]) -> bool:
    """Save a state file atomically; False when the cache folder cannot be written (nothing else fails)."""
    data = {"format": fmt, "output": str(resolved(output)), "bundles": dict(sorted(entries.items()))}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    except OSError:
        return False
    return True


@dataclass
class BuildState:
    """The state of one output folder; entries keyed by the bundle's path as shown."""

    output: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: bool = False

    @classmethod
    def read(cls, output: Path) -> BuildState:
        """The state as last written; a missing, damaged, foreign or implausible one reads as empty.

        The cache is outside the project and may be stale, edited or planted: it is read
        bounded, parsed defensively, and each entry is checked to the last field before it is
        trusted (an entry that does not check out is dropped, its bundle compiled again).
        """
        bundles = read_state_file(state_path(output), STATE_FORMAT)
        if bundles is None:
            return cls(output)
        return cls(output, {k: v for k, v in bundles.items() if _entry_ok(v)})

    def fresh(self, source: BundleSource, stamp: str | None) -> Fresh | None:
        """The bundle's last result when its inputs and its manifest are unchanged."""
        entry = self.entries.get(source.display)
        if stamp is None or entry is None or entry.get("fingerprint") != stamp:
            return None
        bundle_id = entry["bundle"]
        manifest = self.output / f"{bundle_id}.json"
        try:
            if not stat.S_ISREG(os.lstat(manifest).st_mode):
                return None  # replaced by a link, folder or device: write it again
        except OSError:
            return None
        raw, _problem = read_limited(manifest, str(manifest), MAX_MANIFEST_BYTES)
        if raw is None or _sha256(raw) != entry["manifest_sha256"]:
            return None  # edited, deleted or replaced since: write it again
        return Fresh(bundle_id, [decode_diagnostic(d) for d in entry["diagnostics"]])

    def record(self, source: BundleSource, stamp: str | None, bundle_id: str, text: str | bytes,
               diagnostics: Iterable[Diagnostic]) -> None:
        if stamp is None:
            self.forget(source)
            return
        entry = {
            "fingerprint": stamp,
            "bundle": bundle_id,
            "manifest_sha256": _sha256(text.encode("utf-8") if isinstance(text, str) else text),
            "diagnostics": [encode_diagnostic(d) for d in diagnostics],
        }
        if self.entries.get(source.display) != entry:
            self.entries[source.display] = entry
            self.changed = True

    def forget(self, source: BundleSource) -> None:
        if self.entries.pop(source.display, None) is not None:
            self.changed = True

    def write(self) -> bool:
        """Save the state; False when the cache folder cannot be written (nothing else fails)."""
        return write_state_file(state_path(self.output), STATE_FORMAT, self.output, self.entries)
