"""The manifest: the compiler's one output and the only contract with renderers and runtime.

These models define its JSON shape (published as docs/schema/manifest.schema.json).
Bump SCHEMA_VERSION on any incompatible change.
"""

import json
import math
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer
from pydantic_core import to_json

from onething.dsl.shared_schema import once

SCHEMA_VERSION = "2.0"
SITUATION = "situation"
"""The id of the form section that asks the bundle's questions (the applicant's situation)."""

Label = once(dict[str, str])  # its core schema generated once, not for each of ~25 fields
Answer = str | int | float | bool | None


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- issue 8 §2/§3 (items, metrics): facts that are null when unknown ----------------------


class _KeepNull(_Out):
    """An output whose ``nullable`` keys are written as ``null`` when unknown.

    Manifests are dumped with ``exclude_none`` (absent = not applicable); a fact the source
    does not give must still show, as null, so that a reader sees it is unknown.
    """

    nullable: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _keep_null(self, handler: SerializerFunctionWrapHandler):  # no annotation: keeps the schema
        data = handler(self)
        for key in self.nullable:
            data.setdefault(key, None)
        return data


class FeeOut(_KeepNull):
    """One fee line; amount and unit null when the source does not give them."""

    nullable: ClassVar[tuple[str, ...]] = ("amount", "unit")
    amount: str | None = Field(default=None, description="CNY as exact decimal text; \"0\" = free (stated)")
    unit: str | None = None
    condition: Label | None = None
    basis: str | None = None
    when: str | None = Field(default=None, description="what is left of the line's condition (issue 15); "
                             "absent = it applies")


class AppointmentOut(_Out):
    """An in-person appointment the one window cannot absorb: one trip of its own."""

    item: str
    kind: str
    name: Label
    place: Label | None = None
    note: Label | None = None
    when: str | None = Field(default=None, description="what is left of its condition (issue 15); "
                             "absent = it takes place; an undecided one is not counted in trips")


class RequirementOut(_Out):
    """How this item needs a material, where it says more than the material list."""

    material: str
    in_person: bool = Field(description="this department wants the original shown (e.g. the physical ID card)")
    note: Label | None = None
    when: str | None = None


class DroppedNeed(_Out):
    """A `needs:` naming an item that is not in this compile: dropped from the plan."""

    item: str
    needs: str
    reason: Literal["not_selected", "condition_false"]


class OnlineCoverage(_Out):
    """全程网办: items that can be handled fully online (the Artux plan targets ≥ 80%)."""

    items: int
    online: int = Field(description="handling_form includes online, no in-person material or appointment")
    unknown: int = Field(description="items whose handling_form is not given (counted as not online)")
    share: float = Field(description="online / items")


class CommitmentOut(_KeepNull):
    nullable: ClassVar[tuple[str, ...]] = ("consequence",)
    text: Label
    consequence: Label | None = Field(default=None, description="legal consequence of a false commitment")


# --- end issue 8 §2/§3 --------------------------------------------------------------------

# --- issue 15 (conditional facts) ---------------------------------------------------------


class Span(_Out):
    """What a figure can still become once the missing answers are given: min ≤ it ≤ max."""

    min: int
    max: int


class FigureRange(_Out):
    separate: Span
    bundled: Span


class LimitAlternativeOut(_KeepNull):
    """A time-limit alternative still possible under the answers, with what is left of its
    condition (absent: it holds whenever the ones before it do not)."""

    nullable: ClassVar[tuple[str, ...]] = (
        "statutory", "statutory_unit", "committed", "committed_unit", "committed_working_days")
    statutory: int | None = None
    statutory_unit: str | None = None
    committed: int | None = None
    committed_unit: str | None = None
    committed_working_days: int | None = None
    when: str | None = None


# --- end issue 15 -------------------------------------------------------------------------


# --- issue 8 §2 (bundle facts): provenance, the bundle's own facts, help at the window ----


class SourceOut(_Out):
    title: str | None = None
    number: str | None = None
    issuer: str | None = None
    date: str | None = None
    url: str | None = None
    origin: Literal["local", "national", "other_province"]


class PublishedFigureOut(_KeepNull):
    nullable: ClassVar[tuple[str, ...]] = ("before", "after")
    before: int | None
    after: int | None


class PublishedDaysOut(PublishedFigureOut):
    nullable: ClassVar[tuple[str, ...]] = ("before", "after", "unit")
    unit: str | None


class PublishedOut(_KeepNull):
    """The figures the bundle's owners announced; each null when not announced."""

    nullable: ClassVar[tuple[str, ...]] = ("steps", "materials", "days", "trips")
    steps: PublishedFigureOut | None
    materials: PublishedFigureOut | None
    days: PublishedDaysOut | None
    trips: PublishedFigureOut | None
    sources: list[SourceOut]


class AssistanceOut(_KeepNull):
    nullable: ClassVar[tuple[str, ...]] = ("free",)
    free: bool | None
    note: Label | None = None


class MaterialCompleteness(_Out):
    score: float = Field(description="share of the facts known over the materials the applicant brings")
    missing: dict[str, list[str]] = Field(
        description="material id → unknown facts (originals, copies, original) of a material to bring")


# --- end issue 8 §2 (bundle facts) ---------------------------------------------------------


class WindowOut(_Out):
    name: Label
    address: str | None = None
    hours: str | None = None
    phone: str | None = None
    online: str | None = None
    assistance: AssistanceOut | None = Field(default=None, description="帮办代办")
    hotline: str | None = None


class BundleInfo(_KeepNull):
    nullable: ClassVar[tuple[str, ...]] = ("code", "area", "batch", "published")
    id: str
    version: str
    title: Label
    description: Label | None = None
    legal_basis: str | None = None
    lead: str
    cooperating: list[str]
    departments: dict[str, Label] = Field(description="every department the bundle involves, id → name")
    window: WindowOut | None = None
    e_certificate_sharing: bool
    source: str = Field(description="bundle file, relative to the bundles folder")
    source_hash: str = Field(description="sha256 of the bundle file and the catalog entries it uses")
    # bundle facts (issue 8 §2): null = unknown
    code: str | None = Field(description="一件事编码")
    area: str | None = Field(description="the 国办发〔2022〕32号 area it serves (see docs/authoring.md)")
    batch: str | None = Field(description="the national batch it comes from")
    published: PublishedOut | None = Field(description="the savings announced for it")
    no_tolerance: Label | None = Field(default=None, description="why no material may be tolerated (容缺)")
    sources: list[SourceOut] = []


class ExcludedItem(_Out):
    id: str
    reason: Literal["not_selected", "condition_false"]


class Selection(_Out):
    items: list[str] = Field(description="items in the plan, in bundle order")
    optional_chosen: list[str]
    excluded: list[ExcludedItem]
    answers: dict[str, Answer] = Field(description="answers to the bundle's questions only; never field values")
    undecided: list[str] = Field(description="questions the conditions use that were not answered")


class OptionOut(_Out):
    value: str
    label: Label


class FormField(_Out):
    key: str
    label: Label
    type: str
    required: bool
    used_by: list[str]
    when: str | None = None
    help: Label | None = None
    options: list[OptionOut] | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: str | None = None
    maximum: str | None = None
    pattern: str | None = None
    repeat: dict[str, int | None] | None = None
    fields: list["FormField"] | None = None
    sensitive: bool = False


class Section(_Out):
    id: str
    title: Label
    fields: list[FormField]


class Form(_Out):
    sections: list[Section]


class ToleratedOut(_Out):
    supplement_days: int
    unit: str


class MaterialOut(_KeepNull):
    nullable: ClassVar[tuple[str, ...]] = ("originals", "copies", "original")
    id: str
    name: Label
    kind: str
    issued_by: str | None = None
    required_by: list[str]
    status: Literal["submit", "waived", "tolerated", "commitment"]
    reason: Literal["produced", "e_certificate", "generated"] | None = None
    waived_by: str | None = Field(default=None, description="producing item, issuing department, or combined_form")
    when: str | None = None
    in_person: bool = False
    originals: int | None = Field(description="the most originals any requirement asks; null when none says")
    copies: int | None = Field(description="the most copies any requirement asks; null when none says")
    original: Literal["kept", "returned"] | None = Field(
        description="kept when any requirement keeps the original; returned when every one hands it back; else null")
    tolerated: ToleratedOut | None = None
    commitment: CommitmentOut | None = None
    notes: Label | None = None
    sources: list[SourceOut] | None = None


class TimeLimitOut(_KeepNull):
    """Both limits, each with its own unit; null = not given (unknown)."""

    nullable: ClassVar[tuple[str, ...]] = (
        "statutory", "statutory_unit", "committed", "committed_unit", "committed_working_days")
    statutory: int | None = None
    statutory_unit: str | None = None
    committed: int | None = None
    committed_unit: str | None = None
    committed_working_days: int | None = Field(
        default=None, description="committed (else statutory) limit in working days; null = unknown "
        "(no limit, or none with a known unit)")
    alternatives: list[LimitAlternativeOut] | None = Field(
        default=None, description="issue 15: present when the answers do not decide which alternative "
        "applies (the limits above are then null): the ones still possible, in order; the first whose "
        "condition holds applies")


class SpecialProcedureOut(_Out):
    item: str
    name: Label
    days: int | None = None
    unit: str
    when: str | None = Field(default=None, description="what is left of its condition (issue 15); "
                             "absent = it takes place; an undecided one is not counted")


class StepInputs(_Out):
    fields: list[str]
    materials: list[str]
    upstream: dict[str, list[str]] = Field(description="direct predecessor → the materials it produces")
    requirements: list[RequirementOut] = Field(
        default=[], description="this item's requirements that are in person or carry a note")


class Step(_KeepNull):
    nullable: ClassVar[tuple[str, ...]] = ("fees", "nearby", "type")
    name: Label
    type: str | None = Field(description="事项类型; null when unknown")
    department: str
    partners: list[str]
    stage: int
    optional: bool
    when: str | None = None
    needs: list[str]
    inputs: StepInputs
    outputs: list[str]
    result: Label | None = None
    time_limit: TimeLimitOut
    special_procedures: list[SpecialProcedureOut]
    steps: list[str]
    visits: int | None = None
    fees: list[FeeOut] | None = Field(default=None, description="fee lines; null = unknown")
    nearby: list[str] | None = Field(
        default=None, description="就近办 levels (township, village); [] = city only; null = unknown")
    appointments: list[AppointmentOut] = []
    sources: list[SourceOut] | None = Field(default=None, description="documents the item's facts come from")


class Plan(_Out):
    stages: list[list[str]]
    steps: dict[str, Step]
    edges: list[tuple[str, str, str]] = Field(description="(from, to, why): why is `needs` or a material id")
    critical_path: list[str]
    committed_days: int
    unknown_limits: list[str] = Field(
        description="items with neither a committed nor a statutory limit known in days (a limit "
        "without a unit is not): counted as 0 days, so committed_days is a lower bound while this "
        "list is not empty"
    )
    converted_limits: list[str] = Field(
        default=[], description="items whose counted limit is in calendar days, converted at 5 working "
        "days per 7 calendar days (rounded up): an estimate")
    special_procedures: list[SpecialProcedureOut]
    appointments: list[AppointmentOut] = Field(
        default=[], description="in-person appointments the window cannot absorb; each is a trip")
    dropped_needs: list[DroppedNeed] = Field(
        default=[], description="`needs:` naming an item outside this compile, dropped from the plan")
    conditional_limits: list[str] = Field(
        default=[], description="issue 15: items whose time limit the answers do not decide (their "
        "`time_limit.alternatives`): counted as 0 days; metrics.days.range gives the span")


class Figure(_Out):
    separate: int
    bundled: int
    range: FigureRange | None = Field(
        default=None, description="issue 15: present when unanswered questions decide conditional facts "
        "(limits, special procedures, appointments) this figure counts: what each side can become; the "
        "figures above count only what is decided")


class Metrics(_Out):
    materials: Figure
    fields: Figure
    steps: Figure
    trips: Figure
    days: Figure
    special_procedure_days: int = Field(description="published separately, not counted in days")
    special_procedure_days_range: Span | None = Field(
        default=None, description="issue 15: the span when unanswered questions decide special procedures")
    online: OnlineCoverage
    tolerated_materials: int = Field(description="materials accepted missing at the window (容缺受理)")


class ItemCompleteness(_Out):
    score: float
    missing: list[str]


class Completeness(_Out):
    score: float = Field(description="share of standard elements filled over the bundle's items")
    items: dict[str, ItemCompleteness]
    materials: MaterialCompleteness


class DiagnosticOut(_Out):
    code: str
    severity: str
    location: dict[str, Any] | None = Field(default=None, description="file (relative to the bundle's folder), line, col")
    message: str
    hint: str | None = None
    related: list[str] | None = None
    suppressed: str | None = Field(default=None, description="the reason, when a reviewed suppression silences it")


class Manifest(_Out):
    schema_version: str
    bundle: BundleInfo
    selection: Selection
    form: Form
    materials: list[MaterialOut]
    plan: Plan
    metrics: Metrics
    completeness: Completeness
    diagnostics: list[DiagnosticOut]

    def to_json(self) -> str:
        return dumps(self.model_dump(mode="json", exclude_none=True))


def dumps(data: Any) -> str:
    """The one serialisation of manifests: sorted keys, UTF-8 text, trailing newline.

    The bytes are those of ``json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)``
    plus a newline. The standard library indents in pure Python, which dominates the time of
    a large compile, so the keys are put in order here and pydantic-core's serializer writes
    the text in one pass in Rust. Both print strings, integers and the shortest round-tripping
    form of a float alike; they differ only for floats written with an exponent (1e-05 / 1e-5)
    and for NaN/Infinity (and keys that are not text), which fall back to the standard library.
    """
    try:
        ordered = _ordered(data)
    except _Odd:
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return to_json(ordered, indent=2).decode("utf-8") + "\n"


class _Odd(Exception):
    """A value that pydantic-core would print otherwise than the standard library."""


_PLAIN = frozenset({str, int, bool, type(None)})  # printed alike by both: no copy, no call


def _ordered(v: Any) -> Any:
    """A copy of JSON data with every object's keys sorted, as ``sort_keys=True`` orders them."""
    t = type(v)
    if t is dict:
        try:
            keys = sorted(v)
        except TypeError:
            raise _Odd from None
        out = {}
        for k in keys:
            if type(k) is not str:
                raise _Odd
            x = v[k]
            out[k] = x if type(x) in _PLAIN else _ordered(x)
        return out
    if t is list or t is tuple:
        return [x if type(x) in _PLAIN else _ordered(x) for x in v]
    if t is float and (not math.isfinite(v) or "e" in repr(v)):
        raise _Odd
    return v
