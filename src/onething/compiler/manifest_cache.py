"""`plan` of an unchanged bundle: the manifest of its last compile, not compiled again.

The plan table is drawn from the compiled manifest. When the bundle file, its catalog (the
catalog cache's key: every file's bytes, the toolchain, the language), the selection and the
answers file are byte for byte those of the last successful run, the manifest's data is read
from the user's cache folder instead (one file per bundle, selection and answers file, verified
like the catalog cache: header line with key and sha256, JSON payload) and validated by the
Manifest model as the table always is; no YAML parser, no bundle or catalog model, no graph
library. Anything odd about the file makes it absent; ``ONETHING_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from onething.compiler.buildstate import cache_dir
from onething.compiler.catalog_cache import enabled, read_verified, write_verified
from onething.compiler.checkstate import stamp
from onething.dsl import limits
from onething.dsl.discovery import BundleSource, display_path, resolved
from onething.dsl.reading import read_limited

MAGIC = "onething-manifest-cache"
FORMAT = 1
MAX_BYTES = 64 * limits.MiB


def slot(source: BundleSource, select: list[str] | None, answers: Path | None) -> tuple[Path, str] | None:
    """(cache file, key) of a compile of ``source`` with this selection and answers; None: not cacheable."""
    if not enabled():
        return None
    base = stamp(source, {})
    if base is None:
        return None
    h = hashlib.sha256(f"{MAGIC} {FORMAT}\0{base}\0select {json.dumps(select)}\0".encode())
    where = f"{resolved(source.path)}\0{source.display}\0{json.dumps(select)}"
    if answers is not None:
        raw, _problem = read_limited(answers, str(answers), limits.MAX_FILE_BYTES)
        if raw is None:
            return None
        h.update(f"answers {display_path(answers)}\0".encode() + raw)
        where += f"\0{resolved(answers)}"
    name = hashlib.sha256(where.encode()).hexdigest()[:24]
    return cache_dir() / f"manifest-{name}.json", h.hexdigest()


def read(place: tuple[Path, str]) -> Any | None:
    """The manifest data (``model_dump(mode="json", exclude_none=True)``) cached under the key, else None."""
    payload = read_verified(place[0], MAGIC, FORMAT, place[1], MAX_BYTES)
    if payload is None:
        return None
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def write(place: tuple[Path, str], data: dict[str, Any]) -> bool:
    """Keep the manifest data (JSON in the dump's own key order: the table follows it)."""
    try:
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError):
        return False
    return write_verified(place[0], MAGIC, FORMAT, place[1], payload)
