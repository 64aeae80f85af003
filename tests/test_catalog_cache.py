"""The catalog cache (issue #14): a hit is the fresh catalog, anything odd reads as absent, the output never differs."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import BaseModel

from onething.cli.main import main
from onething.compiler import buildstate, catalog_cache
from onething.compiler.resolve import check_catalog
from onething.dsl.catalog import load_catalog
from onething.dsl.discovery import CATALOG_KEYS, display_path
from onething.dsl.i18n import set_language

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
CATALOGS = sorted({p.parent for p in FIXTURES.rglob("catalog/*.yaml")} | {ROOT / "bundles" / "catalog"})
BAD_WITH_CATALOG = sorted(p.parent for p in (FIXTURES / "bad").glob("*/catalog"))


def fresh(folder: Path):
    cat = load_catalog(folder, display_path(folder))
    cat.diagnostics.extend(check_catalog(cat))
    return cat


def same(a, b, path=()):
    """Equal to the last value, type and set field, recursively (== alone ignores fields_set and str subclasses)."""
    assert type(a) is type(b), (path, type(a), type(b))
    if isinstance(a, BaseModel):
        assert a.model_fields_set == b.model_fields_set, path
        for name in type(a).model_fields:
            same(getattr(a, name), getattr(b, name), (*path, name))
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, (*path, i))
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            same(a[k], b[k], (*path, k))
    else:
        assert a == b, path


def assert_same_catalog(want, got):
    for kind in CATALOG_KEYS:
        assert list(want.table(kind)) == list(got.table(kind)), kind  # same order: suggestions, iteration
        for ident, entry in want.table(kind).items():
            other = got.table(kind)[ident]
            same(entry.model, other.model, (kind, ident))
            assert entry.file == other.file
            assert entry.node == other.node
            assert entry.node.loc == other.node.loc and entry.node.key_locs == other.node.key_locs
            assert entry.node.value_locs == other.node.value_locs
    assert want.diagnostics == got.diagnostics
    assert [(d.message, d.hint, d.suppressed) for d in want.diagnostics] == [
        (d.message, d.hint, d.suppressed) for d in got.diagnostics]
    assert want.invalid == got.invalid


def cache_file(folder: Path) -> Path:
    return catalog_cache.cache_path(folder, display_path(folder))


@pytest.mark.parametrize("folder", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_hit_is_the_fresh_catalog(folder: Path):
    first = catalog_cache.load(folder)  # a miss: loaded from the files, cache written
    if catalog_cache.catalog_key(folder, display_path(folder)) is None:
        pytest.skip("a catalog beyond the limits is never cached")
    assert cache_file(folder).is_file()
    second = catalog_cache.load(folder)
    tables = [e for kind in CATALOG_KEYS for e in second.table(kind).values()]
    assert all(type(e).__name__ == "_CachedEntry" for e in tables)  # it did come from the cache
    assert_same_catalog(fresh(folder), first)
    assert_same_catalog(fresh(folder), second)


def test_shipped_catalog_is_cached_and_replayed(tmp_path: Path):
    folder = tmp_path / "catalog"
    shutil.copytree(ROOT / "bundles" / "catalog", folder)
    catalog_cache.load(folder)
    raw = cache_file(folder).read_bytes()
    header, _, payload = raw.partition(b"\n")
    magic, fmt, key, digest = header.decode().split(" ")
    assert (magic, fmt) == ("onething-catalog-cache", str(catalog_cache.FORMAT))
    assert key == catalog_cache.catalog_key(folder, display_path(folder))
    assert digest == hashlib.sha256(payload).hexdigest()
    assert len(json.loads(payload)["tables"]["items"]) == len(fresh(folder).items)


def test_a_changed_catalog_file_is_a_miss(tmp_path: Path):
    folder = tmp_path / "catalog"
    shutil.copytree(ROOT / "bundles" / "catalog", folder)
    catalog_cache.load(folder)
    departments = folder / "departments.yaml"
    text = departments.read_text(encoding="utf-8")
    old = catalog_cache.catalog_key(folder, display_path(folder))
    departments.write_text(text.replace("  - id: civil_affairs", "  - id: civil_affairs_bureau", 1), encoding="utf-8")
    assert "civil_affairs_bureau" in departments.read_text(encoding="utf-8")
    assert catalog_cache.catalog_key(folder, display_path(folder)) != old
    cat = catalog_cache.load(folder)
    assert "civil_affairs_bureau" in cat.departments and "civil_affairs" not in cat.departments
    # and the new cache holds the new catalog
    assert "civil_affairs_bureau" in catalog_cache.load(folder).departments
    # a new file is a new key too
    (folder / "extra.yaml").write_text("departments:\n  - id: extra_office\n    name: {zh: 新办公室}\n", encoding="utf-8")
    assert "extra_office" in catalog_cache.load(folder).departments


def test_language_and_toolchain_are_part_of_the_key(tmp_path: Path, monkeypatch):
    folder = ROOT / "bundles" / "catalog"
    key = catalog_cache.catalog_key(folder, "bundles/catalog")
    assert catalog_cache.catalog_key(folder, "../bundles/catalog") != key  # locations say the folder as shown
    set_language("zh")
    assert catalog_cache.catalog_key(folder, "bundles/catalog") != key
    set_language("en")
    monkeypatch.setattr(buildstate, "_toolchain", b"another onething or library version")
    assert catalog_cache.catalog_key(folder, "bundles/catalog") != key


def _warm(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "catalog"
    shutil.copytree(ROOT / "bundles" / "catalog", folder)
    catalog_cache.load(folder)
    return folder, cache_file(folder)


def _from_cache(folder: Path) -> bool:
    key = catalog_cache.catalog_key(folder, display_path(folder))
    return catalog_cache.read_cache(cache_file(folder), key, folder) is not None


@pytest.mark.parametrize("damage", [
    lambda raw: raw[: len(raw) // 2],                                   # truncated
    lambda raw: raw[:-10] + bytes([raw[-10] ^ 1]) + raw[-9:],           # one bit flipped
    lambda raw: raw.replace("出生".encode(), "死亡".encode(), 1),          # edited, sum not updated
    lambda raw: b"",                                                    # empty
    lambda raw: b"\xff\xfe" + raw,                                      # not UTF-8 / not the header
    lambda raw: raw.split(b"\n", 1)[1],                                 # no header
])
def test_a_damaged_or_tampered_cache_is_absent(tmp_path: Path, damage):
    folder, path = _warm(tmp_path)
    assert _from_cache(folder)
    path.write_bytes(damage(path.read_bytes()))
    assert not _from_cache(folder)
    assert_same_catalog(fresh(folder), catalog_cache.load(folder))  # loaded from the files instead …
    assert _from_cache(folder)  # … and cached again


def _replace_payload(path: Path, payload: bytes, fmt: int | None = None, key: str | None = None) -> None:
    magic, old_fmt, old_key, _digest = path.read_bytes().split(b"\n", 1)[0].decode().split(" ")
    header = f"{magic} {old_fmt if fmt is None else fmt} {old_key if key is None else key} {hashlib.sha256(payload).hexdigest()}\n"
    path.write_bytes(header.encode() + payload)


def test_a_foreign_cache_is_absent(tmp_path: Path, monkeypatch):
    folder, path = _warm(tmp_path)
    payload = path.read_bytes().split(b"\n", 1)[1]
    _replace_payload(path, payload, fmt=catalog_cache.FORMAT + 1)  # another format
    assert not _from_cache(folder)
    _replace_payload(path, payload, fmt=catalog_cache.FORMAT, key="0" * 64)  # another catalog or toolchain
    assert not _from_cache(folder)
    catalog_cache.load(folder)
    assert _from_cache(folder)
    monkeypatch.setattr(buildstate, "_toolchain", b"onething 9.9 with pydantic 3")  # an upgrade
    assert not _from_cache(folder)


@pytest.mark.parametrize("payload", [
    b"[" * 100_000 + b"]" * 100_000,                                    # nested beyond any recursion limit
    b'{"files": [], "tables": {"departments": [' + b"[" * 5000 + b"]" * 5000 + b"]}}",
    b'{"files": [["x", "../../etc/passwd"]], "tables": {}, "diagnostics": [], "invalid": []}',
    b'{"files": [], "tables": {"departments": [["a", 0, 1, 1, "{}"]]}, "diagnostics": [], "invalid": []}',
    b'{"files": [], "tables": {}, "diagnostics": [["E999", "x", null, null, [], null]], "invalid": []}',
    b"null",
    b"\x00" * 1000,
])
def test_a_planted_cache_with_a_valid_sum_never_crashes(tmp_path: Path, payload: bytes):
    folder, path = _warm(tmp_path)
    _replace_payload(path, payload)
    assert not _from_cache(folder)
    assert_same_catalog(fresh(folder), catalog_cache.load(folder))


def test_a_cache_larger_than_the_limit_is_absent(tmp_path: Path, monkeypatch):
    folder, path = _warm(tmp_path)
    monkeypatch.setattr(catalog_cache, "MAX_CACHE_BYTES", path.stat().st_size - 1)
    assert not _from_cache(folder)


def test_an_entry_whose_model_is_odd_is_caught_when_rebuilt():
    from onething.dsl.models.catalog import Department, ItemDef

    with pytest.raises(catalog_cache._Bad):
        catalog_cache.rebuild(Department, {"id": "x", "name": {"zh": "x"}, "no_such_field": 1})
    with pytest.raises(catalog_cache._Bad):
        catalog_cache.rebuild(Department, {"name": {"zh": "x"}})  # a required field missing
    item = ItemDef.model_validate({"id": "a", "name": {"zh": "甲"}, "department": "d",
                                  "fee": {"amount": "1.50"}, "materials": ["m", {"ref": "n", "copies": 2}]})
    again = catalog_cache.rebuild(ItemDef, json.loads(item.model_dump_json(exclude_unset=True)))
    same(item, again)
    assert again == ItemDef.model_construct(**{k: getattr(item, k) for k in item.model_fields_set})


def test_no_cache_and_unwritable_cache(tmp_path: Path, monkeypatch):
    folder = tmp_path / "catalog"
    shutil.copytree(ROOT / "bundles" / "catalog", folder)
    monkeypatch.setenv("ONETHING_NO_CACHE", "1")
    assert_same_catalog(fresh(folder), catalog_cache.load(folder))
    assert not cache_file(folder).exists()
    monkeypatch.delenv("ONETHING_NO_CACHE")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("ONETHING_CACHE_DIR", str(blocker / "cache"))
    assert_same_catalog(fresh(folder), catalog_cache.load(folder))  # nothing else fails


def _run(args: list[str], **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, args, env=env)
    return result.exit_code, result.output


@pytest.mark.parametrize("fixture", BAD_WITH_CATALOG, ids=lambda p: p.name)
def test_diagnostics_are_the_same_with_and_without_the_cache(fixture: Path, tmp_path: Path, monkeypatch):
    project = tmp_path / fixture.name
    shutil.copytree(fixture, project)
    monkeypatch.chdir(tmp_path)
    for lang in ("en", "zh"):
        for fmt in ("text", "json"):
            args = ["--lang", lang, "validate", "--format", fmt, fixture.name]
            without = _run(args, ONETHING_NO_CACHE="1")
            cold = _run(args)
            warm = _run(args)
            assert cold == without and warm == without, (lang, fmt)
    assert list(Path(tmp_path).glob("*")), "ran"
    set_language("en")


def test_compile_output_is_the_same_with_and_without_the_cache(tmp_path: Path, monkeypatch):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "bundles", project / "bundles")
    monkeypatch.chdir(project)
    outputs = []
    for env in ({"ONETHING_NO_CACHE": "1"}, {}, {}):
        out = project / f"out{len(outputs)}"
        code, text = _run(["compile", "--force", "-v", "bundles", "-o", str(out)], **env)
        assert code == 0, text
        outputs.append((text.replace(str(out), "OUT"),
                        {p.name: p.read_bytes() for p in sorted(out.glob("*.json"))}))
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(outputs[0][1]) == len(list((project / "bundles").glob("*.yaml")))


def test_an_entry_planted_with_a_matching_sum_is_validated_not_trusted(tmp_path: Path):
    folder, path = _warm(tmp_path)
    payload = json.loads(path.read_bytes().split(b"\n", 1)[1])
    row = payload["tables"]["departments"][0]
    row[4] = json.dumps({"id": row[0], "name": {"zh": "改"}, "no_such_key": 1})  # not what a dump writes
    _replace_payload(path, json.dumps(payload, ensure_ascii=False).encode())
    cat = catalog_cache.load(folder)
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        cat.departments[row[0]].model  # noqa: B018 - the lazy rebuild is what is tested


@pytest.mark.parametrize(("value", "on"), [("", True), ("0", True), ("false", True), ("No", True), ("off", True),
                                           ("1", False), ("yes", False), ("true", False)])
def test_no_cache_false_leaves_the_caches_on(monkeypatch, value, on):
    from onething.compiler import catalog_cache

    monkeypatch.setenv("ONETHING_NO_CACHE", value)
    assert catalog_cache.enabled() is on
