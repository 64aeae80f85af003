"""What `onething compile bundles/` costs as a whole process, against the bare imports.

B     = python -c "import yaml, pydantic, jinja2, networkx, click"
cold  = onething compile <bundles> -o <tmp> --force   every bundle loaded and compiled
edit  = onething compile <bundles> -o <tmp>           one bundle's bytes changed since the
                                                      last run (an author's edit loop)
noop  = onething compile <bundles> -o <tmp>           nothing changed: every manifest up to date

and two lower bounds for any cold compile (with --floors):

parse  = import yaml, click, networkx, pydantic; parse every bundle and catalog file into
         events with PyYAML's C parser (what any loader must do), nothing else
models = as parse, plus importing onething's pydantic models (the typed source of bundles,
         catalog and manifest), still without validating or compiling anything

All run with this interpreter (no shell, no version-manager shim in front), in turn
B cold edit noop B cold ..., after one warm-up run each. It prints the median wall and CPU
(user + system) seconds of each and the median of the per-round ratios to B: pairing keeps
a ratio meaningful when the machine's speed drifts. It asserts nothing.
Target (issue #3): onething compile bundles/ <= 1.2 x B by median.

    python benchmarks/cli_startup.py                  # 15 rounds, bundles/ of this checkout
    python benchmarks/cli_startup.py --runs 31 --bundles path/to/bundles
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
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
    return [sys.executable, "-c", "import sys; from onething.cli.main import main; sys.exit(main())"]


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
    ap.add_argument("--runs", type=int, default=15, help="rounds of runs (medians reported)")
    ap.add_argument("--bundles", type=Path, default=ROOT / "bundles", help="folder of bundles to compile")
    ap.add_argument("--floors", action="store_true", help="also time the two lower bounds (parse, models)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="onething-startup-") as tmp:
        # a copy of the bundles, so that the edit runs can change one bundle's bytes
        bundles = Path(tmp) / "bundles"
        shutil.copytree(args.bundles, bundles)
        edited = sorted(bundles.glob("*.yaml"))[0]
        original = edited.read_bytes()
        out = str(Path(tmp) / "out")
        os.environ["ONETHING_CACHE_DIR"] = str(Path(tmp) / "cache")  # the build state, thrown away after
        base = [*onething_command(), "compile", str(bundles), "-o", out]
        commands = {
            "B": [sys.executable, "-c", BARE],
            "cold": [*base, "--force"],
            "edit": base,
            "noop": base,
        }
        if args.floors:
            files = [str(f) for f in sorted(bundles.glob("*.yaml")) + sorted((bundles / "catalog").rglob("*.yaml"))]
            parse = (f"files = {files!r}\n"
                     "for f in files:\n"
                     "    with open(f, 'rb') as fh:\n"
                     "        for _ in yaml.parse(fh.read(), Loader=yaml.CSafeLoader): pass\n")
            commands["parse"] = [sys.executable, "-c", "import yaml, click, networkx, pydantic\n" + parse]
            commands["models"] = [sys.executable, "-c", "import yaml, click, networkx, pydantic\n"
                                  "import onething.dsl.models.bundle, onething.dsl.models.catalog, onething.compiler.manifest\n" + parse]
        print(f"python {platform.python_version()} ({sys.executable}), {platform.system()} {platform.machine()}, "
              f"{os.cpu_count()} CPUs; {args.runs} rounds, after one warm-up each")
        print(f"B    = python -c \"{BARE}\"")
        print(f"cold = onething compile {args.bundles} -o <tmp> --force")
        print(f"edit = onething compile {args.bundles} -o <tmp>   ({edited.name} changed before each run)")
        print(f"noop = onething compile {args.bundles} -o <tmp>   (nothing changed)")
        if args.floors:
            print("parse, models = lower bounds of a cold compile (see the docstring)")

        def before(name: str, n: int) -> None:
            if name == "edit":  # a new comment each time: the bytes always differ from the last run's
                edited.write_bytes(original + (b"\n# edit %d\n" % n))

        for name, cmd in commands.items():  # warm-up: file caches, and a check that each works
            before(name, 0)
            _, _, code = run(cmd)
            if code != 0:
                sys.exit(f"{' '.join(cmd)} exited with {code}; fix that first")
        runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in commands}
        for n in range(1, args.runs + 1):
            for name, cmd in commands.items():
                before(name, n)
                runs[name].append(run(cmd))

    def med(name: str, i: int) -> float:
        return statistics.median(r[i] for r in runs[name])

    print(f"{'':>6} {'wall s':>8} {'cpu s':>8} {'wall/B':>8} {'cpu/B':>8}")
    for name in commands:
        wall = statistics.median(a[0] / b[0] for a, b in zip(runs[name], runs["B"], strict=True))
        cpu = statistics.median(a[1] / b[1] for a, b in zip(runs[name], runs["B"], strict=True))
        print(f"{name:>6} {med(name, 0):>8.3f} {med(name, 1):>8.3f} {wall:>8.2f} {cpu:>8.2f}")
    print("ratios: medians of the per-round ratios to B; target <= 1.2")


if __name__ == "__main__":
    main()
