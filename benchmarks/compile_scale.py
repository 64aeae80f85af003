"""How `onething compile` scales: synthetic catalogs and bundles from 10 to 2,000 items.

For each size this writes a synthetic tree (benchmarks/synth.py: items, fields, materials,
dependencies in the ratios of bundles/), then measures in this one process

- floor: the time PyYAML's C loader (yaml.CSafeLoader) takes merely to read and parse
  the same files, median of the runs;
- compile: `onething compile <tree> -o <tmp> --force` run in-process (the click command itself,
  its output captured), median of the runs — a fresh workspace each run, so the catalog
  is loaded and checked every time;
- ratio: compile / floor, the median of the ratios of runs made in turn (floor, compile,
  floor, compile ...), so that both see the machine in the same state;
- peak: the largest amount of Python memory allocated during one compile (tracemalloc,
  in a separate run that is not timed, since tracing slows everything down).

It asserts nothing; it prints a table and the growth of compile time between sizes.
Targets (issue #3): ratio <= 2 at 2,000 items; 10x the items -> at most 12x the time.

A second table compiles ONE bundle of 100 and 500 items (500 = MAX_BUNDLE_ITEMS; synth.write_long_bundle: a chain
of producers, a suppression on every material use), the shape in which per-bundle work
(suppression matching, material merging, the critical path) would show quadratic growth
(issue #9): 5x the items should cost about 5x the time, never 25x.

    python benchmarks/compile_scale.py                 # 10 ... 2000 items, 5 runs each
    python benchmarks/compile_scale.py --sizes 100,1000 --runs 3
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import counts, write_long_bundle, write_tree

SIZES = (10, 20, 50, 100, 200, 500, 1000, 2000)


def parse_floor(files: list[Path]) -> None:
    for p in files:
        yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def compile_tree(tree: Path, out: Path) -> None:
    from onething.cli.main import main

    sink_out, sink_err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(sink_out), contextlib.redirect_stderr(sink_err):
        try:
            # --force: every run compiles everything (without it, the runs after the first
            # would find every manifest up to date and compile nothing)
            main(["compile", str(tree), "-o", str(out), "--force", "--format", "json"], standalone_mode=False)
        except SystemExit as exc:
            code = exc.code
        else:  # pragma: no cover - the command always exits
            code = 0
    if code not in (0, None):
        raise RuntimeError(f"compile of {tree} failed (exit {code}):\n{sink_err.getvalue()[-2000:]}")


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="catalog item counts, comma-separated")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per size (median reported)")
    ap.add_argument("--long", default="100,500", help="items of the one-bundle case, comma-separated ('' skips)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    print(f"python {platform.python_version()} ({platform.python_implementation()}), "
          f"{platform.system()} {platform.machine()}, PyYAML {yaml.__version__} "
          f"(libyaml {'yes' if yaml.__with_libyaml__ else 'no'}), {args.runs} runs per size, medians")
    header = (f"{'items':>6} {'fields':>6} {'mats':>5} {'deps':>5} {'bundles':>7} {'files':>5} {'KiB':>6} "
              f"{'floor ms':>9} {'compile ms':>10} {'ratio':>6} {'peak MiB':>8}")
    print(header)
    print("-" * len(header))
    results: dict[int, float] = {}
    work = Path(tempfile.mkdtemp(prefix="onething-bench-"))
    os.environ["ONETHING_CACHE_DIR"] = str(work / "cache")  # compile's build state: thrown away with work
    os.environ["ONETHING_NO_CACHE"] = "1"  # every run loads and validates its catalog (no catalog cache)
    try:
        # a warm-up compile: imports and pydantic's first validator builds are start-up
        # cost (benchmarks/cli_startup.py measures that), not per-size cost
        warm = work / "warm"
        write_tree(warm, 10)
        compile_tree(warm, work / "warm-out")
        for n in sizes:
            tree = work / f"n{n}"
            files = write_tree(tree, n)
            out = work / f"out{n}"
            floors, tooks = [], []
            for _ in range(args.runs):  # in turn, so that a drift of the machine hits both
                floors.append(timed(lambda files=files: parse_floor(files)))
                tooks.append(timed(lambda tree=tree, out=out: compile_tree(tree, out)))
            floor, took = statistics.median(floors), statistics.median(tooks)
            ratio = statistics.median(t / f for t, f in zip(tooks, floors, strict=False))
            tracemalloc.start()
            compile_tree(tree, out)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            results[n] = took
            kib = sum(p.stat().st_size for p in files) / 1024
            c = counts(n)
            print(f"{n:>6} {c['fields']:>6} {c['materials']:>5} {c['dependencies']:>5} {c['bundles']:>7} "
                  f"{len(files):>5} {kib:>6.0f} {floor * 1000:>9.1f} {took * 1000:>10.1f} "
                  f"{ratio:>6.2f} {peak / 1_048_576:>8.1f}", flush=True)
            shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    long_sizes = [int(s) for s in args.long.split(",") if s.strip()]
    if long_sizes:
        long_bundles(long_sizes, args.runs)

    print()
    print("growth (time ratio for 10x the items; target <= 12):")
    for small in sizes:
        big = small * 10
        if big in results:
            print(f"  {small:>5} -> {big:>5} items: {results[big] / results[small]:.1f}x")
    if 2000 in results:
        print("target at 2,000 items: ratio <= 2")


def long_bundles(sizes: list[int], runs: int) -> None:
    """One bundle of N items: compile time against the floor, and its growth between sizes."""
    print()
    header = f"{'one bundle of':>13} {'KiB':>6} {'floor ms':>9} {'compile ms':>10} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    work = Path(tempfile.mkdtemp(prefix="onething-bench-long-"))
    os.environ["ONETHING_CACHE_DIR"] = str(work / "cache")
    os.environ["ONETHING_NO_CACHE"] = "1"  # every run loads and validates its catalog (no catalog cache)
    took: dict[int, float] = {}
    try:
        for n in sizes:
            tree = work / f"long{n}"
            files = write_long_bundle(tree, n)
            floors, tooks = [], []
            for _ in range(runs):
                floors.append(timed(lambda files=files: parse_floor(files)))
                tooks.append(timed(lambda tree=tree: compile_tree(tree, work / "out")))
            took[n] = statistics.median(tooks)
            ratio = statistics.median(t / f for t, f in zip(tooks, floors, strict=False))
            kib = sum(p.stat().st_size for p in files) / 1024
            print(f"{n:>7} items {kib:>6.0f} {statistics.median(floors) * 1000:>9.1f} {took[n] * 1000:>10.1f} "
                  f"{ratio:>6.2f}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for a, b in zip(sizes, sizes[1:], strict=False):
        print(f"  {a} -> {b} items ({b / a:.0f}x): {took[b] / took[a]:.1f}x the time")


if __name__ == "__main__":
    main()
