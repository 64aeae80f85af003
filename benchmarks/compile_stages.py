"""Where a cold `onething compile bundles/` spends its time, stage by stage, in one process.

Each run is a fresh interpreter (imports are part of the cost); it prints the median over
the runs of each stage's wall time, in ms, measured with time.perf_counter between stages.
It asserts nothing. Run from the repository root:

    python benchmarks/compile_stages.py              # 5 runs over bundles/
    python benchmarks/compile_stages.py --runs 9 --bundles path/to/bundles
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# runs in the child; prints {stage: seconds} as JSON
CHILD = r"""
import gc, json, sys, time
from pathlib import Path
T = time.perf_counter
marks = [("start", T())]
def mark(name): marks.append((name, T()))
import yaml, click; mark("import yaml, click")
import pydantic, pydantic_core; mark("import pydantic, pydantic-core")
import onething.dsl.models.bundle, onething.dsl.models.catalog; mark("bundle and catalog models")
import onething.compiler.manifest; mark("manifest models")
from onething.compiler import compile_bundle
from onething.dsl.discovery import find_bundles
from onething.compiler.workspace import Workspace
mark("the rest of onething")
gc.disable()  # as the CLI does
sources, _ = find_bundles([Path(sys.argv[1])], None)
ws = Workspace()
ws.catalog(sources[0].catalog_dir); mark("load the catalog")
loaded = [ws.load_bundle(s) for s in sources]; mark("load and resolve the bundles")
results = [compile_bundle(b.resolved, b.source.path, None, None) for b in loaded]; mark("compile")
texts = [r.manifest.to_json() for r in results]; mark("serialize the manifests")
print(json.dumps({name: t - marks[i][1] for i, (name, t) in enumerate(marks[1:])}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bundles", type=Path, default=ROOT / "bundles")
    args = ap.parse_args()
    runs = []
    for _ in range(args.runs):
        # the catalog loaded from its files every run, as in a cold compile (no catalog cache)
        out = subprocess.run([sys.executable, "-c", CHILD, str(args.bundles)], capture_output=True, text=True,
                             env={**os.environ, "ONETHING_NO_CACHE": "1"},
                             check=True)
        runs.append(json.loads(out.stdout))
    print(f"{'stage':<34} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for stage in runs[0]:
        values = [r[stage] * 1000 for r in runs]
        print(f"{stage:<34} {statistics.median(values):>10.1f} {min(values):>8.1f} {max(values):>8.1f}")
    totals = [sum(r.values()) * 1000 for r in runs]
    print(f"{'total (after interpreter start)':<34} {statistics.median(totals):>10.1f}")


if __name__ == "__main__":
    main()
