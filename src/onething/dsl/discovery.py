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
from onething.dsl.reading import printable_name, read_limited
from onething.dsl.source import Location

CATALOG_KEYS = ("departments", "sections", "fields", "materials", "items")
# top-level keys only a bundle has (tests/test_nothing_silent.py keeps this within the Bundle
# model's keys): with one of them, a file is a bundle even when its `bundle:` key is misspelt
BUNDLE_ONLY_KEYS = frozenset({"title", "version", "questions", "window", "lead", "cooperating", "area", "batch",
                              "published", "requires", "no_tolerance", "e_certificate_sharing"})


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


def resolved(path: Path) -> Path:
    """``path.resolve()``, or its absolute form when a symlink loop makes it unresolvable."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: Python < 3.13 on a symlink loop
        return Path(os.path.abspath(path))


def display_path(path: Path) -> str:
    """The path as the user sees it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(resolved(path), resolved(Path.cwd()))
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else Path(rel).as_posix()


@dataclass
class BundleSource:
    path: Path
    display: str
    catalog_dir: Path


def _top_keys(path: Path) -> set[str]:
    """Cheap sniff of a file's top-level keys (every line that starts a key at column 0).

    The whole mapping decides, not its first key: a bundle whose `bundle:` key comes after
    `items:` is still a bundle. Reads at most the file size limit; special files are not read.
    """
    keys: set[str] = set()
    raw, _problem = read_limited(path, str(path))
    if raw is None:
        return keys
    for line in raw.decode("utf-8", "replace").splitlines():
        if not line or line[0] in " \t-#[{}]\"'|>" or line.startswith(("---", "...")) or ":" not in line:
            continue
        keys.add(line.split(":", 1)[0].strip())
    return keys


def bundle_id(path: Path) -> str | None:
    """The value of a bundle file's top-level `bundle:` key, sniffed without parsing YAML (bounded read)."""
    raw, _problem = read_limited(path, str(path))
    if raw is None:
        return None
    for line in raw.decode("utf-8", "replace").splitlines():
        if line.startswith("bundle:"):
            value = line[len("bundle:"):].split(" #", 1)[0].strip().strip("'\"")
            return value or None
    return None


def top_key_location(path: Path, display: str, key: str) -> Location:
    """Where the top-level ``key:`` of a file is written (its line, column 1), else the file itself."""
    raw, _problem = read_limited(path, display)
    if raw is not None:
        for n, line in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
            if line.startswith(key) and line[len(key):].lstrip(" ").startswith(":"):
                return Location(display, n, 1)
    return Location(display)


def duplicate_bundle(bundle_id: str, second: BundleSource, first: BundleSource) -> Diagnostic:
    """E205: two bundle files with one id (neither may silently win)."""
    return make("E205", _("bundle id {id!r} is also the id of {other}").format(
        id=bundle_id, other=first.display), top_key_location(second.path, second.display, "bundle"),
        _("give each bundle file its own `bundle:` id; compile writes neither manifest"),
        related=(top_key_location(first.path, first.display, "bundle"),))


def file_kind(path: Path) -> str | None:
    """'bundle', 'catalog', 'scenarios' or None, from the file's top-level keys."""
    keys = _top_keys(path)
    if "bundle" in keys or keys & BUNDLE_ONLY_KEYS:
        # a bundle whose `bundle:` key is misspelt (`bundel:`) is still a bundle, reported
        # as one (unknown key, did you mean 'bundle'?), not a catalog file with 20 errors
        return "bundle"
    if keys & set(CATALOG_KEYS):
        return "catalog"
    if "scenarios" in keys:
        return "scenarios"
    return None


def _name_problem(path: Path) -> Diagnostic | None:
    """E015 for a file name that is not valid UTF-8 (it could not even be printed)."""
    shown = printable_name(str(path))
    if shown == str(path):
        return None
    return make("E015", _("the file name {name} is not valid UTF-8").format(name=shown), Location(shown),
                _("rename the file with a UTF-8 name"))


def find_bundles(paths: list[Path], catalog: Path | None) -> tuple[list[BundleSource], list[Diagnostic]]:
    """Expand the command's paths into bundle files; a folder contributes its *.yaml bundles."""
    sources: list[BundleSource] = []
    diags: list[Diagnostic] = []
    for path in paths:
        if not path.exists():
            raise UsageError(_("path does not exist: {path}").format(path=path))
        if path.is_dir():
            found = []
            for p in sorted(path.iterdir()):
                if p.suffix not in (".yaml", ".yml") or p.is_dir():
                    continue
                bad_name = _name_problem(p)
                if bad_name is not None:
                    diags.append(bad_name)
                elif not p.is_file():  # a FIFO, socket, device or dangling link: refused, never read
                    sources.append(BundleSource(p, display_path(p), catalog or p.parent / "catalog"))
                elif file_kind(p) not in ("catalog", "scenarios"):
                    found.append(p)
            if not found:
                diags.append(make("E012", _("no bundle files in {value}").format(value=display_path(path)), Location(display_path(path)),
                                  _("bundle files are *.yaml with a top-level `bundle:` key")))
            for p in found:
                sources.append(BundleSource(p, display_path(p), catalog or p.parent / "catalog"))
        elif (bad_name := _name_problem(path)) is not None:
            diags.append(bad_name)
        else:
            sources.append(BundleSource(path, display_path(path), catalog or path.parent / "catalog"))
    return sources, diags


def catalog_files(folder: Path) -> list[Path]:
    """Every YAML file below a catalog folder, in a stable order."""
    if not folder.is_dir():
        return []
    # special files are listed too (the loader refuses them by type, E013); folders are walked
    # without following symlinks, so a symlink loop inside the catalog ends the walk
    out: list[Path] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        out.extend(Path(root) / f for f in files if f.endswith((".yaml", ".yml")))
        out.extend(Path(root) / d for d in dirs if d.endswith((".yaml", ".yml")))
    return sorted(out)


def catalog_file_name(folder: Path, display: str, path: Path) -> str:
    """How a file below a catalog folder is named in locations: the folder as shown, then the rest."""
    return f"{display.rstrip('/')}/{path.relative_to(folder).as_posix()}"
