"""The shipped bundles (whatever bundles/*.yaml holds), compiled once for the whole session."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from onething.compiler import compile_bundle
from onething.compiler.manifest import Manifest
from onething.compiler.workspace import Workspace
from onething.dsl.discovery import BundleSource, find_bundles

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "bundles").glob("*.yaml"))  # iterate over what exists, never a fixed list


@cache
def _workspace() -> Workspace:
    return Workspace()  # the catalog is loaded once


@cache
def shipped(path: Path) -> tuple[BundleSource, Manifest]:
    """The bundle's source and its manifest, compiled without selection or answers."""
    [source], _ = find_bundles([path], None)
    loaded = _workspace().load_bundle(source)
    return source, compile_bundle(loaded.resolved, source.path).manifest


def resolved(path: Path):
    [source], _ = find_bundles([path], None)
    return _workspace().load_bundle(source).resolved
