"""What `onething compile bundles/` costs as a whole process, against the bare imports.

A = onething compile <bundles> -o <tmp>      (the installed console script)
B = python -c "import yaml, pydantic, jinja2, networkx, click"

Both run with this interpreter (no shell, no version-manager shim in front of either), in
turn A B A B ..., after one warm-up run each. It prints the median wall and CPU (user +
system) seconds of each and the median of the per-pair ratios A/B: pairing keeps the ratio
meaningful when the machine's speed drifts. It asserts nothing.
Target (issue #3): A/B <= 1.2 by median.

    python benchmarks/cli_startup.py                  # 15 pairs, bundles/ of this checkout
    python benchmarks/cli_startup.py --runs 31 --bundles path/to/bundles
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE = "import yaml, pydantic, jinja2, networkx, click"


def onething_command() -> list[str]:
    """The console script run by this interpreter, else the same entry point through -c."""
    script = Path(sysconfig.get_path("scripts")) / ("onething.exe" if os.name == "nt" else "onething")
    if script.is_file() and os.name != "nt":
        return [sys.executable, str(script)]
    return [sys.executable, "-c", "import sys; from onething.cli import main; sys.exit(main())"]


def run(cmd: list[str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the child, exit status) of one run."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if hasattr(os, "wait4"):
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        return wall, usage.ru_utime + usage.ru_stime, proc.returncode
    proc.wait()  # pragma: no cover - no per-child CPU figures here
    return time.perf_counter() - t0, float("nan"), proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15, help="pairs of runs (median reported)")
    ap.add_argument("--bundles", type=Path, default=ROOT / "bundles", help="folder of bundles to compile")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="onething-startup-") as out:
        a_cmd = [*onething_command(), "compile", str(args.bundles), "-o", out]
        b_cmd = [sys.executable, "-c", BARE]
        print(f"python {platform.python_version()} ({sys.executable}), {platform.system()} {platform.machine()}, "
              f"{os.cpu_count()} CPUs; {args.runs} pairs A B A B ..., after one warm-up each")
        print(f"A = onething compile {args.bundles} -o <tmp>")
        print(f"B = python -c \"{BARE}\"")
        for cmd in (a_cmd, b_cmd):  # warm-up: file caches, and a check that A works
            _, _, code = run(cmd)
            if code != 0:
                sys.exit(f"{' '.join(cmd)} exited with {code}; fix that first")
        a_runs, b_runs = [], []
        for _ in range(args.runs):
            a_runs.append(run(a_cmd))
            b_runs.append(run(b_cmd))

    def med(runs: list[tuple[float, float, int]], i: int) -> float:
        return statistics.median(r[i] for r in runs)

    print(f"{'':>8} {'wall s':>8} {'cpu s':>8}")
    print(f"{'A':>8} {med(a_runs, 0):>8.3f} {med(a_runs, 1):>8.3f}")
    print(f"{'B':>8} {med(b_runs, 0):>8.3f} {med(b_runs, 1):>8.3f}")
    wall = statistics.median(a[0] / b[0] for a, b in zip(a_runs, b_runs, strict=False))
    cpu = statistics.median(a[1] / b[1] for a, b in zip(a_runs, b_runs, strict=False))
    print(f"{'A/B':>8} {wall:>8.2f} {cpu:>8.2f}   (median of the per-pair ratios; target <= 1.2)")


if __name__ == "__main__":
    main()
