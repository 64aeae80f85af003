"""Finding bundle and catalog files on disk, without loading them.

Kept apart from the pipeline (no pydantic, no YAML parser): an up-to-date compile only needs
to know which files there are, and starts in a fraction of the time a full load takes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.i18n import _
from onething.dsl.source import Location

CATALOG_KEYS = ("departments", "sections", "fields", "materials", "items")


class UsageError(Exception):
    """Bad command-line input (exit 2): a path that does not exist, and the like."""


def find_project_root(start: Path | None = None) -> Path | None:
    """The nearest folder, from ``start`` (the working folder) upward, that holds ``bundles/catalog/``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "bundles" / "catalog").is_dir():
            return folder
    return None


def project_path(relative: str, start: Path | None = None) -> Path:
    """A default path (``bundles``, ``bundles/scenarios``) of the project the working folder is in.

    Relative to the working folder, so it is shown as the user would type it (``bundles`` at
    the root, ``../bundles`` one level down); as given when no project root is found (the
    command then reports that the path does not exist). Explicit paths never come here:
    they stay relative to the working folder.
    """
    root = find_project_root(start)
    if root is None:
        return Path(relative)
    return Path(os.path.relpath(root / relative, (start or Path.cwd()).resolve()))


def display_path(path: Path) -> str:
    """The path as the user sees it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path.resolve(), Path.cwd().resolve())
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else Path(rel).as_posix()


@dataclass
class BundleSource:
    path: Path
    display: str
    catalog_dir: Path


def _top_key(path: Path) -> str | None:
    """Cheap sniff of a file's first top-level key, to tell bundles from other YAML."""
    try:
        with path.open("rb") as fh:
            for raw in fh:
                line = raw.decode("utf-8", "replace")
                if not line.strip() or line.lstrip().startswith("#") or line.startswith("---"):
                    continue
                if line[0] in " \t-":
                    return None
                return line.split(":", 1)[0].strip().strip("'\"")
    except OSError:
        return None
    return None


def bundle_id(path: Path) -> str | None:
    """The value of a bundle file's top-level `bundle:` key, sniffed without parsing YAML."""
    try:
        with path.open("rb") as fh:
            for raw in fh:
                line = raw.decode("utf-8", "replace")
                if line.startswith("bundle:"):
                    value = line[len("bundle:"):].split(" #", 1)[0].strip().strip("'\"")
                    return value or None
    except OSError:
        return None
    return None


def file_kind(path: Path) -> str | None:
    """'bundle', 'catalog', 'scenarios' or None, from the first top-level key."""
    key = _top_key(path)
    if key == "bundle":
        return "bundle"
    if key in CATALOG_KEYS:
        return "catalog"
    if key == "scenarios":
        return "scenarios"
    return None


def find_bundles(paths: list[Path], catalog: Path | None) -> tuple[list[BundleSource], list[Diagnostic]]:
    """Expand the command's paths into bundle files; a folder contributes its *.yaml bundles."""
    sources: list[BundleSource] = []
    diags: list[Diagnostic] = []
    for path in paths:
        if not path.exists():
            raise UsageError(_("path does not exist: {path}").format(path=path))
        if path.is_dir():
            found = [
                p for p in sorted(path.iterdir())
                if p.is_file() and p.suffix in (".yaml", ".yml") and file_kind(p) not in ("catalog", "scenarios")
            ]
            if not found:
                diags.append(make("E012", _("no bundle files in {value}").format(value=display_path(path)), Location(display_path(path)),
                                  _("bundle files are *.yaml with a top-level `bundle:` key")))
            for p in found:
                sources.append(BundleSource(p, display_path(p), catalog or p.parent / "catalog"))
        else:
            sources.append(BundleSource(path, display_path(path), catalog or path.parent / "catalog"))
    return sources, diags


def catalog_files(folder: Path) -> list[Path]:
    """Every YAML file below a catalog folder, in a stable order."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
