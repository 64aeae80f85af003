"""Clerk and department commands: cases, case, tasks, complete, supplement, withdraw, deliver, evaluate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from onething.cli.runtime_common import (
    actor_name,
    actor_option,
    config_option,
    echo_json,
    format_option,
    load_runtime_config,
    open_runtime_store,
    runtime_errors,
    store_option,
    unmask_option,
)
from onething.dsl.i18n import _


def _label(names: Any) -> str:
    if isinstance(names, dict):
        return names.get("zh") or names.get("en") or ""
    return str(names or "")


@click.command(name="cases")
@click.option("--status", type=click.Choice(["accepted", "in_progress", "completed", "partially_completed",
                                             "rejected", "withdrawn", "delivered"]))
@click.option("--overdue", is_flag=True, help="Only open cases past their committed due date.")
@click.option("--applicant", metavar="ID_NUMBER", help="A person's cases, found by ID number (never printed).")
@click.option("--bundle", metavar="ID", help="Only cases of this bundle.")
@store_option
@format_option
@runtime_errors
def cases_cmd(status: str | None, overdue: bool, applicant: str | None, bundle: str | None,
              store_url: str | None, fmt: str) -> None:
    """List cases: number, bundle, status, due date, steps by status.

    \b
    Examples:
      onething cases --overdue
      onething cases --applicant 650000199001010028 --format json
    """
    from onething.runtime.queries import list_cases
    from onething.runtime.status_words import pad, status_word

    with open_runtime_store(store_url) as store, store.read() as conn:
        rows = list_cases(conn, store.clock.today(), status=status, overdue=overdue, applicant=applicant,
                          bundle=bundle)
    if fmt == "json":
        echo_json(rows)
        return
    due_word = _("due")
    for r in rows:
        steps = " ".join(f"{status_word(k)}:{v}" for k, v in r["steps"].items())
        flags = (" " + _("OVERDUE") if r["overdue"] else "") + (" " + _("FLAGGED") if r["flagged"] else "")
        click.echo(f"{r['case']}  {pad(status_word(r['status']), 19)} {due_word} {r['due_on']}  {steps}{flags}")
    click.echo(_("{n} case(s)").format(n=len(rows)), err=True)


@click.command(name="case")
@click.argument("number", metavar="CASE")
@store_option
@actor_option
@unmask_option
@format_option
@runtime_errors
def case_cmd(number: str, store_url: str | None, actor: str | None, unmask: bool, fmt: str) -> None:
    """One case in full: steps by stage, departments, due dates, outputs, materials, history.

    Personal data are masked unless --unmask (which is recorded in the audit log).

    \b
    Examples:
      onething case birth-20261201-0001
      onething case birth-20261201-0001 --unmask --actor "clerk 7" --format json
    """
    from onething.runtime.clerk import record_unmask
    from onething.runtime.queries import case_detail
    from onething.runtime.status_words import pad, status_word

    with open_runtime_store(store_url) as store:
        with store.read() as conn:
            detail = case_detail(conn, number, store.clock.today(), unmask=unmask)
        if unmask:
            record_unmask(store, actor=actor_name(actor), command="case", case_number=number)
    if fmt == "json":
        echo_json(detail)
        return
    click.echo(f"{detail['case']}  {_label(detail['title'])} ({detail['bundle']} {detail['bundle_version']})")
    flag = "  " + _("FLAGGED: a step failed") if detail["flagged"] else ""
    click.echo(_("status {status}, accepted {accepted} by {actor}, due {due}{overdue}{flag}").format(
        status=status_word(detail["status"]), accepted=detail["accepted_on"], actor=detail["actor"], due=detail["due_on"],
        overdue=" " + _("(OVERDUE)") if detail["overdue"] else "", flag=flag))
    click.echo("")
    click.echo(_("Steps:"))
    due_word, by_word = _("due"), _("by")
    for s in detail["steps"]:
        outputs = ", ".join(f"{k}={v}" for k, v in (s["outputs"] or {}).items())
        line = (f"  [{s['stage']}] {s['item']:<28} {pad(status_word(s['status']), 12)} {s['department']:<22} "
                f"{due_word} {s['due_on'] or '-'}")
        if outputs:
            line += f"  → {outputs}"
        if s["reason"]:
            line += f"  ({s['reason']})"
        click.echo(line)
    click.echo(_("Materials:"))
    for m in detail["materials"]:
        extra = f" {by_word} {m['supplement_due_on']}" if m["status"] == "missing" else ""
        click.echo(f"  {m['material']:<32} {status_word(m['status'])}{extra}")
    click.echo(_("Answers:"))
    for key, value in sorted(detail["answers"].items()):
        click.echo(f"  {key}: {value}")
    click.echo(_("History:"))
    for e in detail["history"]:
        move = f"{status_word(e['from'])}→{status_word(e['to'])}" if e["from"] or e["to"] else ""
        click.echo(f"  {e['seq']:>5} {e['at'][:19]} {e['kind']:<10} {e['item'] or '':<28} {pad(move, 26)} {e['actor']}")
    if detail["evaluation"]:
        click.echo(_("Evaluation: {rating}/5 {comment}").format(
            rating=detail["evaluation"]["rating"], comment=detail["evaluation"]["comment"] or ""))


@click.command(name="tasks")
@click.option("--department", metavar="ID", help="Only this department's tasks.")
@store_option
@format_option
@runtime_errors
def tasks_cmd(department: str | None, store_url: str | None, fmt: str) -> None:
    """Steps waiting for a person: pending at a department, failed, or suspended for a supplement.

    \b
    Examples:
      onething tasks --department public_security
    """
    from onething.runtime.queries import tasks
    from onething.runtime.status_words import pad, status_word

    with open_runtime_store(store_url) as store, store.read() as conn:
        rows = tasks(conn, store.clock.today(), department=department)
    if fmt == "json":
        echo_json(rows)
        return
    due_word = _("due")
    for r in rows:
        due = r["supplement_due_on"] if r["status"] == "suspended" else r["due_on"]
        click.echo(f"{r['case']}  {r['item']:<28} {pad(status_word(r['status']), 12)} {r['department']:<22} {due_word} {due or '-'}"
                   + (f"  ({r['reason']})" if r["reason"] else ""))
    click.echo(_("{n} task(s)").format(n=len(rows)), err=True)


def _key_values(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for v in values:
        key, sep, value = v.partition("=")
        if not sep or not key:
            raise click.BadParameter(_("{value} is not KEY=VALUE").format(value=v), param_hint="--output")
        out[key] = value
    return out


@click.command(name="complete")
@click.argument("number", metavar="CASE")
@click.argument("item")
@click.option("--approve", "decision", flag_value="approve", help="The department approved.")
@click.option("--reject", "decision", flag_value="reject", help="The department rejected (give --reason).")
@click.option("--reason", metavar="TEXT")
@click.option("--output", "outputs", multiple=True, metavar="KEY=VALUE", help="A result, e.g. a certificate number.")
@actor_option
@store_option
@format_option
@runtime_errors
def complete_cmd(number: str, item: str, decision: str | None, reason: str | None, outputs: tuple[str, ...],
                 actor: str | None, store_url: str | None, fmt: str) -> None:
    """Record a department's answer for a pending step (manual adapter, or an http 202).

    \b
    Examples:
      onething complete birth-20261201-0001 ssc_apply --approve --output social_security_card=SSC-1
      onething complete birth-20261201-0001 ssc_apply --reject --reason "照片不合格"
    """
    from onething.runtime.clerk import complete

    if decision is None:
        raise click.UsageError(_("give --approve or --reject"))
    values = _key_values(outputs)
    with open_runtime_store(store_url) as store:
        status = complete(store, number, item, approve=decision == "approve", actor=actor_name(actor),
                          reason=reason, outputs=values)
    _done(fmt, {"case": number, "item": item, "status": status}, _("{item}: {status}").format(item=item, status=status))


@click.command(name="supplement")
@click.argument("number", metavar="CASE")
@click.argument("material")
@config_option
@actor_option
@store_option
@format_option
@runtime_errors
def supplement_cmd(number: str, material: str, config_path: Path | None, actor: str | None,
                   store_url: str | None, fmt: str) -> None:
    """Record a missing tolerated material handed in later (补正); its steps resume, their clock starts.

    \b
    Examples:
      onething supplement birth-20261201-0001 bank_account
    """
    from onething.runtime.clerk import supplement

    calendar = load_runtime_config(config_path).calendar()
    with open_runtime_store(store_url) as store:
        resumed = supplement(store, number, material, actor=actor_name(actor), calendar=calendar)
    _done(fmt, {"case": number, "material": material, "resumed": resumed},
          _("{material} recorded; resumed: {items}").format(material=material, items=", ".join(resumed) or "-"))


@click.command(name="withdraw")
@click.argument("number", metavar="CASE")
@click.option("--reason", required=True, metavar="TEXT", help="Why the applicant withdraws.")
@actor_option
@store_option
@format_option
@runtime_errors
def withdraw_cmd(number: str, reason: str, actor: str | None, store_url: str | None, fmt: str) -> None:
    """Withdraw a case (撤回): its unfinished steps are skipped.

    \b
    Examples:
      onething withdraw birth-20261201-0001 --reason "applied in another city"
    """
    from onething.runtime.clerk import withdraw

    with open_runtime_store(store_url) as store:
        skipped = withdraw(store, number, reason=reason, actor=actor_name(actor))
    _done(fmt, {"case": number, "status": "withdrawn", "skipped": skipped},
          _("{case} withdrawn; skipped: {items}").format(case=number, items=", ".join(skipped) or "-"))


@click.command(name="deliver")
@click.argument("number", metavar="CASE")
@actor_option
@store_option
@unmask_option
@format_option
@runtime_errors
def deliver_cmd(number: str, actor: str | None, store_url: str | None, unmask: bool, fmt: str) -> None:
    """Hand over every result of a finished case at once (统一出件).

    \b
    Examples:
      onething deliver birth-20261201-0001
    """
    from onething.runtime.clerk import deliver, record_unmask
    from onething.runtime.masking import mask_text

    with open_runtime_store(store_url) as store:
        outputs = deliver(store, number, actor=actor_name(actor))
        if unmask:
            record_unmask(store, actor=actor_name(actor), command="deliver", case_number=number)
    if not unmask:
        outputs = {i: {k: mask_text(v) if isinstance(v, str) else v for k, v in o.items()} for i, o in outputs.items()}
    if fmt == "json":
        echo_json({"case": number, "status": "delivered", "outputs": outputs})
        return
    click.echo(_("{case} delivered").format(case=number))
    for item, values in sorted(outputs.items()):
        for key, value in sorted(values.items()):
            click.echo(f"  {item}: {key} = {value}")


@click.command(name="evaluate")
@click.argument("number", metavar="CASE")
@click.option("--rating", required=True, type=click.IntRange(1, 5), help="1 (very poor) to 5 (very good).")
@click.option("--comment", metavar="TEXT")
@actor_option
@store_option
@format_option
@runtime_errors
def evaluate_cmd(number: str, rating: int, comment: str | None, actor: str | None, store_url: str | None,
                 fmt: str) -> None:
    """Record the applicant's evaluation (好差评), once per case, after delivery.

    \b
    Examples:
      onething evaluate birth-20261201-0001 --rating 5 --comment "一次办好"
    """
    from onething.runtime.clerk import evaluate

    with open_runtime_store(store_url) as store:
        evaluate(store, number, rating=rating, comment=comment, actor=actor_name(actor))
    _done(fmt, {"case": number, "rating": rating}, _("{case} evaluated {rating}/5").format(case=number, rating=rating))


def _done(fmt: str, data: dict[str, Any], text: str) -> None:
    if fmt == "json":
        echo_json(data)
    else:
        click.echo(text)


COMMANDS = [cases_cmd, case_cmd, tasks_cmd, complete_cmd, supplement_cmd, withdraw_cmd, deliver_cmd, evaluate_cmd]
