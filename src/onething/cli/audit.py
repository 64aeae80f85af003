"""`onething audit verify [CASE]` and `onething audit head`: the audit log's hash chain."""

from __future__ import annotations

import sys

import click

from onething.cli.common import EXIT_ERRORS
from onething.cli.runtime_common import (
    echo_json,
    format_option,
    open_runtime_store,
    runtime_errors,
    store_option,
)
from onething.dsl.i18n import _


@click.group(name="audit")
def audit_group() -> None:
    """The audit log: verify its hash chain, print its head.

    \b
    Examples:
      onething audit verify
      onething audit head >> audit-heads.txt
    """


@audit_group.command(name="verify")
@click.argument("number", metavar="[CASE]", required=False)
@store_option
@format_option
@runtime_errors
def verify_cmd(number: str | None, store_url: str | None, fmt: str) -> None:
    """Walk the whole chain; exit 1 naming every edited, reordered or deleted event.

    With CASE, only that case's problems are reported (the whole chain is still walked:
    a case's events are trusted only if the links around them hold).

    \b
    Examples:
      onething audit verify
      onething audit verify birth-20261201-0001 --format json
    """
    from onething.runtime.audit import verify_chain
    from onething.runtime.casestatus import find_case
    from onething.runtime.store.tables import events

    with open_runtime_store(store_url) as store, store.read() as conn:
        if number:
            find_case(conn, number)
        result = verify_chain(conn)
        problems = result.problems
        if number:
            from sqlalchemy import select

            mine = set(conn.execute(select(events.c.seq).where(events.c.case_number == number)).scalars())
            # deleted events have no row: keep gaps and head problems, which may be this case's
            problems = [p for p in problems if p.seq in mine or p.kind in ("missing", "head")]
    ok = not problems
    if fmt == "json":
        echo_json({"ok": ok, "events": result.events, "head": None if result.head is None else
                   {"seq": result.head.seq, "hash": result.head.hash},
                   "problems": [{"seq": p.seq, "kind": p.kind, "message": p.message} for p in problems]})
    else:
        for p in problems:
            click.echo(_("error: {message}").format(message=p.message), err=True)
        if ok:
            click.echo(_("audit log intact: {n} events, head {hash}").format(
                n=result.events, hash=result.head.hash if result.head else "-"))
    sys.exit(0 if ok else EXIT_ERRORS)


@audit_group.command(name="head")
@store_option
@format_option
@runtime_errors
def head_cmd(store_url: str | None, fmt: str) -> None:
    """Print the chain's head (last event number and hash), to record outside the store.

    \b
    Examples:
      onething audit head --format json
    """
    from onething.runtime.audit import chain_head

    with open_runtime_store(store_url) as store, store.read() as conn:
        head = chain_head(conn)
    if head is None:
        click.echo(_("error: the audit log's head is missing"), err=True)
        sys.exit(EXIT_ERRORS)
    if fmt == "json":
        echo_json({"seq": head.seq, "hash": head.hash})
    else:
        click.echo(f"{head.seq} {head.hash}")
