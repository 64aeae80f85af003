"""Where the case store is: a URL given, ``ONETHING_STORE``, or the project's default file.

The default is ``<project root>/.onething/cases.db``. The project root is the nearest folder,
from the working directory up, that holds a ``.onething`` folder or a ``bundles`` folder
(the layout ``onething init`` and this repository use); failing both, the working directory.
A store given as a plain path (no ``scheme://``) is a SQLite file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

STORE_ENV = "ONETHING_STORE"
STATE_DIR = ".onething"
STORE_FILE = "cases.db"


def find_project_root(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / STATE_DIR).is_dir() or (folder / "bundles").is_dir():
            return folder
    return here


def store_url(url: str | None = None, root: Path | None = None,
              environ: Mapping[str, str] | None = None) -> str:
    """The store's SQLAlchemy URL: ``url`` if given, else the environment, else the default file."""
    env = os.environ if environ is None else environ
    chosen = url or env.get(STORE_ENV) or None
    if chosen is None:
        path = find_project_root(root) / STATE_DIR / STORE_FILE
        return f"sqlite:///{path.as_posix()}"
    if "://" not in chosen:
        return f"sqlite:///{Path(chosen).expanduser().resolve().as_posix()}"
    return chosen
