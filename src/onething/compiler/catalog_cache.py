"""A content-keyed cache of validated catalogs: a catalog folder is parsed and validated once.

Every command that reads bundles loads their catalog first: dozens of YAML files parsed,
hundreds of entries validated by their pydantic models, then cross-checked. Like dbt's
partial parsing, the result is kept in the user's cache folder and used again while nothing
it was made from changed. The key is a sha256 over

- the bytes and names of every catalog file (read bounded, as the loader reads them),
- the folder as shown (it is in every location) and the language of the run (diagnostics are
  kept as printed),
- the toolchain: onething's own source and message catalogues, Python's version and the
  installed PyYAML and pydantic (buildstate's stamp; an upgrade or an edit is a new key).

The file is a header line (format, key, sha256 of the payload) and a JSON payload of plain
data: no pickle, nothing that runs code when read. A file that is missing, unreadable, larger
than MAX_CACHE_BYTES, of another format or key, whose payload does not hash to the header's
sum (damaged, edited), or that does not decode to the exact shape written (nested too deep,
a class or field that no longer exists) is treated as absent: the catalog is loaded from its
files and the cache written again. Deleting the cache folder costs one load, nothing else;
``ONETHING_NO_CACHE=1`` turns it off (no read, no write).

What is kept is what a fresh load makes: each entry's model as its own JSON text (pydantic's
serializer, unset fields left out), its file and where it starts, the invalid entries' ids and
the catalog's diagnostics (replayed exactly, in the language of the run and in English for the
manifest). A command rebuilds only the entries it uses, without validation: what
``model_construct`` makes of the dump, nested models and decimals rebuilt by the field
annotations (a test checks every fixture catalog rebuilds to the validated models, value,
type and set fields alike). An entry's node (where each key and value is written) is not
kept: when a diagnostic asks for a location inside the catalog, that one file is parsed
again. Pydantic models stay the one definition of the types: a changed model is a changed
source file, hence a new key.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import stat
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin

from onething.compiler.buildstate import _toolchain_stamp, cache_dir
from onething.compiler.safe_write import clean_leftovers, write_atomic
from onething.dsl import limits
from onething.dsl.diagnostics import REGISTRY, Diagnostic
from onething.dsl.discovery import CATALOG_KEYS, catalog_files, display_path, resolved
from onething.dsl.entries import Entry
from onething.dsl.i18n import Translated, current_language
from onething.dsl.reading import read_limited
from onething.dsl.source import Location, YList, YMap

if TYPE_CHECKING:
    from pydantic import BaseModel

    from onething.dsl.catalog import Catalog

# Only the light modules are imported here: `validate` of unchanged bundles keys them with
# catalog_key and imports neither the YAML parser nor pydantic (see checkstate.py).

FORMAT = 1
MAGIC = "onething-catalog-cache"
NO_CACHE_ENV = "ONETHING_NO_CACHE"
MAX_CACHE_BYTES = 256 * limits.MiB


class _Unsupported(Exception):
    """A value the cache format does not hold: that catalog is simply not cached."""


def enabled() -> bool:
    """Whether the caches are on: ``ONETHING_NO_CACHE`` unset, empty, ``0``, ``false`` or ``no``
    (any case) leaves them on — ``ONETHING_NO_CACHE=false`` must not mean the opposite."""
    return os.environ.get(NO_CACHE_ENV, "").strip().lower() in ("", "0", "false", "no", "off")


def load(folder: Path) -> Catalog:
    """The catalog of ``folder`` with its own checks (check_catalog): from the cache when its key holds."""
    from onething.compiler.resolve import check_catalog
    from onething.dsl.catalog import load_catalog

    display = display_path(folder)

    def fresh() -> Catalog:
        cat = load_catalog(folder, display)
        cat.diagnostics.extend(check_catalog(cat))
        return cat

    if not enabled():
        return fresh()
    key = _keys_ahead.pop(_slot(folder, display), None) or catalog_key(folder, display)
    if key is None:  # a file that cannot be read whole, or a catalog beyond the limits: no cache
        return fresh()
    path = cache_path(folder, display)
    cached = read_cache(path, key, folder)
    if cached is not None:
        return cached
    cat = fresh()
    if catalog_key(folder, display) == key:  # not changed while it was loaded: the data is the key's
        write_cache(path, key, cat, folder)
    return cat


# keys computed by will_load, used once by the load that follows (one hash of the files, not two)
_keys_ahead: dict[tuple[Path, str, str], str] = {}


def _slot(folder: Path, display: str) -> tuple[Path, str, str]:
    return resolved(folder), display, current_language()


def will_load(folder: Path) -> bool:
    """Whether load() will read the catalog from its files: no cache, or none under the current key.

    Only the cache file's header is read: a damaged payload is found by load(), which then
    loads the files all the same. For parsing the files ahead (dsl/prefetch.py).
    """
    if not enabled():
        return True
    display = display_path(folder)
    key = catalog_key(folder, display)
    if key is None:
        return True
    _keys_ahead[_slot(folder, display)] = key
    try:  # as read_limited reads: a regular file only (a FIFO planted there must not block)
        fd = os.open(cache_path(folder, display), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return True
    try:
        head = os.read(fd, 256) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except OSError:
        head = b""
    finally:
        os.close(fd)
    return head.split(b"\n", 1)[0].split(b" ")[:3] != [MAGIC.encode(), str(FORMAT).encode(), key.encode()]


def forget_keys() -> None:
    """Drop the keys will_load computed and no load used (the run that asked is over)."""
    _keys_ahead.clear()


def catalog_key(folder: Path, display: str) -> str | None:
    """sha256 of what a catalog load depends on; None when a file is unreadable or the catalog too large."""
    paths = catalog_files(folder)
    if len(paths) > limits.MAX_CATALOG_FILES:
        return None
    h = hashlib.sha256(f"{MAGIC} {FORMAT}\0lang {current_language()}\0shown {display}\0".encode())
    h.update(_toolchain_stamp())
    total = 0
    for path in paths:
        raw, _problem = read_limited(path, str(path), limits.MAX_FILE_BYTES)
        if raw is None:
            return None
        total += len(raw)
        if total > limits.catalog_bytes()[0]:
            return None
        name = path.relative_to(folder).as_posix().encode()
        h.update(b"%d:%s%d:" % (len(name), name, len(raw)) + raw)
    return h.hexdigest()


def cache_path(folder: Path, display: str) -> Path:
    """One cache file per catalog folder, way of showing it and language (each keeps its own key)."""
    slot = hashlib.sha256(f"{resolved(folder)}\0{display}\0{current_language()}".encode()).hexdigest()[:24]
    return cache_dir() / f"catalog-{slot}.json"


# --- writing -------------------------------------------------------------------------------


def _loc_out(loc: Location | None) -> list[Any] | None:
    if loc is None:
        return None
    if type(loc) is not Location or type(loc.file) is not str or type(loc.line) is not int or type(loc.col) is not int:
        raise _Unsupported("location")
    return [loc.file, loc.line, loc.col]


def _text_out(s: Any) -> Any:
    if type(s) is str:
        return s
    if type(s) is Translated:  # the run's language and the English the manifest records
        return [str.__str__(s), s.english]
    raise _Unsupported("text")


def _diagnostic_out(d: Diagnostic) -> list[Any]:
    return [d.code, _text_out(d.message), _loc_out(d.location), None if d.hint is None else _text_out(d.hint),
            [_loc_out(r) for r in d.related], None if d.suppressed is None else _text_out(d.suppressed)]


def encode(cat: Catalog, folder: Path) -> bytes:
    """The payload of a catalog's cache file; _Unsupported when it holds what the format cannot.

    Each entry's model is its own JSON text (pydantic's serializer, unset fields left out), so
    a command rebuilds only the entries it uses; nodes are not kept (see _CachedEntry.node).
    """
    from pydantic_core import to_json

    from onething.dsl.catalog import _MODELS

    files: dict[str, int] = {}
    rows: list[list[Any]] = []
    prefix = display_path(folder).rstrip("/")
    for path in catalog_files(folder):
        relative = path.relative_to(folder).as_posix()
        files.setdefault(f"{prefix}/{relative}", len(rows))
        rows.append([f"{prefix}/{relative}", relative])
    tables: dict[str, list[Any]] = {}
    for kind in CATALOG_KEYS:
        out = []
        cls = _MODELS[kind]
        for ident, entry in cat.table(kind).items():
            node = entry.node
            if (type(ident) is not str or type(entry) is not Entry or type(entry.model) is not cls
                    or entry.file not in files or type(node) is not YMap):
                raise _Unsupported("entry")
            node_loc = node.loc
            out.append([ident, files[entry.file], node_loc.line, node_loc.col,
                        # UTF-8 bytes (half a text's memory), written into the payload as a string
                        cls.__pydantic_serializer__.to_json(entry.model, exclude_unset=True)])
        tables[kind] = out
    invalid = sorted([kind, ident] for kind, ident in cat.invalid)
    if not all(type(k) is str and type(i) is str for k, i in invalid):
        raise _Unsupported("invalid")
    payload = {"files": rows, "tables": tables, "diagnostics": [_diagnostic_out(d) for d in cat.diagnostics],
               "invalid": invalid}
    # straight to UTF-8 bytes in Rust: json.dumps would first build the whole text (for a
    # province's catalog ~15 MB of it, on top of the entries' own JSON) and then encode it
    return to_json(payload)


def write_cache(path: Path, key: str, cat: Catalog, folder: Path) -> bool:
    """Save the catalog under ``key``; False when it cannot be cached or written (nothing else fails)."""
    try:
        payload = encode(cat, folder)
    except (_Unsupported, ValueError):
        return False
    return write_verified(path, MAGIC, FORMAT, key, payload)


def write_verified(path: Path, magic: str, fmt: int, key: str, payload: bytes) -> bool:
    """A cache file: one header line (magic, format, key, sha256 of the payload), then the payload.

    Written atomically (safe_write: an exclusive temporary file renamed over the old one), after
    removing what a killed run left; False when the cache folder cannot be written.
    """
    header = f"{magic} {fmt} {key} {hashlib.sha256(payload).hexdigest()}\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clean_leftovers(path.parent, prefix=f".{path.name}.")
        write_atomic(path, header.encode("utf-8") + payload)  # bytes: no second copy of a province's catalog as text
    except (OSError, UnicodeDecodeError):
        return False
    return True


# --- reading -------------------------------------------------------------------------------


class _Bad(Exception):
    """The payload is not what write_cache writes: the cache is treated as absent."""


_DECODE_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, ArithmeticError)


def read_cache(path: Path, key: str, folder: Path) -> Catalog | None:
    """The cached catalog of ``key``, or None when the file is missing, damaged, foreign or odd."""
    payload = read_verified(path, MAGIC, FORMAT, key, MAX_CACHE_BYTES)
    if payload is None:
        return None
    try:
        return _decode(json.loads(payload), folder)
    except (_Bad, *_DECODE_ERRORS):
        return None


def read_verified(path: Path, magic: str, fmt: int, key: str, limit: int) -> bytes | None:
    """The payload of a cache file written by write_verified with this magic, format and key, else None.

    Read bounded (read_limited: regular files only, at most ``limit`` bytes); None as well when
    the payload does not hash to the header's sum (damaged, edited).
    """
    raw, _problem = read_limited(path, str(path), limit)
    if raw is None:
        return None
    end = raw.find(b"\n")
    if end < 0 or raw[:end].split(b" ") != [magic.encode(), str(fmt).encode(), key.encode(),
                                              hashlib.sha256(raw[end + 1:]).hexdigest().encode()]:
        return None  # another format or key, or a payload that is not the one written
    return raw[end + 1:]


def _decode(data: Any, folder: Path) -> Catalog:
    from onething.dsl.catalog import Catalog

    if type(data) is not dict:
        raise _Bad("payload")
    files = _Files(folder, data["files"])
    cat = Catalog()
    tables = data["tables"]
    for kind in CATALOG_KEYS:
        table = cat.table(kind)
        for ident, file, line, col, model_json in tables[kind]:
            if not (type(ident) is str and type(model_json) is str and type(line) is int and type(col) is int):
                raise _Bad("entry")
            table[ident] = _CachedEntry(kind, model_json, files, file, line, col)
    cat.diagnostics = [_diagnostic(d) for d in data["diagnostics"]]
    for kind, ident in data["invalid"]:
        if type(kind) is not str or type(ident) is not str:
            raise _Bad("invalid")
        cat.invalid.add((kind, ident))
    return cat


def _text(v: Any) -> str:
    if type(v) is str:
        return v
    text, english = v
    if type(text) is not str or type(english) is not str:
        raise _Bad("text")
    return Translated(text, english)


def _loc(v: Any) -> Location:
    file, line, col = v
    if type(file) is not str or type(line) is not int or type(col) is not int:
        raise _Bad("location")
    return Location(file, line, col)


def _diagnostic(v: Any) -> Diagnostic:
    code, message, location, hint, related, suppressed = v
    if type(code) is not str or code not in REGISTRY or type(related) is not list:
        raise _Bad("diagnostic")
    return Diagnostic(code, _text(message), None if location is None else _loc(location),
                      None if hint is None else _text(hint), tuple(_loc(r) for r in related),
                      None if suppressed is None else _text(suppressed))


class _Files:
    """The catalog's files as the cache names them, each parsed again only if a node is asked for."""

    def __init__(self, folder: Path, rows: Any) -> None:
        self.folder = folder
        self.shown: list[str] = []
        self.relative: list[str] = []
        for shown, relative in rows:
            if type(shown) is not str or type(relative) is not str or ".." in relative.split("/") or relative[:1] in "/\\":
                raise _Bad("file")  # a file inside the catalog folder, named as catalog_files names it
            self.shown.append(shown)
            self.relative.append(relative)
        self._nodes: dict[int, dict[tuple[str, int, int], Any]] = {}

    def node(self, index: int, kind: str, line: int, col: int) -> Any:
        """The entry's raw node (its keys' and values' locations), from the file parsed again."""
        if index not in self._nodes:
            from onething.dsl.loader import load_file

            found: dict[tuple[str, int, int], Any] = {}
            data = load_file(self.folder / self.relative[index], self.shown[index]).data
            for k in CATALOG_KEYS:
                entries = data.get(k) if isinstance(data, YMap) else None
                for node in entries if isinstance(entries, YList) else ():
                    if isinstance(node, YMap):
                        found[(k, node.loc.line, node.loc.col)] = node
            self._nodes[index] = found
        # a file edited since the cache was checked: the entry's locations fall back to its file
        return self._nodes[index].get((kind, line, col)) or YMap(Location(self.shown[index]))


class _CachedEntry(Entry):
    """An Entry built from the cache: its model is rebuilt (without validation) when first used,
    its node (where each key and value is written, for diagnostics) when first asked for.

    A command on one bundle uses a few dozen of a catalog's hundreds of entries; the others
    stay as the JSON text they were cached as.
    """

    def __init__(self, kind: str, model_json: str, files: _Files, file: int, line: int, col: int) -> None:
        object.__setattr__(self, "file", files.shown[file])
        object.__setattr__(self, "_cached", (kind, model_json, files, file, line, col))

    @property  # type: ignore[override]
    def model(self) -> Any:
        d = self.__dict__
        if "_model" not in d:
            from onething.dsl.catalog import _MODELS

            kind, model_json = d["_cached"][:2]
            try:
                d["_model"] = rebuild(_MODELS[kind], json.loads(model_json))
            except (_Bad, *_DECODE_ERRORS):
                # only a file planted with a matching sum gets here: its entry is validated
                # like any input (a ValidationError then says what is wrong with it)
                d["_model"] = _MODELS[kind].model_validate_json(model_json)
        return d["_model"]

    @property  # type: ignore[override]
    def node(self) -> Any:
        d = self.__dict__
        if "_node" not in d:
            kind, _json, files, file, line, col = d["_cached"]
            d["_node"] = files.node(file, kind, line, col)
        return d["_node"]


# --- rebuilding models without validation ----------------------------------------------------

_Rebuild = Callable[[Any], Any]
_REQUIRED = object()
# per model class: (field, how its JSON value is rebuilt, its default, whether the default is copied)
_plans: dict[type, tuple[tuple[str, _Rebuild | None, Any, bool], ...]] = {}


def _plan(cls: type[BaseModel]) -> tuple[tuple[str, _Rebuild | None, Any, bool], ...]:
    if cls.__pydantic_post_init__ is not None or cls.__private_attributes__ or cls.model_config.get("extra") == "allow":
        raise _Unsupported(f"{cls.__name__}: more than fields")  # what model_construct would do differently
    plan = []
    for name, f in cls.model_fields.items():
        if f.default_factory is not None:
            raise _Unsupported(f"{cls.__name__}.{name}: a default factory")
        default = _REQUIRED if f.is_required() else f.default
        plan.append((name, _rebuilder(f.annotation), default, not isinstance(default, (str, int, float, type(None)))))
    return tuple(plan)


def rebuild(cls: type[BaseModel], data: Any) -> Any:
    """The model of a ``model_dump(mode="json", exclude_unset=True)`` without validating it again.

    What ``cls.model_construct(**data)`` makes (the fields given are the fields set, defaults fill
    the others), with nested models and exact decimals rebuilt by the field annotations; the
    plan per class is made once, and the instance is made directly (model_construct's generic
    loop costs ~3x as much, and a command may rebuild thousands of them).
    """
    if type(data) is not dict:
        raise _Bad(cls.__name__)
    plan = _plans.get(cls)
    if plan is None:
        plan = _plans[cls] = _plan(cls)
    values = {}
    for name, again, default, copied in plan:
        if name in data:
            v = data[name]
            values[name] = v if again is None or v is None else again(v)
        elif default is _REQUIRED:
            raise _Bad(f"{cls.__name__}.{name} missing")
        else:
            values[name] = copy.deepcopy(default) if copied else default
    fields_set = set(data)
    if not fields_set <= values.keys():
        raise _Bad(f"{cls.__name__}: unknown field")
    m = _new(cls)
    _set(m, "__dict__", values)
    _set(m, "__pydantic_fields_set__", fields_set)
    _set(m, "__pydantic_extra__", None)
    _set(m, "__pydantic_private__", None)
    return m


_new = object.__new__
_set = object.__setattr__


def _rebuilder(annotation: Any) -> _Rebuild | None:
    """How a JSON value of this annotation becomes the model's value again (None: as it is)."""
    from pydantic import BaseModel

    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _rebuilder(args[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return lambda v: rebuild(annotation, v)
    if annotation is Decimal:
        return _decimal
    if origin is Union or origin is UnionType:
        inner = [a for a in args if a is not type(None)]
        again = [_rebuilder(a) for a in inner]
        if all(a is None for a in again):
            return None
        if len(inner) != 1:
            raise _Unsupported(f"a union of models or decimals: {annotation}")
        return again[0]
    if origin is list:
        item = _rebuilder(args[0])
        return None if item is None else (lambda v: [item(x) for x in v])
    if origin is dict:
        value = _rebuilder(args[1])
        return None if value is None else (lambda v: {k: value(x) for k, x in v.items()})
    if origin is Literal or annotation in (str, int, float, bool, Any):
        return None
    raise _Unsupported(f"a field of type {annotation}")


def _decimal(v: Any) -> Decimal:
    if type(v) is not str:  # pydantic writes decimals as strings in JSON
        raise _Bad("decimal")
    return Decimal(v)
