"""`onething submit`: accept a case at the one window (一窗受理)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from onething.cli.common import EXIT_ERRORS, emit_diagnostics, split_select
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
)
from onething.dsl.i18n import _


@click.command(name="submit")
@click.argument("bundle", type=click.Path(path_type=Path), required=False)
@click.option("--answers", type=click.Path(path_type=Path, dir_okay=False, exists=True), required=True,
              help="The applicant's answers and form values (YAML/JSON).")
@click.option("--select", "select_", metavar="ITEM,...", help="Optional items the applicant chose.")
@click.option("--materials", metavar="ID,...", help="Materials handed in.")
@click.option("--materials-file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Materials handed in, one id a line (# comments).")
@click.option("--commit", "commit", metavar="ID,...", help="Materials replaced by the applicant's commitment (告知承诺).")
@click.option("--manifest", "manifest_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Accept under this compiled manifest instead of compiling BUNDLE.")
@click.option("--catalog", type=click.Path(path_type=Path, file_okay=False), help="Catalog folder.")
@click.option("--notices", type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the notices (default: .onething/notices in the project).")
@config_option
@actor_option
@store_option
@format_option
@runtime_errors
def submit_cmd(bundle: Path | None, answers: Path, select_: str | None, materials: str | None,
               materials_file: Path | None, commit: str | None, manifest_path: Path | None, catalog: Path | None,
               notices: Path | None, config_path: Path | None, actor: str | None, store_url: str | None, fmt: str) -> None:
    """Accept a case: check the answers and materials, store the case, write the notice.

    \b
    Accepted: prints the case number (exit 0) and writes the acceptance notice (受理通知书).
    Something missing or wrong: no case, exit 1, and the one-time supplement notice
    (一次性补正告知书) lists all of it. The bundle is not for this applicant: no case, exit 1,
    and the refusal notice (不予受理告知书). Notices: HTML and text in
    .onething/notices/<case>/ (or --notices DIR).

    \b
    Examples:
      onething submit bundles/birth.yaml --answers answers.yaml \\
          --materials newborn_medical_record,issuance_notice,mother_authorization
      onething submit --manifest build/birth.json --answers answers.yaml --materials-file handed_in.txt
    """
    from onething.render.answers_check import check_answers
    from onething.runtime.acceptance import accept
    from onething.runtime.answers_gate import unanswered_questions
    from onething.runtime.store.location import STATE_DIR, find_project_root
    from onething.runtime.window import prepare

    if bundle is None and manifest_path is None:
        raise click.UsageError(_("name a BUNDLE file, or give --manifest FILE"))
    if materials and materials_file:
        raise click.UsageError(_("give --materials or --materials-file, not both"))
    handed = split_select(materials) or []
    if materials_file is not None:
        handed = [line.split("#", 1)[0].strip() for line in materials_file.read_text(encoding="utf-8").splitlines()]
        handed = [h for h in handed if h]
    prepared = prepare(bundle, answers, select=split_select(select_), catalog=catalog, manifest_path=manifest_path)
    if prepared.manifest is None:
        emit_diagnostics(prepared.fatal, fmt, err=True)
        sys.exit(EXIT_ERRORS)
    # the forms' answers check (every problem of every field at once), plus the questions the
    # material list still depends on; the runtime cannot import the renderers, the CLI joins them
    problems = prepared.problems + unanswered_questions(prepared.manifest) + [
        p.render() for p in check_answers(json.loads(prepared.manifest.to_json()), prepared.answers)]
    folder = notices or (find_project_root() / STATE_DIR / "notices")
    with open_runtime_store(store_url, create=True) as store:
        result = accept(store, prepared.manifest, prepared.answers, materials=handed,
                        commitments=split_select(commit) or [], actor=actor_name(actor),
                        answer_problems=problems, notices=folder,
                        calendar=load_runtime_config(config_path).calendar())
    if fmt == "json":
        echo_json(result.to_json())
    elif result.accepted:
        click.echo(result.case_number)
        click.echo(_("accepted: {n} steps, due {due}; notice: {path}").format(
            n=len(result.steps), due=result.due_on or "-", path=result.notices[0].parent if result.notices else "-"), err=True)
        for item, waiting in result.suspended.items():
            click.echo(_("  {item} suspended until {materials} are supplied (容缺)").format(
                item=item, materials=", ".join(waiting)), err=True)
    else:
        outcome = {"supplement": _("materials to supplement, 一次性补正"),
                   "refused": _("refused, 不予受理")}.get(result.outcome, result.outcome)
        click.echo(_("not accepted ({outcome}); notice: {path}").format(
            outcome=outcome, path=result.notices[0].parent if result.notices else "-"), err=True)
        if result.reason:
            click.echo(f"  {result.reason}", err=True)
        from onething.views.words import label_text

        names = {m.id: label_text(m.name) for m in prepared.manifest.materials}
        for mid in result.missing:
            # the clerk reads the material's name; its id is what --materials takes
            click.echo(_("  missing material: {name} ({id})").format(name=names.get(mid) or mid, id=mid), err=True)
        for problem in result.problems:
            click.echo(f"  {problem}", err=True)
    if fmt != "json":
        for warning in result.warnings:
            click.echo(_("warning: {text}").format(text=warning), err=True)
    sys.exit(0 if result.accepted else EXIT_ERRORS)

