"""The largest input within onething's limits (src/onething/dsl/limits.py), validated.

The limits are chosen so that the worst input they let through still validates in under 2 s
and 400 MB. This writes each worst case and runs `python -m onething validate` on it in a
fresh process, measuring wall time and peak memory (the child's max RSS), against a floor
measured in the same run, in turn with the cases: `validate` of a one-item bundle (start-up,
imports, a tiny catalog). It asserts nothing; it prints a table.

Cases:
- catalog: a catalog folder just under MAX_CATALOG_BYTES in total (synth.py's realistic items,
  files of 50 items), validated through one bundle over it;
- one bundle of MAX_BUNDLE_ITEMS items asking MAX_FORM_FIELDS fields between them
  (synth.write_long_bundle: a chain of producers, a suppression on every material use) over
  the catalog it needs, within the catalog limits;
- alias errors: a bundle whose aliases repeat just under MAX_ALIAS_NODES values, each an
  unknown key (the most diagnostics per byte: the per-file cap shows 200 of them);
- deep conditions and groups: checked in tests, far below these costs.

    python benchmarks/limits.py            # 3 runs per case, medians
    python benchmarks/limits.py --runs 5
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import write_long_bundle, write_tree

from onething.dsl import limits


def run_validate(target: Path, cwd: Path) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds (user + system: what a busy machine inflates least), peak RSS in
    MiB and exit status of `onething validate target` in a fresh process."""
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(cwd)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(sys.executable, [sys.executable, "-m", "onething", "validate", str(target)])
    _, status, usage = os.wait4(pid, 0)
    took = time.perf_counter() - t0
    return took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def catalog_case(root: Path) -> Path:
    """The largest synthetic tree whose catalog stays under MAX_CATALOG_BYTES."""
    lo, hi = 100, 8000
    while hi - lo > 25:
        mid = (lo + hi) // 2
        shutil.rmtree(root, ignore_errors=True)
        write_tree(root, mid)
        size = sum(p.stat().st_size for p in (root / "catalog").iterdir())
        lo, hi = (mid, hi) if size <= limits.MAX_CATALOG_BYTES else (lo, mid)
    shutil.rmtree(root, ignore_errors=True)
    write_tree(root, lo)
    return root / "b_0000.yaml"


def bundle_case(root: Path) -> Path:
    """One bundle of MAX_BUNDLE_ITEMS items whose fields fill the form to MAX_FORM_FIELDS (with
    the bundle's questions), with the catalog they need (within the file and catalog limits),
    compiled through validate's checks."""
    per_item = (limits.MAX_FORM_FIELDS - 5) // limits.MAX_BUNDLE_ITEMS
    files = write_long_bundle(root, limits.MAX_BUNDLE_ITEMS, per_item)
    assert all(p.stat().st_size <= limits.MAX_FILE_BYTES for p in files)
    assert sum(p.stat().st_size for p in files[:-1]) <= limits.MAX_CATALOG_BYTES
    return files[-1]


def alias_case(root: Path) -> Path:
    """Aliases repeating just under MAX_ALIAS_NODES values, every one an unknown key."""
    write_tree(root, 8)
    keys = 50
    row = "{use: item_0, " + ", ".join(f"bad{i}: 1" for i in range(keys)) + "}"
    per_alias = 2 * keys + 2 + 1  # scalars of the keys and values, the mapping itself
    count = limits.MAX_ALIAS_NODES // per_alias
    text = (root / "b_0000.yaml").read_text(encoding="utf-8").split("\nitems:")[0]
    bundle = root / "aliases.yaml"
    bundle.write_text(text + f"\nr: &r {row}\nitems: [" + ", ".join(["*r"] * count) + "]\n", encoding="utf-8")
    return bundle


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="onething-limits-"))
    os.environ["ONETHING_CACHE_DIR"] = str(work / "cache")
    os.environ["ONETHING_NO_CACHE"] = "1"  # every run checks the input (no catalog cache, no replayed validate)
    try:
        floor_tree = work / "floor"
        write_tree(floor_tree, 1)
        cases = {
            "floor: one-item bundle": floor_tree / "b_0000.yaml",
            f"catalog of {limits.shown(limits.MAX_CATALOG_BYTES, 'bytes')}": catalog_case(work / "catalog"),
            f"bundle of {limits.MAX_BUNDLE_ITEMS:,} items, {limits.MAX_FORM_FIELDS:,} fields": bundle_case(work / "bundle"),
            f"aliases repeating {limits.MAX_ALIAS_NODES:,} values": alias_case(work / "aliases"),
        }
        print(f"python {platform.python_version()}, {platform.system()} {platform.machine()}, "
              f"{os.cpu_count()} CPUs; {args.runs} runs per case in turn, medians")
        sizes = {name: sum(p.stat().st_size for p in path.parent.rglob("*.yaml")) / 1_048_576
                 for name, path in cases.items()}
        times: dict[str, list[float]] = {n: [] for n in cases}
        peaks: dict[str, list[float]] = {n: [] for n in cases}
        cpus: dict[str, list[float]] = {n: [] for n in cases}
        codes: dict[str, int] = {}
        for _ in range(args.runs):
            for name, path in cases.items():
                took, cpu, peak, code = run_validate(path, path.parent)
                times[name].append(took)
                cpus[name].append(cpu)
                peaks[name].append(peak)
                codes[name] = code
        floor = statistics.median(times["floor: one-item bundle"])
        cpu_floor = statistics.median(cpus["floor: one-item bundle"])
        header = (f"{'case':<40} {'MiB in':>7} {'exit':>4} {'wall s':>7} {'÷ floor':>7} {'cpu s':>6} "
                  f"{'cpu ÷ floor':>11} {'peak MB':>8}")
        print(header)
        print("-" * len(header))
        for name in cases:
            t = statistics.median(times[name])
            c = statistics.median(cpus[name])
            print(f"{name:<40} {sizes[name]:>7.2f} {codes[name]:>4} {t:>7.2f} {t / floor:>7.2f} {c:>6.2f} "
                  f"{c / cpu_floor:>11.2f} {statistics.median(peaks[name]) * 1.048576:>8.0f}")
        print("\ntarget: every case under 2 s and 400 MB (wall time on an unloaded machine; cpu s is the"
              " child's own CPU time, which a busy machine inflates least)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
