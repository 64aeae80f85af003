"""compile -o under hostile conditions: planted links, killed runs, damaged caches, clashing ids.

Whatever happens, nothing is written outside the output folder and the cache, no manifest is
lost to another, and what a killed run leaves behind the next run removes.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from compile_support import FIXTURES, cli

from onething.compiler.buildstate import state_path
from onething.compiler.safe_write import TEMP_SUFFIX

SRC = Path(__file__).resolve().parent.parent / "src"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """Copies of the `core` and `producers` fixtures; the working directory is their parent."""
    for case in ("core", "producers"):
        shutil.copytree(FIXTURES / case, tmp_path / case)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _leftovers(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.endswith(TEMP_SUFFIX))


def test_a_symlink_planted_at_a_manifest_is_replaced_not_followed(project):
    victim = project / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    (project / "out").mkdir()
    (project / "out" / "core.json").symlink_to(victim)
    result = cli("compile", "core/core.yaml", "-o", "out")
    assert result.exit_code == 0, result.stderr
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert not (project / "out" / "core.json").is_symlink()
    assert json.loads((project / "out" / "core.json").read_text(encoding="utf-8"))["bundle"]["id"] == "core"
    assert _leftovers(project / "out") == []


def test_manifests_are_as_readable_as_other_files(project):
    old = os.umask(0o022)
    try:
        assert cli("compile", "core/core.yaml", "-o", "out").exit_code == 0
    finally:
        os.umask(old)
    assert (project / "out" / "core.json").stat().st_mode & 0o777 == 0o644


def test_one_unwritable_manifest_does_not_stop_the_others(project):
    (project / "out" / "core.json").mkdir(parents=True)
    result = cli("compile", "core/core.yaml", "producers/producers.yaml", "-o", "out")
    assert result.exit_code == 1
    assert "out/core.json: error E021: cannot write the manifest of 'core': Is a directory" in result.stderr
    assert (project / "out" / "producers.json").is_file()
    assert result.stderr.splitlines()[-1] == "wrote 1 manifest(s) in out; 1 not written"


def test_an_empty_output_path_is_a_usage_error(project):
    result = cli("compile", "core/core.yaml", "-o", "")
    assert result.exit_code == 2
    assert "empty path" in result.stderr
    assert not list(project.glob("*.json"))


def test_a_symlink_loop_as_output_is_a_usage_error(project):
    (project / "loop").symlink_to(project / "loop")
    result = cli("compile", "core/core.yaml", "-o", "loop")
    assert result.exit_code == 2
    assert "symlink loop" in result.stderr


def test_two_bundles_with_one_id_are_an_error_naming_both_files(project):
    twin = project / "core" / "twin.yaml"
    twin.write_text("# the same id as core.yaml\n" + (project / "core" / "core.yaml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    line = next(n for n, text in enumerate(twin.read_text(encoding="utf-8").splitlines(), 1)
                if text.startswith("bundle:"))
    result = cli("compile", "core", "-o", "out")
    assert result.exit_code == 1
    assert f"core/twin.yaml:{line}:1: error E205: bundle id 'core' is also the id of core/core.yaml" in result.stderr
    assert not (project / "out" / "core.json").exists()  # neither wins
    validated = cli("validate", "core")
    assert validated.exit_code == 1
    assert f"core/twin.yaml:{line}:1: error E205" in validated.stdout


def test_a_bundle_whose_keys_start_with_items_is_still_a_bundle(project):
    bundle = project / "core" / "core.yaml"
    text = bundle.read_text(encoding="utf-8")
    head, items = text.split("\nitems:", 1)
    bundle.write_text("items:" + items.rstrip("\n") + "\n" + head + "\n", encoding="utf-8")
    result = cli("compile", "core", "-o", "out")
    assert result.exit_code == 0, result.stderr
    assert (project / "out" / "core.json").is_file()
    catalog = len(list((project / "core" / "catalog").glob("*.yaml")))
    assert f"found 1 bundle file(s), {catalog} catalog file(s), 0 scenario file(s)" in cli("validate", "core").stderr


_KILLED_RUN = textwrap.dedent("""
    import os, sys, time
    from onething.compiler import safe_write
    real_replace = os.replace
    def stall(src, dst):
        if os.path.basename(os.path.dirname(os.path.abspath(dst))) != "out":
            return real_replace(src, dst)  # the cache folder's files (the catalog cache): as usual
        open(sys.argv[1], "w").close()  # the temporary file is written: tell the test, then hang
        time.sleep(600)
    safe_write.os.replace = stall
    from onething.cli.main import main
    main(["compile", "core/core.yaml", "-o", "out"], prog_name="onething")
""")


def test_sigkill_during_compile_leaves_nothing_a_rerun_does_not_clean(project):
    marker = project / "writing"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_RUN, str(marker)], env=env, cwd=project)
    try:
        for _ in range(600):
            if marker.exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert marker.exists(), "the run never reached the write"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(_leftovers(project / "out")) == 1  # the killed run's temporary manifest
    rerun = cli("compile", "core/core.yaml", "-o", "out")
    assert rerun.exit_code == 0, rerun.stderr
    assert _leftovers(project / "out") == []
    assert sorted(os.listdir(project / "out")) == ["core.json"]


def test_a_live_run_holding_the_folder_is_waited_for_and_its_files_kept(project):
    out = project / "out"
    out.mkdir()
    live_temp = out / f".core.json.abcdefgh{TEMP_SUFFIX}"
    live_temp.write_text("a live run's half-written manifest", encoding="utf-8")
    fd = os.open(out, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # a live run owns the folder
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen([sys.executable, "-m", "onething", "compile", "core/core.yaml", "-o", "out"],
                            env=env, cwd=project, stderr=subprocess.PIPE, text=True)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=3)  # it waits for the lock ...
        assert live_temp.exists()  # ... and has not touched the live run's file
    finally:
        os.close(fd)  # the live run ends
    assert proc.wait(timeout=120) == 0
    assert not live_temp.exists()  # now a leftover: removed
    assert (out / "core.json").is_file()


@pytest.mark.parametrize("content", [
    b"[" * 100_000 + b"]" * 100_000,  # nesting beyond the JSON parser's recursion
    b'{"format": 1, "bundles": {"core/core.yaml": "\xff\xfe"}}',  # not UTF-8
    b'{"format": 1, "bundles": {"core/core.yaml": {"bundle": "\\ud800"}}}',  # a lone surrogate
    b'{"format": 1, "bundles": 7}',
])
def test_a_damaged_build_state_is_treated_as_absent(project, content):
    assert cli("compile", "core/core.yaml", "-o", "out").exit_code == 0
    state_path(project / "out").write_bytes(content)
    for _ in range(2):  # the damaged state is replaced, and the run after works too
        result = cli("compile", "core/core.yaml", "-o", "out", "--format", "json")
        assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["bundles"] == [{"bundle": "core", "compiled": False, "status": "ok"}]


def test_a_tampered_build_state_is_checked_before_it_is_trusted(project):
    assert cli("compile", "core/core.yaml", "-o", "out").exit_code == 0
    path = state_path(project / "out")
    state = json.loads(path.read_text(encoding="utf-8"))
    entry = state["bundles"]["core/core.yaml"]
    # a recorded error replays as an error: the exit status is recomputed, not remembered
    entry["diagnostics"].append({"code": "E201", "message": "planted", "location": ["core/core.yaml", 1, 1],
                                 "hint": None, "related": [], "suppressed": None})
    path.write_text(json.dumps(state), encoding="utf-8")
    replayed = cli("compile", "core/core.yaml", "-o", "out")
    assert replayed.exit_code == 1
    assert "core/core.yaml:1:1: error E201: planted" in replayed.stderr
    # an entry that points outside the output folder is not trusted: the bundle is compiled again
    entry["diagnostics"].pop()
    entry["bundle"] = "../../etc/passwd"
    path.write_text(json.dumps(state), encoding="utf-8")
    again = cli("compile", "core/core.yaml", "-o", "out", "--format", "json")
    assert again.exit_code == 0
    assert json.loads(again.stdout)["bundles"] == [{"bundle": "core", "compiled": True, "status": "ok"}]
