#!/usr/bin/env python3
"""Regenerate the golden manifests in tests/golden/ from the fixture project tests/fixtures/project/:

    python tests/golden/regenerate.py

Each golden is exactly what ``onething compile tests/fixtures/project/bundles/<bundle>.yaml
[--answers …]`` prints. The fixture project is a frozen copy of two shipped bundles, so a
policy author changing bundles/ never has to touch the goldens.
tests/test_compile_golden.py compares them byte for byte with a fresh compile, so a change
to a bundle, the catalog or the compiler shows up as a diff of these files to review
(``git diff tests/golden``) before it is committed. See docs/compiling.md, "Golden manifests".
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PROJECT = "tests/fixtures/project/bundles"

# golden file → (bundle file, answers file or None)
CASES: dict[str, tuple[str, str | None]] = {
    "birth.json": (f"{PROJECT}/birth.yaml", None),
    "birth.answers.json": (f"{PROJECT}/birth.yaml", "tests/golden/birth.answers.yaml"),
    "school_entry.json": (f"{PROJECT}/school_entry.yaml", None),
    "school_entry.answers.json": (f"{PROJECT}/school_entry.yaml", "tests/golden/school_entry.answers.yaml"),
}


def render(golden: str) -> str:
    """The manifest text of one golden, compiled the way `onething compile` does it."""
    from onething.cli.common import compile_sources
    from onething.dsl.discovery import find_bundles

    bundle, answers = CASES[golden]
    sources, diags = find_bundles([ROOT / bundle], None)
    [(_, result)] = list(compile_sources(sources, None, ROOT / answers if answers else None))
    if result.manifest is None or not result.ok or diags:
        problems = "\n".join(d.render() for d in [*diags, *result.diagnostics] if d.is_error)
        raise SystemExit(f"{bundle} does not compile:\n{problems}")
    return result.manifest.to_json()


def main() -> int:
    for golden in CASES:
        target = HERE / golden
        text = render(golden)
        old = target.read_bytes().decode("utf-8") if target.is_file() else None
        if old == text:
            print(f"unchanged  tests/golden/{golden}")
            continue
        target.write_bytes(text.encode("utf-8"))
        print(f"{'updated' if old is not None else 'created'}    tests/golden/{golden}")
    print("review with: git diff tests/golden")
    return 0


if __name__ == "__main__":
    sys.exit(main())
