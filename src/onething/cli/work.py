"""`onething work`: the engine — carry out the ready steps of every case in the store."""

from __future__ import annotations

from pathlib import Path

import click

from onething.cli.runtime_common import (
    config_option,
    echo_json,
    format_option,
    load_runtime_config,
    open_runtime_store,
    runtime_errors,
    store_option,
)
from onething.dsl.i18n import _


@click.command(name="work")
@click.option("--until-idle", is_flag=True,
              help="Return when nothing is ready and no retry is due (waits for due retries, not for pending steps).")
@click.option("--max-steps", type=click.IntRange(min=1), help="Stop after this many steps.")
@click.option("--worker-id", metavar="ID", help="This worker's id in leases (default: host:pid).")
@config_option
@store_option
@format_option
@runtime_errors
def work_cmd(until_idle: bool, max_steps: int | None, worker_id: str | None, config_path: Path | None,
             store_url: str | None, fmt: str) -> None:
    """Claim ready steps, hand each to its department's adapter, record the outcome.

    \b
    Several workers may run on one store; a step is never run by two at once. A worker
    killed at any moment loses nothing: its step is dispatched again, with the same
    idempotency key, when the lease expires. Without --until-idle it polls until stopped.

    \b
    Examples:
      onething work --until-idle --config runtime.yaml
      onething work --max-steps 100
    """
    from onething.runtime.engine import Worker

    config = load_runtime_config(config_path)
    with open_runtime_store(store_url) as store:
        worker = Worker(store, config, worker_id=worker_id, calendar=config.calendar())
        try:
            summary = worker.run(until_idle=until_idle, max_steps=max_steps)
        except KeyboardInterrupt:
            return
    if fmt == "json":
        echo_json(summary.to_json())
    else:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(summary.outcomes.items())) or "-"
        click.echo(_("{n} step(s) carried out: {outcomes}").format(n=summary.steps, outcomes=outcomes), err=True)
