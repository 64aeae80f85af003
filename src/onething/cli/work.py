"""`onething work`: the engine — carry out the ready steps of every case in the store."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from onething.cli.common import EXIT_ERRORS
from onething.cli.runtime_common import (
    config_option,
    echo_json,
    format_option,
    load_runtime_config,
    runtime_errors,
    store_option,
)
from onething.dsl.i18n import _


@click.command(name="work")
@click.option("--until-idle", is_flag=True,
              help="Return when nothing is ready and no retry is due (waits for due retries, not for pending steps).")
@click.option("--max-steps", type=click.IntRange(min=1), help="Stop after about this many steps.")
@click.option("--worker-id", metavar="ID", help="This worker's id in leases (default: host:pid).")
@click.option("--concurrency", type=click.IntRange(min=1, max=64), default=1, show_default=True,
              help="Worker threads in this process (they overlap waiting for departments; for more "
                   "cores run more processes).")
@click.option("--grace", type=click.FloatRange(min=0), default=30.0, show_default=True, metavar="SECONDS",
              help="On SIGTERM, how long steps in flight may take to finish before their claims are released.")
@click.option("--log", "log_format", type=click.Choice(["auto", "json", "off"]), default="auto", show_default=True,
              help="One JSON line per transition (and per worker event) on stderr; auto: when stderr is "
                   "not a terminal (a service's log), off on a clerk's screen.")
@click.option("--health", is_flag=True,
              help="Only check: exit 0 if the store is reachable and its schema current, else 1 with the reason.")
@config_option
@store_option
@format_option
@runtime_errors
def work_cmd(until_idle: bool, max_steps: int | None, worker_id: str | None, concurrency: int, grace: float,
             log_format: str, health: bool, config_path: Path | None, store_url: str | None, fmt: str) -> None:
    """Claim ready steps, hand each to its department's adapter, record the outcome.

    \b
    Several workers may run on one store, on one machine or many; a step is never run by
    two at once. A worker killed at any moment loses nothing: its step is dispatched again,
    with the same idempotency key, when the lease expires. SIGTERM stops it gracefully:
    steps in flight finish (or, after --grace seconds, are released to other workers).
    Without --until-idle it waits for work until stopped (on PostgreSQL woken by NOTIFY).

    \b
    Examples:
      onething work --until-idle --config runtime.yaml
      onething work --concurrency 8 --store postgresql://onething@db.example/cases
      onething work --health --store postgresql://onething@db.example/cases
    """
    if health:
        _health(store_url, fmt)
        return
    import gc
    import signal
    import threading

    from onething.runtime import transitionlog
    from onething.runtime.workers import run_workers

    gc.enable()  # a long-running process: the CLI's pause of the cyclic collector is for short commands
    config = load_runtime_config(config_path)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    logging = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    handler = transitionlog.to_stderr() if logging else None

    def watch(worker) -> None:  # type: ignore[no-untyped-def]
        if logging:
            worker.on_unavailable = lambda w, error, failures: transitionlog.log(
                "store_unavailable", "warning", worker=w.worker_id, failures=failures, reason=error.message)

    try:
        from onething.runtime.store import open_store

        with open_store(store_url, create=False, connections=max(5, 2 * concurrency + 2)) as store:
            if logging:
                store.on_commit.append(transitionlog.log_transitions)
                transitionlog.log("worker_started", worker=worker_id, concurrency=concurrency, store=store.where)
            result = run_workers(store, config, concurrency=concurrency, worker_id=worker_id,
                                 calendar=config.calendar(), until_idle=until_idle, max_steps=max_steps,
                                 stop=stop, grace=grace, on_worker=watch)
            if logging:
                if stop.is_set():
                    transitionlog.log("stopping", released=result.released)
                transitionlog.log("worker_stopped", steps=result.summary.steps)
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
        if handler is not None:
            transitionlog.LOGGER.removeHandler(handler)
    if result.errors:
        raise result.errors[0]
    summary = result.summary
    if fmt == "json":
        echo_json({**summary.to_json(), "released": result.released})
    else:
        from onething.runtime.status_words import status_word

        outcomes = ", ".join(f"{status_word(k)} {v}" for k, v in sorted(summary.outcomes.items())) or "-"
        click.echo(_("{n} step(s) carried out: {outcomes}").format(n=summary.steps, outcomes=outcomes), err=True)


def _health(store_url: str | None, fmt: str) -> None:
    """Exit 0 when the store answers and its schema is this program's; else 1 with the reason."""
    from onething.runtime.errors import StoreError
    from onething.runtime.store import open_store

    reason, where, status = None, None, None
    try:
        with open_store(store_url, create=False, migrate=False) as store:
            status = store.schema_status()
            where = store.where
    except StoreError as error:
        reason = str(error)
    if status is not None and status.state != "current":
        reason = {"empty": _("the store has no schema: run onething store migrate"),
                  "behind": _("the store's schema {version} is older than this program's {head}: "
                              "run onething store migrate").format(version=status.version, head=status.head),
                  "newer": _("the store's schema {version} is newer than this program's {head}: "
                             "upgrade onething").format(version=status.version, head=status.head)}[status.state]
    if fmt == "json":
        echo_json({"healthy": reason is None, "store": where, "reason": reason,
                   "schema": status.to_json() if status is not None else None})
    elif reason is None:
        click.echo(_("healthy: {where} answers, schema {version} is current").format(
            where=where, version=status.version if status else ""))
    else:
        click.echo(_("unhealthy: {reason}").format(reason=reason), err=True)
    if reason is not None:
        sys.exit(EXIT_ERRORS)
