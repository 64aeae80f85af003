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
from onething.compiler.resolve import ResolvedBundle
from onething.compiler.workspace import LoadedBundle, Workspace
from onething.dsl.answers import check_answers
from onething.dsl.diagnostics import Diagnostic, has_errors, make, sort_diagnostics
from onething.dsl.discovery import BundleSource, bundle_id, display_path, file_kind
from onething.dsl.entries import Entry
from onething.dsl.i18n import _
from onething.dsl.loader import load_file
from onething.dsl.models.common import Ident, Strict, Text
from onething.dsl.source import Location, YMap
from onething.dsl.validation import pydantic_diagnostics, suggest

Answer = str | int | float | bool | None


class Given(Strict):
    select: list[Ident] | None = Field(default=None, description="optional items chosen; omit = all")
    answers: dict[str, Answer] = {}


class SpanExpect(Strict):
    min: int
    max: int


class FigureRangeExpect(Strict):
    separate: SpanExpect | None = None
    bundled: SpanExpect | None = None


class FigureExpect(Strict):
    separate: int | None = None
    bundled: int | None = None
    range: FigureRangeExpect | None = Field(
        default=None, description="what the figure can become once the unanswered questions are (issue 15)")


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
    # --- issue 15 (conditional facts) ---
    limits: dict[str, int | None] | None = Field(
        default=None, description="item → its counted limit in working days (null: unknown or undecided)")
    conditional_limits: list[Ident] | None = Field(
        default=None, description="exact set of items whose limit the answers leave open")
    special_procedure_days: int | None = None
    special_procedure_days_range: SpanExpect | None = None
    appointments: dict[str, int] | None = Field(
        default=None, description="item → how many in-person appointments it has in the plan")


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
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures and not self.errors


def _set_diff(label: str, want: list[str], got: list[str]) -> list[str]:
    w, g = set(want), set(got)
    if w == g:
        return []
    parts = []
    if w - g:
        parts.append(_("missing {ids}").format(ids=sorted(w - g)))
    if g - w:
        parts.append(_("unexpected {ids}").format(ids=sorted(g - w)))
    return [_("{label}: expected {want}, got {got} ({details})").format(
        label=label, want=sorted(w), got=sorted(g), details="; ".join(parts))]


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
            out.append(_("absent_items: {item} is in the plan").format(item=repr(item)))
    if expect.submit is not None:
        out += _set_diff("submit", expect.submit, by_status.get("submit", []))
    for mid, reason in (expect.waived or {}).items():
        mat = mats.get(mid)
        if mat is None:
            out.append(_("waived: {mid} is not in the material list").format(mid=repr(mid)))
        elif mat.status != "waived" or mat.reason != reason:
            got = _("{status} ({reason} by {by})").format(status=mat.status, reason=mat.reason, by=mat.waived_by) \
                if mat.reason else mat.status
            out.append(_("waived: {mid} expected waived ({reason}), got {got}").format(mid=repr(mid), reason=reason, got=got))
    for mid in expect.not_waived or []:
        if mid in mats and mats[mid].status == "waived":
            out.append(_("not_waived: {mid} is waived ({reason})").format(mid=repr(mid), reason=mats[mid].reason))
        elif mid not in mats:
            out.append(_("not_waived: {mid} is not in the material list").format(mid=repr(mid)))
    if expect.tolerated is not None:
        out += _set_diff("tolerated", expect.tolerated, by_status.get("tolerated", []))
    if expect.commitment is not None:
        out += _set_diff("commitment", expect.commitment, by_status.get("commitment", []))
    for key in expect.fields_present or []:
        if key not in fields:
            out.append(_("fields_present: {key} is not on the form").format(key=repr(key)))
    for key in expect.fields_absent or []:
        if key in fields:
            out.append(_("fields_absent: {key} is on the form").format(key=repr(key)))
    if expect.stages is not None and expect.stages != m.plan.stages:
        out.append(_("stages: expected {want}, got {got}").format(want=expect.stages, got=m.plan.stages))
    if expect.committed_days is not None and expect.committed_days != m.plan.committed_days:
        out.append(_("committed_days: expected {want}, got {got}").format(
                want=expect.committed_days, got=m.plan.committed_days))
    for name, fig in (expect.metrics or {}).items():
        got = getattr(m.metrics, name, None)
        if got is None or not hasattr(got, "separate"):
            continue  # reported before compiling (E209, check_scenario)
        for side in ("separate", "bundled"):
            want = getattr(fig, side)
            if want is not None and want != getattr(got, side):
                out.append(_("metrics.{name}.{side}: expected {want}, got {got}").format(
                    name=name, side=side, want=want, got=getattr(got, side)))
            want_span = getattr(fig.range, side) if fig.range else None
            if want_span is not None:
                got_span = getattr(got.range, side) if got.range else None
                out += _span_diff(f"metrics.{name}.range.{side}", want_span, got_span)
    return out + _compare_conditional(expect, m)


def _span_text(span: Any) -> str:
    return "none (decided)" if span is None else f"{span.min}–{span.max}"


def _span_diff(label: str, want: SpanExpect, got: Any) -> list[str]:
    if got is not None and (got.min, got.max) == (want.min, want.max):
        return []
    return [f"{label}: expected {_span_text(want)}, got {_span_text(got)}"]


def _compare_conditional(expect: Expect, m: Manifest) -> list[str]:
    """The expectations of issue 15: limits by situation, special procedures, appointments."""
    out: list[str] = []
    for item, want in (expect.limits or {}).items():
        step = m.plan.steps.get(item)
        if step is None:
            out.append(f"limits: {item!r} is not in the plan")
        elif step.time_limit.committed_working_days != want:
            out.append(f"limits: {item!r} expected {want}, got {step.time_limit.committed_working_days}")
    if expect.conditional_limits is not None:
        out += _set_diff("conditional_limits", expect.conditional_limits, m.plan.conditional_limits)
    got_days = m.metrics.special_procedure_days
    if expect.special_procedure_days is not None and expect.special_procedure_days != got_days:
        out.append(f"special_procedure_days: expected {expect.special_procedure_days}, got {got_days}")
    if expect.special_procedure_days_range is not None:
        out += _span_diff("special_procedure_days_range", expect.special_procedure_days_range,
                          m.metrics.special_procedure_days_range)
    for item, want in (expect.appointments or {}).items():
        got = sum(1 for a in m.plan.appointments if a.item == item)
        if got != want:
            out.append(f"appointments: {item!r} expected {want}, got {got}")
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
        return [], loaded.diagnostics + [make("E107", _("a scenario file starts with `scenarios:`"),
                                              getattr(data, "loc", Location(shown)))]
    try:
        sf = ScenarioFile.model_validate(data)
    except ValidationError as exc:
        return [], loaded.diagnostics + pydantic_diagnostics(exc, ScenarioFile, data, shown)
    return [(s, Entry(s, shown, data["scenarios"][i])) for i, s in enumerate(sf.scenarios)], loaded.diagnostics


def bundles_dir_for(path: Path) -> Path:
    """Scenario files live in bundles/scenarios/: the bundles are one folder up."""
    return path.resolve().parent.parent


class BundleIndex:
    """The bundle files of one folder by their `bundle:` id (read cheaply, without YAML)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.by_id: dict[str, Path] = {}
        self._loaded: dict[tuple[Path, Path], LoadedBundle] = {}
        for p in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
            if p.is_file() and file_kind(p) == "bundle":
                ident = bundle_id(p)
                if ident is not None:
                    self.by_id.setdefault(ident, p)

    def load(self, ws: Workspace, path: Path, catalog: Path | None) -> LoadedBundle:
        """Each bundle once per index: a file's scenarios share it (compiling never changes it)."""
        key = (path, catalog or self.folder / "catalog")
        if key not in self._loaded:
            self._loaded[key] = ws.load_bundle(BundleSource(path, display_path(path), key[1]))
        return self._loaded[key]

    def find(self, scenario: Scenario, entry: Entry[Scenario]) -> tuple[Path | None, list[Diagnostic]]:
        """The bundle a scenario names by id; a file name still works, with W608 saying what to write."""
        name = scenario.bundle
        if name in self.by_id:
            return self.by_id[name], []
        for ext in (".yaml", ".yml"):
            by_file = self.folder / f"{name}{ext}"
            real = bundle_id(by_file) if by_file.is_file() else None
            if real is not None:
                return by_file, [make("W608", _("scenario names bundle {name!r} by its file name; its id is {real!r}").format(
                    name=name, real=real), entry.loc("bundle"), _("write `bundle: {real}`").format(real=real))]
        guess = suggest(name, list(self.by_id))
        hint = _("did you mean {guess!r}?").format(guess=guess) if guess else _("bundle ids here: {ids}").format(
            ids=", ".join(sorted(self.by_id)) or "-")
        return None, [make("E210", _("scenario names bundle {name!r}, but no bundle in {folder} has that id").format(
            name=name, folder=display_path(self.folder)), entry.loc("bundle"), hint)]


def _ids(code_what: str, wanted: list[tuple[str, Location]], known: Any, out: list[Diagnostic]) -> None:
    for ident, loc in wanted:
        if ident not in known:
            guess = suggest(ident, list(known))
            out.append(make("E209", _("expectation names unknown {what} {ident!r}").format(what=code_what, ident=ident),
                            loc, _("did you mean {guess!r}?").format(guess=guess) if guess
                            else _("no {what} of that id in the bundle or catalog").format(what=code_what)))


METRICS = ("materials", "fields", "steps", "trips", "days")


def check_scenario(scenario: Scenario, entry: Entry[Scenario], rb: ResolvedBundle) -> tuple[dict[str, Any], list[Diagnostic]]:
    """The scenario's answers, and every name in it that the bundle does not have (no compile needed).

    Answers are checked like `compile --answers` (E208, E504); the selection like `--select`
    (E503), at the scenario's own line; every id an expectation names must exist (E209), or
    the expectation would pass (an absent id is always absent) or fail for the wrong reason.
    """
    diags: list[Diagnostic] = []
    given_node = entry.node.get("given") if isinstance(entry.node, YMap) else None
    raw = given_node.get("answers") if isinstance(given_node, YMap) else None
    answers: dict[str, Any] = {}
    if isinstance(raw, YMap):
        answers, problems = check_answers(raw, rb.questions, rb.field_keys(), rb.bundle.bundle)
        diags += problems
    optional = [ri.id for ri in rb.items if ri.optional]
    for i, c in enumerate(scenario.given.select or []):
        if c in optional:
            continue
        what = (_("which is not optional (it is always included)") if c in rb.item_map
                else _("which is not an item of bundle {bundle!r}").format(bundle=rb.bundle.bundle))
        guess = suggest(c, optional)
        diags.append(make("E503", _("select names {item!r}, {what}").format(item=c, what=what),
                          entry.loc("given", "select", i),
                          _("did you mean {guess!r}?").format(guess=guess) if guess and c not in rb.item_map
                          else _("optional items: {items}").format(items=", ".join(optional) or "-")))
    e = scenario.expect
    items = set(rb.item_map) | set(rb.catalog.items)

    def listed(key: str, values: list[str] | None) -> list[tuple[str, Location]]:
        return [(v, entry.loc("expect", key, i)) for i, v in enumerate(values or [])]

    _ids(_("item"), listed("items", e.items) + listed("absent_items", e.absent_items)
         + [(v, entry.loc("expect", "stages", i, j)) for i, st in enumerate(e.stages or []) for j, v in enumerate(st)]
         + listed("conditional_limits", e.conditional_limits)
         + [(k, entry.loc("expect", key, k, key=True)) for key in ("limits", "appointments")
            for k in getattr(e, key) or {}],
         items, diags)
    _ids(_("material"), listed("submit", e.submit) + listed("not_waived", e.not_waived)
         + listed("tolerated", e.tolerated) + listed("commitment", e.commitment)
         + [(k, entry.loc("expect", "waived", k, key=True)) for k in e.waived or {}], rb.materials, diags)
    _ids(_("field"), listed("fields_present", e.fields_present) + listed("fields_absent", e.fields_absent),
         rb.fields, diags)
    _ids(_("metric"), [(k, entry.loc("expect", "metrics", k, key=True)) for k in e.metrics or {}], METRICS, diags)
    return answers, sort_diagnostics(diags)


def _prepare(ws: Workspace, scenario: Scenario, entry: Entry[Scenario], index: BundleIndex,
             catalog: Path | None, outcome: Outcome) -> tuple[Path, ResolvedBundle, dict[str, Any]] | None:
    """Find, load and check the scenario's bundle; None (with outcome.errors) when it cannot run."""
    bundle_path, found = index.find(scenario, entry)
    outcome.errors += [d for d in found if d.is_error]
    outcome.warnings += [d for d in found if not d.is_error]
    if bundle_path is None:
        return None
    loaded = index.load(ws, bundle_path, catalog)
    if loaded.resolved is None:
        outcome.errors.extend(d for d in loaded.diagnostics if d.is_error)
        return None
    answers, problems = check_scenario(scenario, entry, loaded.resolved)
    outcome.errors += [d for d in problems if d.is_error]
    outcome.warnings += [d for d in problems if not d.is_error]
    if outcome.errors:
        return None
    return bundle_path, loaded.resolved, answers


def run_scenario(ws: Workspace, scenario: Scenario, entry: Entry[Scenario], bundles: Path,
                 catalog: Path | None = None, index: BundleIndex | None = None) -> Outcome:
    outcome = Outcome(scenario, entry.loc())
    ready = _prepare(ws, scenario, entry, index or BundleIndex(bundles), catalog, outcome)
    if ready is None:
        return outcome
    bundle_path, rb, answers = ready
    result = compile_bundle(rb, bundle_path, scenario.given.select, answers)
    if result.manifest is None or has_errors(result.diagnostics):
        outcome.errors.extend(d for d in result.diagnostics if d.is_error)
        return outcome
    outcome.failures = compare(scenario.expect, result.manifest)
    return outcome


def check_file(ws: Workspace, path: Path, catalog: Path | None = None) -> list[Diagnostic]:
    """What `validate` reports for a scenario file: its shape and every name in it, without compiling."""
    scenarios, diags = load_scenarios(path)
    index = BundleIndex(bundles_dir_for(path))
    for scenario, entry in scenarios:
        outcome = Outcome(scenario, entry.loc())
        _prepare(ws, scenario, entry, index, catalog, outcome)
        diags += outcome.errors + outcome.warnings
    return diags


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
    index = BundleIndex(bundles)
    for scenario, entry in scenarios:
        run.outcomes.append(run_scenario(ws, scenario, entry, bundles, catalog, index))
    return run


def render_outcome(o: Outcome) -> str:
    status = _("PASS") if o.passed else _("FAIL")
    lines = [f"{status} {o.location}: {o.scenario.bundle}: {o.scenario.name}"]
    for f in o.failures:
        lines.append(f"    {f}")
    for d in o.errors + o.warnings:
        lines.append("    " + d.render().replace("\n", "\n    "))
    return "\n".join(lines)
