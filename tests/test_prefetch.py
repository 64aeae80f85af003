"""Files parsed ahead by a second process (dsl/prefetch.py, issue #14): the same data, or none."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from onething.cli.main import main
from onething.compiler import ahead, halves
from onething.dsl import loader, prefetch
from onething.dsl.discovery import find_bundles

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not prefetch.can_fork(), reason="no fork here, or other threads running")


@pytest.fixture
def taken(monkeypatch):
    """Counts the loads served by the child: [handed over, parsed here]."""
    counts = [0, 0]
    real = prefetch.take

    def take(path, shown, raw):
        data = real(path, shown, raw)
        counts[data is None] += 1
        return data

    monkeypatch.setattr(prefetch, "take", take)
    monkeypatch.setattr(prefetch, "_core_to_spare", lambda: True)  # however busy the machine is
    monkeypatch.setattr(halves, "MIN_BUNDLES", 10**6)  # every bundle compiled here (tests/test_halves.py)
    monkeypatch.setattr(prefetch._Child, "ready", lambda self: True)  # wait for the child, to count its work
    monkeypatch.delenv(prefetch.OFF_ENV, raising=False)
    yield counts
    prefetch.finish()


def _compile(out: Path, *extra: str, **env: str) -> tuple[int, str, dict[str, bytes]]:
    result = CliRunner().invoke(main, ["compile", "bundles", "-o", str(out), "--force", *extra], env=env)
    return result.exit_code, result.output, {p.name: p.read_bytes() for p in sorted(out.glob("*.json"))}


def test_a_cold_compile_uses_the_childs_data_and_writes_the_same_bytes(tmp_path, monkeypatch, taken):
    shutil.copytree(ROOT / "bundles", tmp_path / "bundles")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ONETHING_CACHE_DIR", str(tmp_path / "cache-a"))
    code, text, manifests = _compile(tmp_path / "a")
    files = len(list((tmp_path / "bundles").glob("*.yaml"))) + len(list((tmp_path / "bundles" / "catalog").rglob("*.yaml")))
    assert code == 0 and taken == [files, 0]  # every catalog file and bundle, none parsed twice
    assert prefetch._child is None  # reaped when the run ended
    monkeypatch.setenv("ONETHING_CACHE_DIR", str(tmp_path / "cache-b"))
    off = _compile(tmp_path / "b", **{prefetch.OFF_ENV: "1"})
    assert off == (code, text.replace(str(tmp_path / "a"), str(tmp_path / "b")), manifests)
    assert taken == [files, files]  # turned off: no child, every file parsed here
    # with the catalog cache warm only the bundles are parsed ahead (here, however small they are)
    monkeypatch.setattr(prefetch, "MIN_BYTES", 0)
    assert _compile(tmp_path / "c")[2] == manifests
    assert taken[0] == files + len(manifests)


def test_a_file_changed_after_the_child_read_it_is_parsed_again(tmp_path, taken):
    path = tmp_path / "a.yaml"
    path.write_text("bundle: a\n" + "# padding\n" * 20_000, encoding="utf-8")
    assert prefetch.start([(path, "a.yaml")])
    assert prefetch._child.receive()  # the child has read and parsed it
    path.write_text("bundle: b\n" + "# padding\n" * 20_000, encoding="utf-8")
    assert loader.load_file(path, "a.yaml").data == {"bundle": "b"}
    assert taken == [0, 1]


def test_only_clean_loads_are_handed_over(tmp_path, taken):
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: 1\na: 2\n" + "# padding\n" * 20_000, encoding="utf-8")  # E007, a duplicate key
    good = tmp_path / "good.yaml"
    good.write_text("items: [x, y]\n" + "# padding\n" * 20_000, encoding="utf-8")
    expected = loader.load_file(bad, "bad.yaml")
    assert prefetch.start([(bad, "bad.yaml"), (good, "good.yaml")])
    again = loader.load_file(bad, "bad.yaml")
    assert [d.code for d in again.diagnostics] == ["E007"] and again.diagnostics == expected.diagnostics
    loaded = loader.load_file(good, "good.yaml")
    assert loaded.data == {"items": ["x", "y"]} and loaded.data["items"].item_loc(1).col == 12
    assert taken == [1, 2]  # the first load of bad.yaml, before the child, counts too


def test_small_inputs_and_a_child_that_hands_over_nothing_change_nothing(tmp_path, taken):
    small = tmp_path / "small.yaml"
    small.write_text("bundle: a\n", encoding="utf-8")
    assert not prefetch.start([(small, "small.yaml")])  # the fork would cost more than the parse
    r, w = os.pipe()
    os.write(w, b"\x80\x05not a pickle")
    os.close(w)
    prefetch._child = prefetch._Child(0, r)  # what a child cut short leaves in the pipe
    assert loader.load_file(small, "small.yaml").data == {"bundle": "a"}
    assert taken == [0, 1]


def test_parse_ahead_leaves_out_a_catalog_already_in_the_cache(tmp_path, monkeypatch, taken):
    shutil.copytree(ROOT / "bundles", tmp_path / "bundles")
    monkeypatch.chdir(tmp_path)
    sources, _ = find_bundles([Path("bundles")], None)
    started: list[list[str]] = []
    monkeypatch.setattr(prefetch, "start", lambda files: started.append([shown for _p, shown in files]) or False)
    ahead.parse_ahead(sources)
    assert CliRunner().invoke(main, ["compile", "bundles/birth.yaml", "-o", "out"]).exit_code == 0  # cache written
    ahead.parse_ahead(sources)
    ahead.done()
    catalog = [s for s in started[0] if s.startswith("bundles/catalog/")]
    assert catalog and started[0] == catalog + [s.display for s in sources]
    assert started[-1] == [s.display for s in sources]


def test_no_child_without_a_core_to_spare(tmp_path, monkeypatch, taken):
    shutil.copytree(ROOT / "bundles", tmp_path / "bundles")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(prefetch, "_core_to_spare", lambda: False)
    sources, _ = find_bundles([Path("bundles")], None)
    assert not ahead.parse_ahead(sources) and prefetch._child is None


def test_a_child_not_done_yet_is_not_waited_for(tmp_path, monkeypatch, taken):
    path = tmp_path / "a.yaml"
    path.write_text("bundle: a\n" + "# padding\n" * 20_000, encoding="utf-8")
    monkeypatch.setattr(prefetch._Child, "ready", lambda self: False)  # a busy machine: the child is late
    assert prefetch.start([(path, "a.yaml")])
    assert loader.load_file(path, "a.yaml").data == {"bundle": "a"}
    assert taken == [0, 1]
    prefetch.finish()  # the child, still at work or not, is stopped and reaped
    assert prefetch._child is None


def test_will_load_reads_only_a_regular_cache_files_header(tmp_path, monkeypatch):
    from onething.compiler import catalog_cache

    monkeypatch.setenv("ONETHING_CACHE_DIR", str(tmp_path / "cache"))
    folder = ROOT / "bundles" / "catalog"
    assert catalog_cache.will_load(folder)  # no cache yet
    catalog_cache.load(folder)
    assert not catalog_cache.will_load(folder)
    catalog_cache.forget_keys()
    path = catalog_cache.cache_path(folder, catalog_cache.display_path(folder))
    path.write_bytes(path.read_bytes().replace(b" 1 ", b" 9 ", 1))  # another format
    assert catalog_cache.will_load(folder)
    path.unlink()
    os.mkfifo(path)  # would block a plain open()
    assert catalog_cache.will_load(folder)
    catalog_cache.forget_keys()


def test_a_process_forked_later_keeps_the_data_but_not_the_child(tmp_path, taken):
    path = tmp_path / "a.yaml"
    path.write_text("bundle: a\n" + "# padding\n" * 20_000, encoding="utf-8")
    assert prefetch.start([(path, "a.yaml")])
    child = prefetch._child
    child.receive()
    prefetch.after_fork()  # handed over already: the data stays
    assert prefetch._child is child and loader.load_file(path, "a.yaml").data == {"bundle": "a"}
    assert taken == [1, 0]
    assert prefetch.start([(path, "a.yaml")])
    child = prefetch._child
    prefetch.after_fork()  # nothing handed over yet: the pipe and the child are the parent's
    assert prefetch._child is None and child.pid > 0
    prefetch.stop(child.pid)  # (this test is both processes: the parent's part, by hand)
    os.waitpid(child.pid, 0)
