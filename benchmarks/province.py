"""A province (issue #14): 300 bundles over one catalog of 3,000 items, 5,000 materials and
10,000 fields (synth.write_province, fixed seed), compiled cold as a whole process.

For each size (default 30, 100 and 300 bundles; the catalog grows with the bundles) and in
alternating rounds, each in a fresh process with this interpreter:

- floor:   read every YAML file of the tree and parse it with PyYAML's C loader
           (``yaml.load(text, Loader=yaml.CSafeLoader)``), all in one process: what any tool
           that reads the same files as plain data pays, start-up included;
- compile: ``onething compile --force TREE -o OUT`` through the CLI's entry point, with an
           empty cache folder (a cold run: the catalog is parsed, validated and cached), exit
           included (a full collection of the heap at exit is part of what a user waits for).
           The child also reports the time from the end of its imports to the end of the
           command: divided by the number of bundles, that is the *time per bundle*, which
           should stay the same from 30 to 300 bundles (no step of a bundle's compile may
           grow with the catalog);
           *Marginal* is the slope from the previous size (ms per bundle added), free of the
           command's fixed costs, which weigh on the smallest size. The same in CPU seconds
           (*cpu ms/b*: the command's process and the children it forks on two cores, see
           src/onething/compiler/halves.py and dsl/prefetch.py) shows the work per bundle apart from how many cores did it;
- peak:    the compile child's maximum resident set size (``ru_maxrss``).

It prints medians, the median of the per-round ratios compile ÷ floor, and each size's time
per bundle against the 300-bundle one. It asserts nothing. Targets (issue #14): ratio ≤ 1.3
at 300 bundles; time per bundle within ±25 % from 30 to 300 bundles; peak ≤ 150 MiB.

    python benchmarks/province.py                    # 30, 100, 300 bundles; 5 rounds
    python benchmarks/province.py --sizes 300 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import province_counts, write_province

FLOOR = """
import sys, time, yaml
files = sys.argv[1:]
for f in files:
    with open(f, encoding="utf-8") as fh:
        yaml.load(fh.read(), Loader=yaml.CSafeLoader)
"""

COMPILE = """
import os, sys, time
t0 = time.perf_counter()
from onething.cli.main import main
import onething.cli.compile, onething.compiler.pipeline, onething.compiler.workspace  # what the command imports
t1 = time.perf_counter()
def cpu():  # this process and the workers it has waited for
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
c1 = cpu()
try:
    main(sys.argv[2:])
except SystemExit as exc:
    with open(sys.argv[1], "w") as fh:
        fh.write(f"{t1 - t0} {time.perf_counter() - t1} {exc.code or 0} {cpu() - c1}")
    raise
"""


def run(cmd: list[str]) -> tuple[float, float, float, int]:
    """Wall seconds, the child's CPU seconds, its peak RSS in MiB, and its exit status."""
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(cmd[0], cmd)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="30,100,300", help="bundles per province, comma-separated")
    ap.add_argument("--runs", type=int, default=5, help="rounds (medians reported)")
    ap.add_argument("--keep", type=Path, help="write the trees here and keep them (default: a temporary folder)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    work = args.keep or Path(tempfile.mkdtemp(prefix="onething-province-"))
    os.environ["ONETHING_CACHE_DIR"] = str(work / "cache")  # compile's build state, thrown away with work
    os.environ["ONETHING_MAX_CATALOG_MIB"] = "8"  # a province's catalog (4.5 MiB) is above the 2 MiB default
    try:
        trees: dict[int, list[Path]] = {}
        for n in sizes:
            shutil.rmtree(work / f"p{n}", ignore_errors=True)
            trees[n] = write_province(work / f"p{n}", n)
        py = sys.executable
        stats: dict[int, dict[str, list[float]]] = {
            n: {k: [] for k in ("floor", "compile", "cpu", "floor_cpu", "ratio", "inner", "inner_cpu", "imports", "peak")}
            for n in sizes}
        codes: dict[int, int] = {}
        report = work / "inner.txt"
        for _ in range(args.runs):
            for n in sizes:
                s = stats[n]
                wall, cpu, _peak, _ = run([py, "-c", FLOOR, *map(str, trees[n])])
                s["floor"].append(wall)
                s["floor_cpu"].append(cpu)
                out = work / f"out{n}"
                shutil.rmtree(work / "cache", ignore_errors=True)  # cold: no catalog cache (writing it is part of the run)
                cmd = [py, "-c", COMPILE, str(report), "compile", "--force", str(work / f"p{n}"), "-o", str(out)]
                cwall, ccpu, peak, code = run(cmd)
                imports, inner, _code, inner_cpu = report.read_text().split()
                codes[n] = code
                s["compile"].append(cwall)
                s["cpu"].append(ccpu)
                s["peak"].append(peak)
                s["ratio"].append(cwall / wall)
                s["inner"].append(float(inner))
                s["inner_cpu"].append(float(inner_cpu))
                s["imports"].append(float(imports))
        print(f"python {platform.python_version()}, {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}; {args.runs} rounds, medians")
        header = (f"{'bundles':>7} {'items':>5} {'mats':>5} {'fields':>6} {'MB':>5} {'exit':>4} {'floor s':>7} "
                  f"{'compile s':>9} {'ratio':>5} {'cpu ratio':>9} {'ms/bundle':>9} {'÷ at max':>8} {'marginal':>8} "
                  f"{'cpu ms/b':>8} {'÷ at max':>8} "
                  f"{'peak MiB':>8}")
        print(header)
        print("-" * len(header))
        per_bundle = {n: statistics.median(stats[n]["inner"]) / n for n in sizes}
        top = per_bundle[max(sizes)]
        cpu_per_bundle = {n: statistics.median(stats[n]["inner_cpu"]) / n for n in sizes}
        cpu_top = cpu_per_bundle[max(sizes)]
        rows = []
        previous: int | None = None
        for n in sizes:
            s = stats[n]
            c = province_counts(n)
            mb = sum(p.stat().st_size for p in trees[n]) / 1e6
            cpu_ratio = statistics.median(a / b for a, b in zip(s["cpu"], s["floor_cpu"], strict=True))
            row = {"bundles": n, **c, "MB": round(mb, 2), "exit": codes[n],
                   "floor_s": statistics.median(s["floor"]), "compile_s": statistics.median(s["compile"]),
                   "ratio": statistics.median(s["ratio"]), "cpu_ratio": cpu_ratio,
                   "ms_per_bundle": per_bundle[n] * 1000, "vs_max": per_bundle[n] / top,
                   "cpu_ms_per_bundle": cpu_per_bundle[n] * 1000, "cpu_vs_max": cpu_per_bundle[n] / cpu_top,
                   "imports_s": statistics.median(s["imports"]), "peak_mib": statistics.median(s["peak"])}
            # the slope from the previous size: per-bundle time without the command's fixed costs
            # (the build state, pydantic's deferred validator builds), which weigh on small sizes
            marginal = ((per_bundle[n] * n - per_bundle[previous] * previous) / (n - previous) * 1000
                        if previous is not None else float("nan"))
            row["marginal_ms"] = marginal
            previous = n
            rows.append(row)
            print(f"{n:>7} {c['items']:>5} {c['materials']:>5} {c['fields']:>6} {mb:>5.2f} {codes[n]:>4} "
                  f"{row['floor_s']:>7.2f} {row['compile_s']:>9.2f} {row['ratio']:>5.2f} {cpu_ratio:>9.2f} "
                  f"{row['ms_per_bundle']:>9.1f} {row['vs_max']:>8.2f} {marginal:>8.1f} "
                  f"{row['cpu_ms_per_bundle']:>8.1f} {row['cpu_vs_max']:>8.2f} {row['peak_mib']:>8.0f}",
                  flush=True)
        print("\nratio = compile ÷ floor, whole processes (median of the rounds' ratios); ms/bundle = the command's"
              " time after its imports ÷ bundles; ÷ at max = that against the largest size's; marginal = ms per"
              " bundle added since the previous size; cpu ms/b = the same in CPU seconds, the compile's worker (if"
              " any) included, with its ÷ at max")
        print("targets (issue #14), at 300 bundles: ratio ≤ 1.3, peak ≤ 150 MiB; ms/bundle within ±25 % across sizes")
        if args.keep:
            (work / "province.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
