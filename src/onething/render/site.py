"""The service centre's site (`onething build`): every bundle's pages and one index to find them.

Per bundle a folder ``<id>/`` with its manifest, combined form (HTML), notification sheet (HTML
and Markdown), form JSON Schema, a packet per department, the dependency graph and a page that
links them all; ``index.html`` lists every bundle with its 32号 area, savings and completeness,
and a search box that works offline (an inline script: no CDN, no server).

This module turns one manifest (plain JSON data) into that folder's files and rows into the
index; the command (``onething.cli.build``) compiles, calls the views for the graph text and
writes. Incremental builds keep their state here too (`SiteState`): like ``compile -o`` keyed
by content, so a second run over unchanged inputs rewrites nothing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onething.compiler.buildstate import (
    decode_diagnostic,
    encode_diagnostic,
    read_state_file,
    state_path,
    write_atomic,
    write_state_file,
)
from onething.dsl.diagnostics import Diagnostic
from onething.dsl.models.bundle_facts import AREAS, BATCHES
from onething.render.env import render
from onething.render.packet import departments

SITE_STATE_FORMAT = 1
METRICS = ("materials", "fields", "steps", "trips", "days")
GRAPH_TIMEOUT_S = 60

Manifest = Mapping[str, Any]
PageRenderer = Callable[[Manifest], dict[str, str]]
"""A bundle's other pages (relative path → text): form, sheet, schema, packets."""


# --- the graph ---------------------------------------------------------------------------


def graphviz_version() -> str | None:
    """`dot -V` as printed, or None when Graphviz is not installed (graphs then stay Mermaid text)."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    try:
        out = subprocess.run([dot, "-V"], capture_output=True, text=True, timeout=GRAPH_TIMEOUT_S)
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stderr or out.stdout).strip() or "dot"


def graph_svg(dot_text: str) -> str | None:
    """The DOT graph drawn as SVG by Graphviz; None when `dot` is missing or fails."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    try:
        out = subprocess.run([dot, "-Tsvg"], input=dot_text.encode("utf-8"), capture_output=True,
                             timeout=GRAPH_TIMEOUT_S, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.decode("utf-8")


# --- one bundle ---------------------------------------------------------------------------


def bundle_row(manifest: Manifest) -> dict[str, Any]:
    """What the index shows of a bundle (kept in the build state: an up-to-date bundle is not compiled)."""
    b = manifest["bundle"]
    steps = manifest["plan"]["steps"]
    row = {
        "id": b["id"],
        "version": b["version"],
        "title": dict(b["title"]),
        "description": dict(b.get("description") or {}),
        # the 32号 area and national batch, when the bundle states them (else unknown, shown so)
        "area": _named(b.get("area"), {k: v[:2] for k, v in AREAS.items()}),
        "batch": _named(b.get("batch"), BATCHES),
        "items": len(manifest["selection"]["items"]),
        "departments": len({s["department"] for s in steps.values()} | {b["lead"]}),
        "completeness": manifest["completeness"]["score"],
        "metrics": {n: [manifest["metrics"][n]["separate"], manifest["metrics"][n]["bundled"]] for n in METRICS},
        "committed_days_lower_bound": bool(manifest["plan"].get("unknown_limits")),
    }
    # the canonical form the state file gives back: a fresh bundle's row renders the same bytes
    return json.loads(json.dumps(row, ensure_ascii=False, sort_keys=True))


def _named(key: str | None, table: Mapping[str, tuple[str, ...]]) -> dict[str, str] | None:
    """An area or batch id with its names (the id alone when the table lacks it); None stays None."""
    if key is None:
        return None
    zh, en = table[key][:2] if key in table else (key, key)
    return {"id": key, "zh": zh, "en": en}


def bundle_files(manifest: Manifest, manifest_text: str, pages: dict[str, str], *, dot_text: str,
                 mermaid_text: str, svg: str | None, templates: Path | None = None) -> dict[str, str]:
    """Every file of a bundle's folder, by path relative to it (``index.html`` links the rest).

    ``pages`` are the bundle's rendered pages (form, sheet, schema, packets); ``svg`` is the
    graph drawn by Graphviz, None when it is not installed (the page then shows the Mermaid text).
    """
    files = {"manifest.json": manifest_text, **pages, "graph.mmd": mermaid_text, "graph.dot": dot_text}
    if svg is not None:
        files["graph.svg"] = svg
    b = manifest["bundle"]
    packets = [(d, b["departments"].get(d) or {"zh": d}, f"packets/{d}.html") for d in departments(manifest)]
    context = {
        "bundle": b,
        "row": bundle_row(manifest),
        "stages": [[(i, manifest["plan"]["steps"][i]) for i in stage] for stage in manifest["plan"]["stages"]],
        "packets": [p for p in packets if p[2] in files],
        "files": sorted(files),
        "svg": svg is not None,
        "mermaid": mermaid_text,
        "metric_names": METRICS,
    }
    files["index.html"] = _render("site_bundle.html.j2", context, templates)
    return dict(sorted(files.items()))


def index_html(rows: Iterable[Mapping[str, Any]], templates: Path | None = None) -> str:
    """The site's front page: every bundle, its area, savings and completeness; an offline search."""
    ordered = sorted(rows, key=lambda r: r["id"])
    return _render("site_index.html.j2", {"rows": ordered, "metric_names": METRICS}, templates)


def _render(template: str, context: dict[str, Any], templates: Path | None) -> str:
    return render(template, context, templates)


# --- incremental builds ----------------------------------------------------------------------


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def templates_digest(folders: Iterable[Path]) -> str:
    """sha256 of the template folders' files (names and bytes): a template edit rebuilds the pages."""
    h = hashlib.sha256()
    for folder in folders:
        h.update(f"templates {folder}\0".encode())
        if folder.is_dir():
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                h.update(f"{path.relative_to(folder).as_posix()}\0".encode() + path.read_bytes() + b"\0")
    return h.hexdigest()


@dataclass
class Built:
    """A bundle whose folder is up to date: its index row and what its compile reported."""

    bundle_id: str
    row: dict[str, Any]
    diagnostics: list[Diagnostic]


def site_state_path(output: Path) -> Path:
    return state_path(output, "site")


@dataclass
class SiteState:
    """What the last build of one site folder wrote, per bundle source: fingerprint, files, row.

    Kept in the user's cache folder like ``compile -o``'s state. A bundle is up to date when its
    fingerprint is unchanged and every file it wrote still holds the bytes written.
    """

    output: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: bool = False

    @classmethod
    def read(cls, output: Path) -> SiteState:
        """As last written; a missing, damaged, foreign or oversized state reads as empty."""
        bundles = read_state_file(site_state_path(output), SITE_STATE_FORMAT)
        return cls(output, {str(k): v for k, v in (bundles or {}).items() if isinstance(v, dict)})

    def fresh(self, source: str, stamp: str | None) -> Built | None:
        entry = self.entries.get(source)
        if stamp is None or entry is None or entry.get("fingerprint") != stamp:
            return None
        try:
            folder = self.output / entry["bundle"]
            for rel, digest in entry["files"].items():
                if hashlib.sha256((folder / rel).read_bytes()).hexdigest() != digest:
                    return None
            return Built(str(entry["bundle"]), dict(entry["row"]),
                         [decode_diagnostic(d) for d in entry["diagnostics"]])
        except (OSError, KeyError, TypeError, ValueError, AttributeError):
            return None

    def files_of(self, source: str) -> tuple[str, dict[str, str]] | None:
        """(bundle id, {path: sha256}) the last build wrote for a source, for clearing stale files."""
        entry = self.entries.get(source)
        if entry is None:
            return None
        try:
            return str(entry["bundle"]), {str(k): str(v) for k, v in entry["files"].items()}
        except (KeyError, TypeError, AttributeError):
            return None

    def record(self, source: str, stamp: str | None, bundle_id: str, files: Mapping[str, str],
               row: Mapping[str, Any], diagnostics: Iterable[Diagnostic]) -> None:
        if stamp is None:
            self.forget(source)
            return
        entry = {"fingerprint": stamp, "bundle": bundle_id, "files": {k: sha256(v) for k, v in sorted(files.items())},
                 "row": dict(row), "diagnostics": [encode_diagnostic(d) for d in diagnostics]}
        if self.entries.get(source) != entry:
            self.entries[source] = entry
            self.changed = True

    def forget(self, source: str) -> None:
        if self.entries.pop(source, None) is not None:
            self.changed = True

    def write(self) -> bool:
        return write_state_file(site_state_path(self.output), SITE_STATE_FORMAT, self.output, self.entries)


def write_if_changed(path: Path, text: str) -> bool:
    """Write atomically unless the file already holds these bytes; True when it was written."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)
    return True


def remove_stale(folder: Path, old: Mapping[str, str], keep: Iterable[str]) -> list[Path]:
    """Delete files an earlier build wrote into ``folder`` that this one no longer writes.

    Only files still holding the bytes onething wrote: a file someone edited stays. Emptied
    sub-folders go too. Returns the removed paths.
    """
    keep = set(keep)
    removed: list[Path] = []
    for rel, digest in sorted(old.items()):
        if rel in keep:
            continue
        path = folder / rel
        try:
            if hashlib.sha256(path.read_bytes()).hexdigest() == digest:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    for parent in sorted({p.parent for p in removed}, key=lambda p: len(p.parts), reverse=True):
        while parent != folder.parent and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return removed
