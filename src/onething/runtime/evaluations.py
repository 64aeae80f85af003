"""好差评 aggregated: per bundle and per department, from the evaluations of delivered cases.

A department is credited with a case's evaluation when it carried out one of the case's
steps (done or rejected): the applicant judges the whole bundle, and each department that
worked on it shares the verdict.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import Connection, select

from onething.dsl.i18n import _
from onething.runtime.store.tables import cases, evaluations, steps


def _row(key: str, name: str, ratings: list[int]) -> dict[str, Any]:
    counts = {str(r): ratings.count(r) for r in range(1, 6)}
    return {key: name, "evaluations": len(ratings), "mean": round(sum(ratings) / len(ratings), 2),
            "poor": counts["1"] + counts["2"], "ratings": counts}


def evaluation_summary(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    by_case = {r.case_id: (r.bundle_id, r.rating) for r in conn.execute(
        select(evaluations.c.case_id, evaluations.c.rating, cases.c.bundle_id)
        .join(cases, cases.c.id == evaluations.c.case_id))}
    bundles: dict[str, list[int]] = {}
    departments: dict[str, list[int]] = {}
    for bundle, rating in by_case.values():
        bundles.setdefault(bundle, []).append(rating)
    if by_case:
        seen = set(conn.execute(select(steps.c.case_id, steps.c.department).where(
            steps.c.case_id.in_(list(by_case)), steps.c.status.in_(("done", "rejected")))).all())
        for case_id, department in sorted(seen):
            departments.setdefault(department, []).append(by_case[case_id][1])
    return {"bundles": [_row("bundle", b, r) for b, r in sorted(bundles.items())],
            "departments": [_row("department", d, r) for d, r in sorted(departments.items())]}


def summary_text(summary: dict[str, list[dict[str, Any]]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["scope", "id", "evaluations", "mean", "poor", "1", "2", "3", "4", "5"])
        for scope in ("bundles", "departments"):
            key = scope[:-1]
            for r in summary[scope]:
                writer.writerow([key, r[key], r["evaluations"], r["mean"], r["poor"],
                                 *(r["ratings"][str(i)] for i in range(1, 6))])
        return out.getvalue()
    lines = []
    for scope in ("bundles", "departments"):
        key = scope[:-1]
        lines += ["| " + key + " | " + _("evaluations | mean | poor (1–2)") + " | 1 | 2 | 3 | 4 | 5 |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| {r[key]} | {r['evaluations']} | {r['mean']} | {r['poor']} | "
                  + " | ".join(str(r["ratings"][str(i)]) for i in range(1, 6)) + " |" for r in summary[scope]]
        lines.append("")
    return "\n".join(lines)
