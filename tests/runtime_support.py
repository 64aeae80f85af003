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
