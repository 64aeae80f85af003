"""Resource limits on input, in one place: the loader, models and compiler enforce them and
``docs/diagnostics.md`` lists them (generated from ``LIMITS``).

Chosen so that the largest input within every limit still validates in under 2 s and 400 MB
on the development machine (benchmarks/limits.py measures that worst case; the figures are
in benchmarks/README.md). Real bundles and catalogs stay far below each of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

MiB = 1024 * 1024

MAX_FILE_BYTES = 2 * MiB
"""One bundle, catalog, scenario or answers file."""
MAX_CATALOG_BYTES = 2 * MiB
"""All the files of one catalog folder together, by default: a city's catalog is well under
1 MiB (the shipped one 0.3). A province-sized catalog (benchmarks/province.py: 4.5 MiB) is
admitted by whoever runs the pipeline, with ``ONETHING_MAX_CATALOG_MIB`` — never by the YAML."""
CATALOG_LIMIT_ENV = "ONETHING_MAX_CATALOG_MIB"
CATALOG_LIMIT_CEILING_MIB = 64
"""The most ``ONETHING_MAX_CATALOG_MIB`` may raise the catalog limit to."""
MAX_CATALOG_FILES = 1000
"""YAML files in one catalog folder (with its subfolders)."""
MAX_DEPTH = 64
"""Nesting of mappings and lists in one file."""
MAX_NODES = 2_000_000
"""Values a file expands to through aliases."""
MAX_ALIAS_NODES = 100_000
"""Values that aliases (``*name``) repeat in one file; real files repeat a handful."""
MAX_DIAGNOSTICS_PER_FILE = 200
"""Diagnostics shown for one file; the rest are counted in one W690 line (exit status still counts all)."""
MAX_BUNDLE_ITEMS = 500
"""Items of one bundle. The largest shipped bundle has about 30 and real 一件事 packages a
handful to a few dozen; 500 leaves ample room while keeping the worst bundle cheap to check."""
MAX_FORM_FIELDS = 5000
"""Fields of one combined form after group members are expanded."""
MAX_GROUP_DEPTH = 10
"""Levels of field groups inside groups."""
MAX_ANSWER_KEYS = 10_000
"""Keys in one answers file."""
MAX_ID_LENGTH = 100
"""Characters of an id or key (bundle, item, field, material, department, question)."""
MAX_INT_DIGITS = 30
"""Digits of a whole number, in YAML and in conditions (Python refuses 4,300)."""
MAX_DAYS = 36_500
"""A time limit or special procedure in days (100 years)."""


def catalog_bytes() -> tuple[int, str | None]:
    """The catalog limit in force: ``MAX_CATALOG_BYTES``, or ``ONETHING_MAX_CATALOG_MIB`` MiB
    when that is set; with the variable's problem (then the default stays in force)."""
    raw = os.environ.get(CATALOG_LIMIT_ENV, "").strip()
    if not raw:
        return MAX_CATALOG_BYTES, None
    if raw.isdigit() and 1 <= int(raw) <= CATALOG_LIMIT_CEILING_MIB:
        return int(raw) * MiB, None
    return MAX_CATALOG_BYTES, f"{CATALOG_LIMIT_ENV}={raw!r}"


@dataclass(frozen=True)
class Limit:
    name: str
    value: int
    unit: str
    code: str
    what: str


LIMITS: tuple[Limit, ...] = (
    Limit("MAX_FILE_BYTES", MAX_FILE_BYTES, "bytes", "E003", "one bundle, catalog, scenario or answers file"),
    Limit("MAX_CATALOG_BYTES", MAX_CATALOG_BYTES, "bytes", "E014",
          "all files of one catalog folder together (ONETHING_MAX_CATALOG_MIB raises it, up to 64 MiB)"),
    Limit("MAX_CATALOG_FILES", MAX_CATALOG_FILES, "files", "E014", "YAML files in one catalog folder"),
    Limit("MAX_DEPTH", MAX_DEPTH, "levels", "E010", "nesting of mappings and lists in one file"),
    Limit("MAX_NODES", MAX_NODES, "values", "E009", "values one file expands to through aliases"),
    Limit("MAX_ALIAS_NODES", MAX_ALIAS_NODES, "values", "E009", "values that aliases repeat in one file"),
    Limit("MAX_DIAGNOSTICS_PER_FILE", MAX_DIAGNOSTICS_PER_FILE, "diagnostics", "W690",
          "diagnostics shown per file; the rest are counted (the exit status counts all)"),
    Limit("MAX_BUNDLE_ITEMS", MAX_BUNDLE_ITEMS, "items", "E022", "items of one bundle"),
    Limit("MAX_FORM_FIELDS", MAX_FORM_FIELDS, "fields", "E016", "fields of one combined form, groups expanded"),
    Limit("MAX_GROUP_DEPTH", MAX_GROUP_DEPTH, "levels", "E016", "field groups nested inside groups"),
    Limit("MAX_ANSWER_KEYS", MAX_ANSWER_KEYS, "keys", "E504", "keys in one answers file"),
    Limit("MAX_ID_LENGTH", MAX_ID_LENGTH, "characters", "E017", "an id or key"),
    Limit("MAX_INT_DIGITS", MAX_INT_DIGITS, "digits", "E019", "a whole number in YAML or in a condition"),
    Limit("MAX_DAYS", MAX_DAYS, "days", "E104", "a time limit or special procedure"),
)


def shown(value: int, unit: str) -> str:
    """A limit as the docs and messages show it: bytes in MiB, other counts with separators."""
    if unit == "bytes" and value % MiB == 0:
        return f"{value // MiB} MiB"
    return f"{value:,} {unit}"
