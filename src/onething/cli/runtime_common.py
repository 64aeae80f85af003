"""What the runtime commands share: the store and actor options, errors as messages, JSON output.

A :class:`~onething.runtime.errors.RuntimeProblem` becomes ``error: <message>`` (with its
hint) on stderr and exit 1 — never a traceback. The runtime is imported inside the commands,
so ``onething --help`` does not load SQLAlchemy.
"""

from __future__ import annotations

import functools
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from onething.cli.common import EXIT_ERRORS

ACTOR_ENV = "ONETHING_ACTOR"

store_option = click.option("--store", "store_url", metavar="URL",
                            help="Case store: a file path or SQLAlchemy URL (default: ONETHING_STORE, "
                                 "else .onething/cases.db in the project).")
actor_option = click.option("--actor", metavar="NAME", help="Who does this (default: ONETHING_ACTOR, else the login name).")
format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
config_option = click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
                             help="Runtime config (adapters, leases, retries, calendar overlays); default: "
                                  "ONETHING_CONFIG, else .onething/runtime.yaml if present.")
unmask_option = click.option("--unmask", is_flag=True,
                             help="Show ID numbers, phones and names unmasked (recorded in the audit log).")


def actor_name(actor: str | None) -> str:
    if actor:
        return actor
    if os.environ.get(ACTOR_ENV):
        return os.environ[ACTOR_ENV]
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name in some containers
        return "unknown"


def runtime_errors(f: Callable[..., Any]) -> Callable[..., Any]:
    """Turn RuntimeProblem into a clear message and exit 1."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from onething.runtime.errors import RuntimeProblem

        try:
            return f(*args, **kwargs)
        except RuntimeProblem as problem:
            from onething.dsl.i18n import _

            click.echo(_("error: {problem}").format(problem=problem), err=True)
            sys.exit(EXIT_ERRORS)

    return wrapper


def open_runtime_store(url: str | None, create: bool = False) -> Any:
    from onething.runtime.store import open_store

    return open_store(url, create=create)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str))


def load_runtime_config(path: Path | None) -> Any:
    from onething.runtime.config import RuntimeConfig, load_config
    from onething.runtime.store.location import STATE_DIR, find_project_root

    if path is None and os.environ.get("ONETHING_CONFIG"):
        path = Path(os.environ["ONETHING_CONFIG"])
    if path is None:
        default = find_project_root() / STATE_DIR / "runtime.yaml"
        path = default if default.is_file() else None
    return load_config(path) if path is not None else RuntimeConfig()
