"""A run's bundles compiled in two processes (compiler/halves.py, issue #14): the same run as in one."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from onething.cli.main import main
from onething.compiler import halves
from onething.compiler.buildstate import state_path
from onething.dsl import prefetch

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not prefetch.can_fork(), reason="no fork here, or other threads running")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """bundles/, plus a second file with birth's id (E205) and a broken bundle, both in the second half."""
    shutil.copytree(ROOT / "bundles", tmp_path / "bundles")
    shutil.copy(tmp_path / "bundles" / "birth.yaml", tmp_path / "bundles" / "zz_birth_again.yaml")
    broken = (tmp_path / "bundles" / "retirement.yaml").read_text(encoding="utf-8")
    (tmp_path / "bundles" / "retirement.yaml").write_text(broken.replace("\nitems:", "\nunknown_key: 1\nitems:", 1),
                                                          encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(prefetch, "_core_to_spare", lambda: True)  # however busy the machine is
    monkeypatch.delenv(prefetch.OFF_ENV, raising=False)
    splits: list[int] = []  # where each run split, then how many outcomes the child handed over
    real = halves.in_two

    def in_two(sources, at, *rest):
        splits.append(at)
        handed = 0
        for item in real(sources, at, *rest):
            handed += item[2] is not None
            yield item
        splits.append(handed)

    monkeypatch.setattr(halves, "in_two", in_two)
    return splits


@pytest.fixture
def patient(monkeypatch):
    """This process waits for each of the child's outcomes (which it would otherwise compile itself)."""
    real = halves._Half.outcome

    def outcome(self, i):
        while (got := real(self, i)) is None and self.fd >= 0:
            time.sleep(0.002)
        return got

    monkeypatch.setattr(halves._Half, "outcome", outcome)


def _run(monkeypatch, out: str, *args: str, **env: str) -> tuple[int, str, str, dict[str, bytes], bytes]:
    monkeypatch.setenv("ONETHING_CACHE_DIR", f"cache-{out}")
    result = CliRunner().invoke(main, [*args, "compile", "bundles", "-o", out, "--force"], env=env)
    files = {p.name: p.read_bytes() for p in sorted(Path(out).glob("*.json"))}
    return (result.exit_code, result.stdout.replace(out, "OUT"), result.stderr.replace(out, "OUT"), files,
            state_path(Path(out)).read_bytes().replace(out.encode(), b"OUT"))


@pytest.mark.parametrize("args", [(), ("--lang", "zh")])
def test_two_processes_give_the_output_of_one(project, monkeypatch, patient, args):
    one = _run(monkeypatch, "out_single", *args, **{prefetch.OFF_ENV: "1"})
    two = _run(monkeypatch, "out_split", *args)
    assert project == [11, 10]  # 21 bundles: the child compiled the last ten
    assert two == one
    code, _out, err, files, _state = two
    assert code == 1 and "E205" in err and "unknown_key" in err and len(files) == 18  # birth twice: neither is written


def test_the_json_summary_is_the_same_too(project, monkeypatch):
    runs = []
    for out, env in (("out_single", {prefetch.OFF_ENV: "1"}), ("out_split", {})):
        monkeypatch.setenv("ONETHING_CACHE_DIR", f"cache-{out}")
        result = CliRunner().invoke(main, ["compile", "bundles", "-o", out, "--force", "--format", "json"], env=env)
        runs.append((result.exit_code, result.stdout.replace(out, "OUT")))
    assert runs[0] == runs[1] and runs[0][0] == 1
    assert project[0] == 11


def test_what_the_child_has_not_handed_over_is_compiled_here(project, monkeypatch):
    one = _run(monkeypatch, "out_single", **{prefetch.OFF_ENV: "1"})
    monkeypatch.setattr(halves._Half, "outcome", lambda self, i: None)  # a child that never gets to run
    assert _run(monkeypatch, "out_split") == one
    assert project == [11, 0]


def test_a_child_that_fails_leaves_its_half_to_the_parent(project, monkeypatch, patient):
    one = _run(monkeypatch, "out_single", **{prefetch.OFF_ENV: "1"})

    def fail(result):
        raise RuntimeError("the child stops here")

    monkeypatch.setattr(halves, "encode", fail)
    assert _run(monkeypatch, "out_split") == one
    assert project == [11, 0]


def test_few_bundles_or_no_output_folder_stay_in_one_process(project, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(main, ["compile", "bundles/birth.yaml", "bundles/school_entry.yaml", "-o", "out"]).exit_code == 0
    assert runner.invoke(main, ["compile", "bundles/birth.yaml", "bundles/school_entry.yaml"]).exit_code == 0
    assert runner.invoke(main, ["compile", "bundles", "--format", "json"]).exit_code == 1  # manifests on stdout
    assert project == []
