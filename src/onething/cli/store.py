"""`onething store migrate` and `onething store status`: the case store's schema, for operators."""

from __future__ import annotations

import click

from onething.cli.runtime_common import echo_json, format_option, runtime_errors, store_option
from onething.dsl.i18n import _


@click.group(name="store")
def store_group() -> None:
    """The case store's schema: its version, pending migrations, upgrading it.

    \b
    Examples:
      onething store status --store postgresql://onething@db.example/cases
      onething store migrate --store postgresql://onething@db.example/cases
      onething store migrate --sql --store postgresql://db.example/cases > schema.sql
    """


@store_group.command(name="status")
@store_option
@format_option
@runtime_errors
def status_cmd(store_url: str | None, fmt: str) -> None:
    """Print the store's schema version, this program's, and the migrations pending; changes nothing.

    Exits 0 when the store could be read (whatever its version), 1 when it cannot be reached
    or is not a case store.

    \b
    Examples:
      onething store status --store postgresql://onething@db.example/cases
      onething store status --format json
    """
    from onething.runtime.store import open_store

    with open_store(store_url, create=False, migrate=False) as store:
        status = store.schema_status()
        where = store.where
    if fmt == "json":
        echo_json({"store": where, **status.to_json()})
        return
    click.echo(_("store: {where}").format(where=where))
    click.echo(_("schema version: {version} (this program: {head})").format(
        version=status.version or _("none (empty)"), head=status.head))
    click.echo(_("pending migrations: {pending}").format(pending=", ".join(status.pending) or _("none")))
    states = {"current": _("the schema is current"),
              "empty": _("the store is empty: run onething store migrate to create the schema"),
              "behind": _("migrations are pending: run onething store migrate"),
              "newer": _("the store was written by a newer onething: upgrade onething")}
    click.echo(states[status.state])


@store_group.command(name="migrate")
@click.option("--sql", "as_sql", is_flag=True,
              help="Print the SQL that creates the schema for the store's database, without connecting.")
@store_option
@format_option
@runtime_errors
def migrate_cmd(as_sql: bool, store_url: str | None, fmt: str) -> None:
    """Create the store's schema, or bring it up to this program's version.

    In one transaction: on failure nothing is changed. Safe to run from several machines at
    once (on PostgreSQL an advisory lock lets one upgrade while the others wait). A store
    written by a newer onething is refused and left untouched.

    \b
    Examples:
      onething store migrate --store postgresql://onething@db.example/cases
      onething store migrate --sql --store postgresql://db.example/cases > schema.sql
    """
    if as_sql:
        _print_sql(store_url)
        return
    from onething.runtime.store import open_store

    with open_store(store_url, create=True, migrate=False) as before:
        status = before.schema_status()
    with open_store(store_url, create=True) as store:
        after = store.schema_version
        where = store.where
    if fmt == "json":
        echo_json({"store": where, "from": status.version, "to": after, "applied": list(status.pending)})
        return
    if status.state == "current":
        click.echo(_("{where}: the schema is current ({version}); nothing to do").format(where=where, version=after))
    elif status.state == "empty":
        click.echo(_("{where}: created the schema at version {version}").format(where=where, version=after))
    else:
        click.echo(_("{where}: upgraded the schema from {old} to {new} (applied {applied})").format(
            where=where, old=status.version, new=after, applied=", ".join(status.pending)))


def _print_sql(store_url: str | None) -> None:
    from sqlalchemy.engine import make_url

    from onething.runtime.errors import StoreError
    from onething.runtime.store.location import store_url as chosen_url
    from onething.runtime.store.migrate import upgrade_sql

    try:
        dialect = make_url(chosen_url(store_url)).get_backend_name()
    except Exception:
        raise StoreError(_("{url} is not a store URL").format(url=store_url),
                         _("give a file path or a URL like sqlite:///cases.db or postgresql://host/db")) from None
    click.echo(upgrade_sql("postgresql" if dialect == "postgres" else dialect), nl=False)
