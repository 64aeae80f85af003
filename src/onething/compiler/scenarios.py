"""Scenario tests for policy staff: given a selection and answers, expect what the compiler gives.

A scenario file has a top-level ``scenarios:`` list (see docs/scenarios.md). Each scenario
compiles its bundle with the given selection and answers, then compares only the keys
its ``expect`` names. ``onething test`` runs them; the pytest plugin collects them too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from onething.compiler import compile_bundle
from onething.compiler.manifest import Manifest
from onething.compiler.workspace import Workspace
from onething.dsl.answers import _coerce
from onething.dsl.diagnostics import Diagnostic, has_errors, make
from onething.dsl.discovery import BundleSource, display_path, file_kind
from onething.dsl.entries import Entry
from onething.dsl.loader import load_file
from onething.dsl.models.common import Ident, Strict, Text
from onething.dsl.source import Location, YMap
from onething.dsl.validation import pydantic_diagnostics

Answer = str | int | float | bool | None


class Given(Strict):
    select: list[Ident] | None = Field(default=None, description="optional items chosen; omit = all")
    answers: dict[str, Answer] = {}


class FigureExpect(Strict):
    separate: int | None = None
    bundled: int | None = None


class Expect(Strict):
    items: list[Ident] | None = Field(default=None, description="exact set of items in the plan")
    absent_items: list[Ident] | None = None
    submit: list[Ident] | None = Field(default=None, description="exact set of materials with status submit")
    waived: dict[str, Text] | None = Field(default=None, description="material → produced | e_certificate | generated")
    not_waived: list[Ident] | None = None
    tolerated: list[Ident] | None = None
    commitment: list[Ident] | None = None
    fields_present: list[str] | None = None
    fields_absent: list[str] | None = None
    stages: list[list[Ident]] | None = None
    committed_days: int | None = None
    metrics: dict[str, FigureExpect] | None = None


class Scenario(Strict):
    name: Text
    bundle: Ident
    given: Given = Given()
    expect: Expect


class ScenarioFile(Strict):
    scenarios: list[Scenario] = Field(min_length=1)


@dataclass
class Outcome:
    scenario: Scenario
    location: Location
    failures: list[str] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures and not self.errors


def _set_diff(label: str, want: list[str], got: list[str]) -> list[str]:
    w, g = set(want), set(got)
    if w == g:
        return []
    parts = []
    if w - g:
        parts.append(f"missing {sorted(w - g)}")
    if g - w:
        parts.append(f"unexpected {sorted(g - w)}")
    return [f"{label}: expected {sorted(w)}, got {sorted(g)} ({'; '.join(parts)})"]


def compare(expect: Expect, m: Manifest) -> list[str]:
    """Every difference between the expectation and the manifest, as readable lines."""
    out: list[str] = []
    by_status: dict[str, list[str]] = {}
    for mat in m.materials:
        by_status.setdefault(mat.status, []).append(mat.id)
    mats = {mat.id: mat for mat in m.materials}
    fields = {f.key for s in m.form.sections for f in s.fields}
    if expect.items is not None:
        out += _set_diff("items", expect.items, m.selection.items)
    for item in expect.absent_items or []:
        if item in m.selection.items:
            out.append(f"absent_items: {item!r} is in the plan")
    if expect.submit is not None:
        out += _set_diff("submit", expect.submit, by_status.get("submit", []))
    for mid, reason in (expect.waived or {}).items():
        mat = mats.get(mid)
        if mat is None:
            out.append(f"waived: {mid!r} is not in the material list")
        elif mat.status != "waived" or mat.reason != reason:
            got = f"{mat.status}" + (f" ({mat.reason} by {mat.waived_by})" if mat.reason else "")
            out.append(f"waived: {mid!r} expected waived ({reason}), got {got}")
    for mid in expect.not_waived or []:
        if mid in mats and mats[mid].status == "waived":
            out.append(f"not_waived: {mid!r} is waived ({mats[mid].reason})")
        elif mid not in mats:
            out.append(f"not_waived: {mid!r} is not in the material list")
    if expect.tolerated is not None:
        out += _set_diff("tolerated", expect.tolerated, by_status.get("tolerated", []))
    if expect.commitment is not None:
        out += _set_diff("commitment", expect.commitment, by_status.get("commitment", []))
    for key in expect.fields_present or []:
        if key not in fields:
            out.append(f"fields_present: {key!r} is not on the form")
    for key in expect.fields_absent or []:
        if key in fields:
            out.append(f"fields_absent: {key!r} is on the form")
    if expect.stages is not None and expect.stages != m.plan.stages:
        out.append(f"stages: expected {expect.stages}, got {m.plan.stages}")
    if expect.committed_days is not None and expect.committed_days != m.plan.committed_days:
        out.append(f"committed_days: expected {expect.committed_days}, got {m.plan.committed_days}")
    for name, fig in (expect.metrics or {}).items():
        got = getattr(m.metrics, name, None)
        if got is None or not hasattr(got, "separate"):
            out.append(f"metrics: unknown metric {name!r} (materials, fields, steps, trips, days)")
            continue
        for side in ("separate", "bundled"):
            want = getattr(fig, side)
            if want is not None and want != getattr(got, side):
                out.append(f"metrics.{name}.{side}: expected {want}, got {getattr(got, side)}")
    return out


@dataclass
class ScenarioRun:
    file: str
    outcomes: list[Outcome] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def load_scenarios(path: Path) -> tuple[list[tuple[Scenario, Entry[Scenario]]], list[Diagnostic]]:
    shown = display_path(path)
    loaded = load_file(path, shown)
    if loaded.data is None:
        return [], loaded.diagnostics
    data = loaded.data
    if not isinstance(data, YMap) or "scenarios" not in data:
        return [], loaded.diagnostics + [make("E107", "a scenario file starts with `scenarios:`",
                                              getattr(data, "loc", Location(shown)))]
    try:
        sf = ScenarioFile.model_validate(data)
    except ValidationError as exc:
        return [], loaded.diagnostics + pydantic_diagnostics(exc, ScenarioFile, data, shown)
    return [(s, Entry(s, shown, data["scenarios"][i])) for i, s in enumerate(sf.scenarios)], loaded.diagnostics


def bundles_dir_for(path: Path) -> Path:
    """Scenario files live in bundles/scenarios/: the bundles are one folder up."""
    return path.resolve().parent.parent


def run_scenario(ws: Workspace, scenario: Scenario, entry: Entry[Scenario], bundles: Path,
                 catalog: Path | None = None) -> Outcome:
    outcome = Outcome(scenario, entry.loc())
    bundle_path = bundles / f"{scenario.bundle}.yaml"
    if not bundle_path.is_file():
        outcome.errors.append(make("E204", f"scenario names bundle {scenario.bundle!r}, but {display_path(bundle_path)} does not exist",
                                   entry.loc("bundle"), "name a bundle id from bundles/"))
        return outcome
    loaded = ws.load_bundle(BundleSource(bundle_path, display_path(bundle_path), catalog or bundles / "catalog"))
    if loaded.resolved is None:
        outcome.errors.extend(d for d in loaded.diagnostics if d.is_error)
        return outcome
    rb = loaded.resolved
    answers: dict[str, Any] = {}
    for key, value in scenario.given.answers.items():
        if key not in rb.questions:
            outcome.errors.append(make("E504", f"answer {key!r} is not a question of bundle {scenario.bundle!r}",
                                       entry.loc("given", "answers", key), "questions: " + ", ".join(rb.questions)))
            continue
        # the same checks as `compile --answers`: an enum value must be an option, yes/no a boolean
        answers[key], problem = _coerce(rb.questions[key], value)
        if problem:
            outcome.errors.append(make("E504", problem, entry.loc("given", "answers", key),
                                       "see the bundle's questions"))
    if outcome.errors:
        return outcome
    result = compile_bundle(rb, bundle_path, scenario.given.select, answers)
    if result.manifest is None or has_errors(result.diagnostics):
        outcome.errors.extend(d for d in result.diagnostics if d.is_error)
        return outcome
    outcome.failures = compare(scenario.expect, result.manifest)
    return outcome


def find_scenario_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            candidates = sorted(p.rglob("*.yaml")) + sorted(p.rglob("*.yml"))
            files += [c for c in candidates if file_kind(c) == "scenarios"]
        else:
            files.append(p)
    return files


def run_file(ws: Workspace, path: Path, catalog: Path | None = None) -> ScenarioRun:
    run = ScenarioRun(display_path(path))
    scenarios, diags = load_scenarios(path)
    run.diagnostics = diags
    bundles = bundles_dir_for(path)
    for scenario, entry in scenarios:
        run.outcomes.append(run_scenario(ws, scenario, entry, bundles, catalog))
    return run


def render_outcome(o: Outcome) -> str:
    status = "PASS" if o.passed else "FAIL"
    lines = [f"{status} {o.location}: {o.scenario.bundle}: {o.scenario.name}"]
    for f in o.failures:
        lines.append(f"    {f}")
    for d in o.errors:
        lines.append("    " + d.render().replace("\n", "\n    "))
    return "\n".join(lines)
