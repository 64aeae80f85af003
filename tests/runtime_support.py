"""Helpers shared by the runtime tests (tests/test_runtime_*.py); not a test module."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from onething.runtime.store import open_store

NOW = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
_template: Path | None = None


def empty_store_file(folder: Path) -> str:
    """A new, empty store file in ``folder``: a copy of one store created once per test run.

    Creating a store runs its migrations; the tests that are about creating one call
    ``open_store`` on a new path themselves.
    """
    global _template
    if _template is None:
        home = Path(tempfile.mkdtemp(prefix="onething-store-template-"))
        atexit.register(shutil.rmtree, home, True)
        _template = home / "cases.db"
        open_store(str(_template)).close()  # closing checkpoints the WAL into the file
    target = folder / "cases.db"
    shutil.copyfile(_template, target)
    return str(target)


# --- cases: a compiled birth manifest and a complete applicant, shared by the runtime tests ---

_birth: dict[str, object] = {}
DEMO_ANSWERS = Path(__file__).resolve().parents[1] / "src" / "onething" / "runtime" / "demo" / "birth.answers.yaml"
BIRTH = Path(__file__).resolve().parents[1] / "bundles" / "birth.yaml"
MOTHER_ID = "653001199203150027"


def birth():
    """(manifest, answers) of the demo applicant, compiled once per test run."""
    if not _birth:
        from onething.runtime.window import prepare

        prepared = prepare(BIRTH, DEMO_ANSWERS)
        assert prepared.manifest is not None and prepared.problems == []
        _birth["manifest"], _birth["answers"] = prepared.manifest, prepared.answers
    return _birth["manifest"], dict(_birth["answers"])  # type: ignore[arg-type]


def handed_in(manifest) -> list[str]:
    return [m.id for m in manifest.materials if m.status == "submit"]


def with_materials(manifest, **statuses):
    """A copy of ``manifest`` whose materials have the given statuses (tolerated with 5 days)."""
    data = manifest.model_dump(mode="json", exclude_none=True)
    for m in data["materials"]:
        if m["id"] in statuses:
            m["status"] = statuses[m["id"]]
            m.pop("reason", None)
            m.pop("waived_by", None)
            if m["status"] == "tolerated":
                m["tolerated"] = {"supplement_days": 5, "unit": "working_days"}
            if m["status"] == "commitment":
                m["commitment"] = {"text": {"zh": "承诺", "en": "commitment"}}
    return type(manifest).model_validate(data)


def stepper(clock):
    """A worker's sleep that moves the fixed clock instead of waiting."""
    from datetime import timedelta

    return lambda seconds: clock.advance(timedelta(seconds=seconds))
