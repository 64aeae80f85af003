"""Which files a run is about to parse, for a second process to parse ahead (dsl/prefetch.py).

Decided before the pipeline (pydantic, the models) is imported, from the light modules only:
the catalogs that are not in the catalog cache under their current key, then the bundles.
"""

from __future__ import annotations

from pathlib import Path

from onething.compiler import catalog_cache
from onething.dsl import prefetch
from onething.dsl.discovery import BundleSource, catalog_file_name, catalog_files, display_path, resolved


def parse_ahead(sources: list[BundleSource]) -> bool:
    """Start parsing the files that loading ``sources`` will parse; whether a child started."""
    if not prefetch.possible():
        return False
    files: list[tuple[Path, str]] = []
    folders: set[Path] = set()
    for source in sources:
        folder = source.catalog_dir
        key = resolved(folder)
        if key in folders or not folder.is_dir():
            continue
        folders.add(key)
        if catalog_cache.will_load(folder):
            display = display_path(folder)
            files += [(path, catalog_file_name(folder, display, path)) for path in catalog_files(folder)]
    files += [(source.path, source.display) for source in sources]
    return prefetch.start(files)


def done() -> None:
    """The run is over: the child reaped, what it parsed and the keys will_load computed dropped."""
    prefetch.finish()
    catalog_cache.forget_keys()
