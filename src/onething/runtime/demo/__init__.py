"""``onething demo``: a realistic birth case, accepted and carried out in a temporary store.

The applicant (``birth.answers.yaml``) is invented. The departments are ``simulate``
adapters; the medical-insurance office fails once, transiently, to show a retry with
backoff. The clock is a :class:`FixedClock` that the worker moves forward while it waits
for the retry, so the demo takes no real time.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from onething.dsl.i18n import _
from onething.runtime.status_words import pad, status_word

HERE = Path(__file__).parent
ANSWERS = HERE / "birth.answers.yaml"


def demo_bundle() -> Path:
    """``bundles/birth.yaml`` of the source tree (a clean clone holds it)."""
    return Path(__file__).resolve().parents[4] / "bundles" / "birth.yaml"


@dataclass
class DemoRun:
    case: str
    lines: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    status: str = ""


def run_demo(folder: Path | None = None, echo: Any = print) -> DemoRun:
    from onething.runtime.acceptance import accept
    from onething.runtime.answers_gate import answer_problems
    from onething.runtime.audit import verify_chain
    from onething.runtime.clerk import deliver, evaluate
    from onething.runtime.clock import FixedClock, SystemClock
    from onething.runtime.config import RetryPolicy, RuntimeConfig
    from onething.runtime.engine import Worker
    from onething.runtime.errors import RuntimeProblem
    from onething.runtime.queries import case_detail
    from onething.runtime.store import open_store
    from onething.runtime.window import prepare

    home = Path(folder or tempfile.mkdtemp(prefix="onething-demo-"))
    bundle = demo_bundle()
    if not bundle.is_file():
        raise RuntimeProblem(_("the demo needs {path}").format(path=bundle), _("run it from a clone of onething"))
    prepared = prepare(bundle, ANSWERS)
    if prepared.manifest is None:
        raise RuntimeProblem(_("the birth bundle does not compile"), _("run: onething validate bundles/birth.yaml"))
    manifest = prepared.manifest
    clock = FixedClock(SystemClock().now())
    store = open_store(str(home / "cases.db"), clock=clock)
    handed = [m.id for m in manifest.materials if m.status in ("submit", "tolerated")]
    echo(_("onething demo: {title} ({bundle}), in {home}").format(
        title=manifest.bundle.title.get("zh"), bundle=manifest.bundle.id, home=home))
    echo(_("materials handed in at the window: {ids}").format(ids=", ".join(handed) or "-"))
    result = accept(store, manifest, prepared.answers, materials=handed, actor="window clerk 1",
                    answer_problems=prepared.problems + answer_problems(manifest, prepared.answers),
                    notices=home / "notices")
    if not result.accepted:
        raise RuntimeProblem(_("the demo case was not accepted: {why}").format(
            why="; ".join(result.problems + result.missing + [result.reason or ""])))
    echo(_("accepted {case} on {day}; committed due date {due}; notice {notice}").format(
        case=result.case_number, day=clock.today(), due=result.due_on, notice=result.notices[1]))
    for warning in result.warnings:
        echo(_("  note: {text}").format(text=warning))
    config = RuntimeConfig(default={"adapter": "simulate"},
                           departments={"medical_insurance": {"adapter": "simulate", "fail_first": 1}},
                           retry=RetryPolicy(max_attempts=3, backoff_seconds=60))
    worker = Worker(store, config, worker_id="demo", sleep=lambda s: clock.advance(timedelta(seconds=s)),
                    heartbeat=False)
    summary = worker.run(until_idle=True)
    deliver(store, result.case_number, actor="window clerk 1")
    evaluate(store, result.case_number, rating=5, actor="applicant", comment="一次办好")
    with store.read() as conn:
        detail = case_detail(conn, result.case_number, clock.today())
        verification = verify_chain(conn)
    store.close()
    run = DemoRun(result.case_number, detail=detail, status=detail["status"])
    names = manifest.bundle.departments
    echo("")
    echo(_("Timeline (stage, item, department, result, due):"))
    due_word = _("due")
    for s in detail["steps"]:
        outputs = ", ".join(f"{k} {v}" for k, v in (s["outputs"] or {}).items() if k != "result") or "-"
        echo(f"  [{s['stage']}] {s['name'].get('zh', s['item'])} — {names.get(s['department'], {}).get('zh', s['department'])}"
             f" — {status_word(s['status'])} — {outputs} — {due_word} {s['due_on']}"
             + (_(" ({n} attempts)").format(n=s["attempts"]) if s["attempts"] > 1 else ""))
    echo("")
    echo(_("Events:"))
    for e in detail["history"]:
        move = f"{status_word(e['from'])}→{status_word(e['to'])}"
        echo(f"  {e['at'][:19]}Z {e['kind']:<10} {e['item'] or '':<28} {pad(move, 26)} {e['actor']}")
    echo("")
    echo(_("{steps} steps carried out ({outcomes}); case {status}; audit log {ok}, {n} events").format(
        steps=summary.steps, outcomes=", ".join(f"{status_word(k)} {v}" for k, v in sorted(summary.outcomes.items())),
        status=status_word(detail["status"]), ok=_("intact") if verification.ok else _("BROKEN"), n=verification.events))
    return run
