"""Finding and loading bundles with their catalogs: the I/O edge of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from onething.compiler import catalog_cache
from onething.compiler.resolve import ResolvedBundle, resolve
from onething.dsl.catalog import Catalog
from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.discovery import BundleSource, display_path, resolved
from onething.dsl.entries import Entry
from onething.dsl.i18n import _
from onething.dsl.limits import MAX_BUNDLE_ITEMS, MAX_DIAGNOSTICS_PER_FILE
from onething.dsl.loader import load_file
from onething.dsl.models.bundle import Bundle
from onething.dsl.source import Location, YList, YMap, locate
from onething.dsl.validation import pydantic_diagnostics, suggest


@dataclass
class LoadedBundle:
    """A bundle file after load, model and resolve; ``resolved`` is None when unusable."""

    source: BundleSource
    resolved: ResolvedBundle | None
    diagnostics: list[Diagnostic] = field(default_factory=list)


_ROWS = ("items", "questions", "fields", "materials", "cooperating", "suppress")


def _salvage(data: YMap, exc: ValidationError, catalog: Catalog) -> YMap | None:
    """The bundle without the parts that failed validation, or None when nothing is left to check.

    Failing rows of lists are dropped, failing optional keys removed, and failing required
    scalars replaced by neutral stand-ins, so the rest still gets its reference checks.
    """
    stand_ins: dict[str, object] = {"bundle": "invalid", "version": "0", "title": {"zh": "-"}}
    if catalog.departments:
        stand_ins["lead"] = next(iter(catalog.departments))
    bad_keys: set[str] = set()
    bad_rows: dict[str, set[int]] = {}
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        if not loc or not isinstance(loc[0], str):
            return None
        if loc[0] in _ROWS and len(loc) > 1 and isinstance(loc[1], int):
            bad_rows.setdefault(loc[0], set()).add(loc[1])
        else:
            bad_keys.add(loc[0])
    rest = YMap(data.loc)
    for key in bad_keys - set(data):
        if key not in stand_ins:
            return None
        rest.set_located(key, stand_ins[key], data.loc, data.loc)
    for key, value in data.items():
        key_loc, value_loc = data.key_loc(key) or data.loc, data.value_loc(key) or data.loc
        if key in bad_keys:
            if key in stand_ins:
                rest.set_located(key, stand_ins[key], key_loc, value_loc)
            elif key == "items":
                return None
            continue
        if key in bad_rows and isinstance(value, YList):
            kept = YList(value.loc)
            for i, row in enumerate(value):
                if i not in bad_rows[key]:
                    kept.append_located(row, value.item_loc(i))
            value = kept
        rest.set_located(key, value, key_loc, value_loc)
    return rest


class Workspace:
    """Loads catalogs once per folder and bundles against them."""

    def __init__(self, remember_bundles: bool = False) -> None:
        self._catalogs: dict[Path, Catalog] = {}
        # `validate` loads each bundle once for itself and its scenarios; a compile loads it once anyway
        self._bundles: dict[tuple[Path, Path], LoadedBundle] | None = {} if remember_bundles else None

    def catalog(self, folder: Path) -> Catalog:
        key = resolved(folder)
        if key not in self._catalogs:
            self._catalogs[key] = catalog_cache.load(folder)  # loaded and checked, or as cached
        return self._catalogs[key]

    def load_bundle(self, source: BundleSource) -> LoadedBundle:
        if self._bundles is None:
            return self._load_bundle(source)
        key = (source.path.resolve(), source.catalog_dir.resolve())
        if key not in self._bundles:
            self._bundles[key] = self._load_bundle(source)
        return self._bundles[key]

    def _load_bundle(self, source: BundleSource) -> LoadedBundle:
        loaded = load_file(source.path, source.display)
        diags = list(loaded.diagnostics)
        if loaded.data is None:
            return LoadedBundle(source, None, diags)
        data = loaded.data
        if isinstance(data, YMap) and "bundle" not in data:
            misspelt = [k for k in data if isinstance(k, str) and suggest(k, ["bundle"]) == "bundle"]
            if misspelt:  # `bundel: birth`: one precise error, not a catalog file's twenty
                diags.append(make("E101", _("unknown top-level key {key} in a bundle file").format(key=repr(misspelt[0])),
                                  locate(data, (misspelt[0],), key=True) or Location(source.display),
                                  _("did you mean {guess}?").format(guess=repr("bundle"))))
                return LoadedBundle(source, None, diags)
        if not isinstance(data, YMap) or "bundle" not in data:
            kind = _("a mapping without a `bundle:` key") if isinstance(data, YMap) else (
                _("a list") if isinstance(data, list) else _("a single value"))
            if isinstance(data, YMap) and any(k in data for k in ("departments", "fields", "materials", "items")):
                kind = _("a catalog file")
            diags.append(make("E107", _("expected a bundle file, found {kind}").format(kind=kind), getattr(data, "loc", Location(source.display)),
                              _("a bundle file starts with `bundle: <id>`; catalog files belong in catalog/")))
            return LoadedBundle(source, None, diags)
        items = data.get("items")
        if isinstance(items, list) and len(items) > MAX_BUNDLE_ITEMS:
            # refused before validation: the worst input within the limits stays cheap to check
            diags.append(make("E022", _("the bundle has {n:,} items; the limit is {limit:,}").format(
                n=len(items), limit=MAX_BUNDLE_ITEMS), data.key_loc("items") or data.loc,
                _("split it into several bundles; real bundles have a few dozen items at most")))
            return LoadedBundle(source, None, diags)
        try:
            bundle: Bundle | None = Bundle.model_validate(data)
            failure: ValidationError | None = None
        except ValidationError as exc:
            bundle, failure = None, exc
            diags.extend(pydantic_diagnostics(exc, Bundle, data, source.display))
        if not source.catalog_dir.is_dir():
            if failure is None:
                diags.append(make("E001", _("catalog folder {value} not found").format(value=display_path(source.catalog_dir)),
                                  Location(source.display),
                                  _("put the catalog in catalog/ beside the bundle, or pass --catalog DIR")))
            return LoadedBundle(source, None, diags)
        catalog = self.catalog(source.catalog_dir)
        if failure is not None or bundle is None:
            # Every error of a file in one run: check the references of what did validate.
            rest = (_salvage(data, failure, catalog)
                    if failure is not None and failure.error_count() <= MAX_DIAGNOSTICS_PER_FILE else None)
            if rest is not None:
                try:
                    partial = Bundle.model_validate(rest)
                except ValidationError:
                    return LoadedBundle(source, None, diags)
                diags.extend(resolve(partial, Entry(partial, source.display, rest), catalog).diagnostics)
            return LoadedBundle(source, None, diags)
        resolved = resolve(bundle, Entry(bundle, source.display, data), catalog)
        diags.extend(resolved.diagnostics)
        return LoadedBundle(source, resolved, diags)
