"""What onething's everyday commands cost as whole processes, against the bare imports (issue #14).

B        = python -c "import yaml, pydantic, jinja2, networkx, click"
cold     = onething compile <bundles> -o <tmp> --force   the cache folder emptied first: every
                                                         bundle and the catalog loaded, validated,
                                                         compiled, written (a clean checkout)
edit     = onething compile <bundles> -o <tmp>           one bundle's bytes changed since the last
                                                         run (the author's loop)
noop     = onething compile <bundles> -o <tmp>           nothing changed: every manifest up to date
plan     = onething plan <bundles>/birth.yaml            a second run (the catalog cache is warm)
validate = onething validate <bundles>/birth.yaml        a second run

and two lower bounds of any cold compile (with --floors), measured like the rest:

parse  = import yaml, click, pydantic; parse every bundle and catalog file into
         events with PyYAML's C parser (what any loader must do), nothing else
models = as parse, plus importing onething's pydantic models (the typed source of bundles,
         catalog and manifest), still without validating or compiling anything
(B keeps networkx, as issue #14 defines it; the floors do not, since no compile imports it.)

All run with this interpreter (no shell, no version-manager shim in front), in turn
B cold edit noop plan validate B cold ..., after one warm-up run each, with the cache folder
(ONETHING_CACHE_DIR) in a temporary folder: the cold runs in one of their own, emptied before
each run, the others in one kept from run to run (so plan and validate are second runs). It prints the median wall and CPU (user + system)
seconds of each, the median of the per-round ratios to B (pairing keeps a ratio meaningful when
the machine's speed drifts) and the median peak RSS of each run (the child's ru_maxrss). It
asserts nothing. Targets (issue #14): cold <= 1.6, edit <= 1.0, plan <= 1.0, validate <= 0.8,
cold peak RSS <= 64 MiB.

    python benchmarks/cli_startup.py                  # 15 rounds, bundles/ of this checkout
    python benchmarks/cli_startup.py --runs 31 --bundles path/to/bundles --floors
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
TARGETS = {"cold": 1.6, "edit": 1.0, "plan": 1.0, "validate": 0.8}
RSS_TARGET_MIB = {"cold": 64}


def onething_command() -> list[str]:
    """The console script run by this interpreter, else the same entry point through -c."""
    script = Path(sysconfig.get_path("scripts")) / ("onething.exe" if os.name == "nt" else "onething")
    if script.is_file() and os.name != "nt":
        return [sys.executable, str(script)]
    return [sys.executable, "-c", "import sys; from onething.cli.main import main; sys.exit(main())"]


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds of the child, its peak RSS in MiB, exit status) of one run."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env)
    if hasattr(os, "wait4"):
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        # ru_maxrss: KiB on Linux, bytes on macOS
        rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        return wall, usage.ru_utime + usage.ru_stime, rss, proc.returncode
    proc.wait()  # pragma: no cover - no per-child CPU figures here
    return time.perf_counter() - t0, float("nan"), float("nan"), proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15, help="rounds of runs (medians reported)")
    ap.add_argument("--bundles", type=Path, default=ROOT / "bundles", help="folder of bundles to compile")
    ap.add_argument("--one", default="birth.yaml", help="the bundle of the plan and validate runs")
    ap.add_argument("--floors", action="store_true", help="also time the two lower bounds (parse, models)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="onething-startup-") as tmp:
        # a copy of the bundles, so that the edit runs can change one bundle's bytes
        bundles = Path(tmp) / "bundles"
        shutil.copytree(args.bundles, bundles)
        edited = sorted(p for p in bundles.glob("*.yaml") if p.name != args.one)[0]
        original = edited.read_bytes()
        one = bundles / args.one
        out = str(Path(tmp) / "out")
        # the build state, catalog cache and check state: the cold runs have their own, emptied
        # before each run; the others share one that persists from run to run
        cache, cold_cache = Path(tmp) / "cache", Path(tmp) / "cold-cache"
        os.environ["ONETHING_CACHE_DIR"] = str(cache)
        os.environ.pop("ONETHING_NO_CACHE", None)
        envs = {"cold": {**os.environ, "ONETHING_CACHE_DIR": str(cold_cache)}}
        base = [*onething_command(), "compile", str(bundles), "-o", out]
        commands = {
            "B": [sys.executable, "-c", BARE],
            "cold": [*base, "--force"],
            "edit": base,
            "noop": base,
            "plan": [*onething_command(), "plan", str(one)],
            "validate": [*onething_command(), "validate", str(one)],
        }
        if args.floors:
            files = [str(f) for f in sorted(bundles.glob("*.yaml")) + sorted((bundles / "catalog").rglob("*.yaml"))]
            parse = (f"files = {files!r}\n"
                     "for f in files:\n"
                     "    with open(f, 'rb') as fh:\n"
                     "        for _ in yaml.parse(fh.read(), Loader=yaml.CSafeLoader): pass\n")
            commands["parse"] = [sys.executable, "-c", "import yaml, click, pydantic\n" + parse]
            commands["models"] = [sys.executable, "-c", "import yaml, click, pydantic\n"
                                  "import onething.dsl.models.bundle, onething.dsl.models.catalog, onething.compiler.manifest\n" + parse]
        print(f"python {platform.python_version()} ({sys.executable}), {platform.system()} {platform.machine()}, "
              f"{os.cpu_count()} CPUs; {args.runs} rounds, after one warm-up each")
        print(f"B        = python -c \"{BARE}\"")
        print(f"cold     = onething compile {args.bundles} -o <tmp> --force   (empty cache folder)")
        print(f"edit     = onething compile {args.bundles} -o <tmp>   ({edited.name} changed before each run)")
        print(f"noop     = onething compile {args.bundles} -o <tmp>   (nothing changed)")
        print(f"plan     = onething plan {args.bundles}/{args.one}   (second run)")
        print(f"validate = onething validate {args.bundles}/{args.one}   (second run)")
        if args.floors:
            print("parse, models = lower bounds of a cold compile (see the docstring)")

        def before(name: str, n: int) -> None:
            if name == "cold":  # a clean checkout: no build state, no catalog cache
                shutil.rmtree(cold_cache, ignore_errors=True)
            if name == "edit":  # a new comment each time: the bytes always differ from the last run's
                edited.write_bytes(original + (b"\n# edit %d\n" % n))

        for name, cmd in commands.items():  # warm-up: file caches, and a check that each works
            before(name, 0)
            _, _, _, code = run(cmd, envs.get(name))
            if code != 0:
                sys.exit(f"{' '.join(cmd)} exited with {code}; fix that first")
        runs: dict[str, list[tuple[float, float, float, int]]] = {name: [] for name in commands}
        for n in range(1, args.runs + 1):
            for name, cmd in commands.items():
                before(name, n)
                runs[name].append(run(cmd, envs.get(name)))

    def med(name: str, i: int) -> float:
        return statistics.median(r[i] for r in runs[name])

    print(f"{'':>8} {'wall s':>8} {'cpu s':>8} {'wall/B':>8} {'cpu/B':>8} {'target':>7} {'RSS MiB':>8}")
    for name in commands:
        wall = statistics.median(a[0] / b[0] for a, b in zip(runs[name], runs["B"], strict=True))
        cpu = statistics.median(a[1] / b[1] for a, b in zip(runs[name], runs["B"], strict=True))
        target = f"<= {TARGETS[name]}" if name in TARGETS else ""
        rss = f"{med(name, 2):.1f}" + (f" (<= {RSS_TARGET_MIB[name]})" if name in RSS_TARGET_MIB else "")
        print(f"{name:>8} {med(name, 0):>8.3f} {med(name, 1):>8.3f} {wall:>8.2f} {cpu:>8.2f} {target:>7} {rss:>8}")
    print("ratios: medians of the per-round ratios to B; RSS: median peak resident set of the process")


if __name__ == "__main__":
    main()
