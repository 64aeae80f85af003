"""Are the manifests byte-identical to those a named commit's code makes of the same bundles?

Speed work must not change a byte of output. This compiles the bundles as they are now (by
default bundles/ of the working tree, whatever changed in them since the commit) twice over:
with the source of the named commit (``git archive <commit> src`` unpacked into a temporary
folder and put first on PYTHONPATH) and with the working tree's src/. The working tree runs
twice, with an empty cache and then with the catalog cache warm, so both ways of loading the
catalog are compared. Every manifest is compared byte for byte; exit status 1 on any
difference (or a bundle that one side compiled and the other did not). Each side has its own
cache folder; nothing is written outside a temporary folder.

    python benchmarks/compare_manifests.py                    # against 0fee0fd
    python benchmarks/compare_manifests.py --commit main --bundles path/to/bundles
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_COMMIT = "0fee0fd"
ENTRY = "import sys; from onething.cli.main import main; sys.exit(main())"


def unpack_src(commit: str, into: Path) -> Path:
    """The commit's src/ (git archive: tracked files only, as committed) unpacked below ``into``."""
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit, "src"],
                         check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    return into / "src"


def compile_with(src: Path, bundles: Path, out: Path, cache: Path, cwd: Path) -> tuple[int, str]:
    """`onething compile --force <bundles> -o <out>` with the package in ``src``; (exit status, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(src), "ONETHING_CACHE_DIR": str(cache), "ONETHING_LANG": "en"}
    env.pop("ONETHING_NO_CACHE", None)
    proc = subprocess.run([sys.executable, "-c", ENTRY, "compile", "--force", os.path.relpath(bundles, cwd),
                           "-o", str(out)], cwd=cwd, env=env, capture_output=True, text=True)
    return proc.returncode, proc.stderr


def which_onething(src: Path) -> str:
    out = subprocess.run([sys.executable, "-c", "import onething; print(onething.__file__)"],
                         env={**os.environ, "PYTHONPATH": str(src)}, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commit", default=DEFAULT_COMMIT, help=f"the code to compare against (default {DEFAULT_COMMIT})")
    ap.add_argument("--bundles", type=Path, default=ROOT / "bundles", help="the bundles to compile (default bundles/)")
    args = ap.parse_args()
    bundles = args.bundles.resolve()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.commit],
                            check=True, capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="onething-compare-") as tmp:
        t = Path(tmp)
        sides = {f"{commit} (src of the commit)": unpack_src(args.commit, t / "old"),
                 "working tree, empty cache": ROOT / "src",
                 "working tree, warm cache": ROOT / "src"}
        outputs: dict[str, dict[str, bytes]] = {}
        for n, (name, src) in enumerate(sides.items()):
            assert which_onething(src).startswith(str(src)), f"{name}: onething not imported from {src}"
            out = t / f"out{n}"
            cache = t / ("cache-old" if n == 0 else "cache-new")  # the warm run reuses the empty run's cache
            code, err = compile_with(src, bundles, out, cache, bundles.parent)
            outputs[name] = {p.name: p.read_bytes() for p in sorted(out.glob("*.json"))} if out.is_dir() else {}
            print(f"{name}: exit {code}, {len(outputs[name])} manifest(s)")
            if code not in (0, 1):
                print(err, file=sys.stderr)
                return 2
        reference_name, reference = next(iter(outputs.items()))
        differ = False
        for name, got in list(outputs.items())[1:]:
            for manifest in sorted(set(reference) | set(got)):
                if manifest not in got or manifest not in reference:
                    differ = True
                    print(f"DIFFERS {manifest}: only in {reference_name if manifest in reference else name}")
                elif got[manifest] != reference[manifest]:
                    differ = True
                    print(f"DIFFERS {manifest}: {name} vs {reference_name}")
        if not reference:
            print("no manifest compiled: nothing compared")
            return 1
        if differ:
            return 1
        print(f"identical: {len(reference)} manifest(s) of {args.bundles}, byte for byte, {commit} vs the "
              f"working tree (empty and warm cache)")
        return 0


if __name__ == "__main__":
    sys.exit(main())
