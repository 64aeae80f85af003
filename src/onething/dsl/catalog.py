"""The catalog: departments, fields, materials and items from every file of a catalog folder."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from onething.dsl import limits
from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.discovery import CATALOG_KEYS, catalog_file_name, catalog_files
from onething.dsl.entries import Entry
from onething.dsl.i18n import N_, _
from onething.dsl.loader import Loaded, load_file
from onething.dsl.models.catalog import (
    CatalogFile,
    Department,
    FieldDef,
    ItemDef,
    MaterialDef,
    SectionDef,
)
from onething.dsl.source import Location, YMap
from onething.dsl.validation import pydantic_diagnostics

_MODELS: dict[str, type[BaseModel]] = {
    "departments": Department,
    "sections": SectionDef,
    "fields": FieldDef,
    "materials": MaterialDef,
    "items": ItemDef,
}
_ID_KEY = {"departments": "id", "sections": "id", "fields": "key", "materials": "id", "items": "id"}
ISSUERS_OUTSIDE = ("applicant", "third_party")
_TWICE = {
    "departments": N_("department {ident} is defined twice"),
    "sections": N_("section {ident} is defined twice"),
    "fields": N_("field {ident} is defined twice"),
    "materials": N_("material {ident} is defined twice"),
    "items": N_("item {ident} is defined twice"),
}


@dataclass
class Catalog:
    """Everything the catalog defines, each entry with where it was written."""

    departments: dict[str, Entry[Department]] = field(default_factory=dict)
    sections: dict[str, Entry[SectionDef]] = field(default_factory=dict)
    fields: dict[str, Entry[FieldDef]] = field(default_factory=dict)
    materials: dict[str, Entry[MaterialDef]] = field(default_factory=dict)
    items: dict[str, Entry[ItemDef]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # (kind, id) → (entry model, its canonical JSON): what source hashes hash, made once per
    # catalog rather than once per bundle that uses the entry
    hash_parts: dict[tuple[str, str], tuple[Any, bytes]] = field(default_factory=dict, repr=False, compare=False)
    invalid: set[tuple[str, str]] = field(default_factory=set)
    """(kind, id) of entries left out because they failed validation (already reported)."""

    def table(self, kind: str) -> dict[str, Entry[Any]]:
        return getattr(self, kind)


_FIELD_SETS: dict[frozenset[str], set[str]] = {}
_NESTED: dict[type, tuple[str, ...]] = {}


def _holds_models(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_models(a) for a in get_args(annotation))


def _nested_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``cls`` whose values may be or hold models (found once per class)."""
    names = _NESTED.get(cls)
    if names is None:
        names = _NESTED[cls] = tuple(n for n, f in cls.model_fields.items() if _holds_models(f.annotation))
    return names


def _share_field_sets(model: BaseModel) -> None:
    """Let the catalog's models share their sets of given fields, one per distinct set.

    Pydantic gives every model instance a set of the fields its input gave (216 bytes and
    more each): a province catalog has some 60,000 model instances with a handful of
    distinct sets, a sixth of its memory. The models are frozen, so nothing adds to these
    sets in place (a copy, ``model_copy``, copies its set first).
    """
    shared = _FIELD_SETS
    nested = _NESTED
    todo: list[Any] = [model]
    while todo:
        m = todo.pop()
        given = m.__pydantic_fields_set__
        key = frozenset(given)
        one = shared.get(key)
        if one is None:
            shared[key] = given
        elif one is not given:
            object.__setattr__(m, "__pydantic_fields_set__", one)
        cls = type(m)
        names = nested.get(cls)
        if names is None:
            names = _nested_fields(cls)
        if not names:  # most models (labels, options) hold no models: no walk
            continue
        d = m.__dict__
        for name in names:
            value = d[name]
            if value is None:
                continue
            if isinstance(value, BaseModel):
                todo.append(value)
            elif isinstance(value, (list, tuple, dict)):
                todo.extend(v for v in (value.values() if isinstance(value, dict) else value)
                            if isinstance(v, BaseModel))


def add_entries(
    catalog: Catalog, kind: str, raw: Any, file: str, key_path: tuple[Any, ...]
) -> None:
    """Validate each entry of one dictionary on its own, so one bad entry hides no other."""
    model_cls = _MODELS[kind]
    table = catalog.table(kind)
    id_key = _ID_KEY[kind]
    if not isinstance(raw, list):
        loc = getattr(raw, "loc", None)
        catalog.diagnostics.append(
            make("E102", _("`{kind}:` must be a list of entries").format(kind=kind), loc,
                 _("write `{kind}:` followed by `- {id_key}: …` entries").format(kind=kind, id_key=id_key))
        )
        return
    for i, node in enumerate(raw):
        try:
            model = model_cls.model_validate(node)
        except ValidationError as exc:
            catalog.diagnostics.extend(pydantic_diagnostics(exc, model_cls, node, file, key_path + (i,)))
            if isinstance(node, dict) and isinstance(node.get(id_key), str):
                catalog.invalid.add((kind, node[id_key]))
            continue
        ident = getattr(model, id_key)
        _share_field_sets(model)
        entry = Entry(model, file, node)
        if ident in table:
            first = table[ident]
            catalog.diagnostics.append(
                make(
                    "E205",
                    _(_TWICE[kind]).format(ident=repr(ident)),
                    entry.loc(id_key),
                    _("keep one definition; the catalog is shared by every bundle"),
                    related=(first.loc(id_key),),
                )
            )
            continue
        table[ident] = entry


def _too_big(paths: list[Path], display: str) -> Diagnostic | None:
    """E014 when the catalog's files are too many or too large together (checked before reading)."""
    if len(paths) > limits.MAX_CATALOG_FILES:
        return make("E014", _("the catalog has {n:,} YAML files; the limit is {limit:,}").format(
            n=len(paths), limit=limits.MAX_CATALOG_FILES), Location(display),
            _("keep one catalog per folder; split unrelated catalogs"))
    total = 0
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue  # reported by the loader
        if stat.S_ISREG(st.st_mode):
            total += st.st_size
    allowed, problem = limits.catalog_bytes()
    if problem is not None:
        return make("E014", _("{setting} is not a whole number of MiB from 1 to {ceiling}").format(
            setting=problem, ceiling=limits.CATALOG_LIMIT_CEILING_MIB), Location(display),
            _("set it to the catalog limit in MiB, e.g. {env}=8, or unset it for the default {limit}").format(
                env=limits.CATALOG_LIMIT_ENV, limit=limits.shown(limits.MAX_CATALOG_BYTES, "bytes")))
    if total > allowed:
        return make("E014", _("the catalog's files hold {size:.1f} MiB together; the limit is {limit}").format(
            size=total / limits.MiB, limit=limits.shown(allowed, "bytes")), Location(display),
            _("keep one catalog per folder and split unrelated catalogs; a province-sized catalog: "
              "raise the limit with {env} (MiB, up to {ceiling})").format(
                env=limits.CATALOG_LIMIT_ENV, ceiling=limits.CATALOG_LIMIT_CEILING_MIB))
    return None


def load_catalog(folder: Path, display: str) -> Catalog:
    """Load every catalog file below ``folder``; file-level problems become diagnostics."""
    catalog = Catalog()
    paths = catalog_files(folder)
    too_big = _too_big(paths, display)
    if too_big is not None:
        catalog.diagnostics.append(too_big)
        return catalog
    for path in paths:
        loaded = load_file(path, catalog_file_name(folder, display, path))
        catalog.diagnostics.extend(loaded.diagnostics)
        if loaded.data is None:
            continue
        add_catalog_data(catalog, loaded)
    return catalog


def add_catalog_data(catalog: Catalog, loaded: Loaded) -> None:
    data, file = loaded.data, loaded.file
    if not isinstance(data, YMap):
        catalog.diagnostics.append(
            make("E107", _("a catalog file must be a mapping"), getattr(data, "loc", None),
                 _("start it with departments:, fields:, materials: or items:"))
        )
        return
    if "bundle" in data or "scenarios" in data:
        catalog.diagnostics.append(
            make("E107", _("this is a bundle or scenario file inside the catalog folder"), data.loc,
                 _("move it out of catalog/: the catalog holds only departments, fields, materials, items"))
        )
        return
    for key in data:
        if key not in CATALOG_KEYS:
            from onething.dsl.validation import suggest

            guess = suggest(key, CATALOG_KEYS)
            catalog.diagnostics.append(
                make("E101", _("unknown top-level key {key} in a catalog file").format(key=repr(key)), data.key_loc(key),
                     _("did you mean {guess}?").format(guess=repr(guess)) if guess else
                     _("allowed: {keys}").format(keys=", ".join(CATALOG_KEYS)))
            )
    for kind in CATALOG_KEYS:
        if kind in data and data[kind] is not None:
            add_entries(catalog, kind, data[kind], file, (kind,))


__all__ = ["Catalog", "CatalogFile", "load_catalog", "add_entries", "ISSUERS_OUTSIDE", "CATALOG_KEYS"]
