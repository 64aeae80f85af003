"""Catalog models: the shared dictionaries that bundles build on (同源管理)."""

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from onething.dsl.limits import MAX_DAYS
from onething.dsl.models.common import (
    Condition,
    FieldKey,
    Ident,
    Label,
    Strict,
    Suppression,
    Text,
)
from onething.dsl.models.provenance import Source

# Exact decimals (money); the schema is spelled out so it does not change with pydantic's version.
Number = Annotated[
    Decimal,
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}]}),
]
DepartmentKind = Literal["government", "institution", "enterprise", "other"]
FieldType = Literal[
    "string",
    "text",
    "integer",
    "decimal",
    "date",
    "datetime",
    "boolean",
    "enum",
    "phone",
    "id_number",
    "uscc",
    "address",
    "email",
    "group",
]
MaterialKind = Literal["certificate", "id_document", "proof", "form", "photo", "contract", "other"]
ItemType = Literal["行政许可", "行政确认", "行政给付", "行政裁决", "行政奖励", "行政备案", "公共服务", "其他"]
DayUnit = Literal["working_days", "calendar_days"]
OriginalHandling = Literal["kept", "returned"]
HandlingForm = Literal["window", "online", "mail", "home", "self_service"]
ServiceObject = Literal["natural_person", "legal_person"]


class Department(Strict):
    """A body that carries out items (实施主体) or cooperates in them."""

    id: Ident
    name: Label
    kind: DepartmentKind = "government"
    phone: Text | None = None


class Option(Strict):
    value: Text
    label: Label


class Repeat(Strict):
    min: Annotated[int, Field(ge=0)] = 0
    max: Annotated[int, Field(ge=1)] | None = None


class FieldDef(Strict):
    """One entry of the shared field dictionary (数据元)."""

    key: FieldKey
    label: Label
    type: FieldType
    help: Label | None = None
    options: list[Option] | None = None
    min_length: Annotated[int, Field(ge=0)] | None = None
    max_length: Annotated[int, Field(ge=1)] | None = None
    minimum: Number | None = None
    maximum: Number | None = None
    pattern: Text | None = None
    fields: list[FieldKey] | None = Field(default=None, description="members of a group")
    repeat: Repeat | None = None
    sensitive: bool = False
    section: Ident | None = Field(
        default=None, description="form section; defaults to the key's first part"
    )

    @model_validator(mode="after")
    def _shape(self) -> "FieldDef":
        if self.type == "enum" and not self.options:
            raise PydanticCustomError("enum_options", "an enum field needs options")
        if self.type == "group" and not self.fields:
            raise PydanticCustomError("group_fields", "a group field needs its member fields")
        if self.type != "enum" and self.options:
            raise PydanticCustomError("options_not_enum", "options are only for enum fields")
        return self

    @property
    def subject(self) -> str:
        return self.section or self.key.split(".", 1)[0]


class Tolerated(Strict):
    """容缺受理: may be missing at acceptance, supplied within the deadline."""

    supplement_days: Annotated[int, Field(ge=1, le=MAX_DAYS)]
    unit: DayUnit = "working_days"


class Commitment(Strict):
    """告知承诺: the applicant signs this commitment instead of bringing the proof."""

    text: Label
    consequence: Label | None = Field(
        default=None, description="the legal consequence of a false commitment (虚假承诺的法律责任)"
    )


class MaterialDef(Strict):
    """A document an applicant hands over or a certificate an item produces."""

    id: Ident
    name: Label
    kind: MaterialKind = "other"
    issued_by: Ident | None = Field(
        default=None,
        description="department id of the issuer, or 'applicant' / 'third_party'",
    )
    e_certificate: bool = False
    # --- unknown is not a default (issue 8 §2): absent = unknown, null in the manifest ---
    originals: Annotated[int, Field(ge=0)] | None = Field(default=None, description="originals to show; unknown when absent")
    copies: Annotated[int, Field(ge=0)] | None = Field(default=None, description="copies to hand over; unknown when absent")
    original: OriginalHandling | None = Field(
        default=None, description="kept: the department keeps the original (收取原件); returned: shown and handed back (核验后退回)"
    )
    generated: bool | None = Field(
        default=None,
        description="only for kind form: false = the applicant signs this form separately, it is not printed "
        "from the combined form; absent = generated (一表申请)",
    )
    sources: list[Source] | None = None
    # ---
    notes: Label | None = None

    @model_validator(mode="after")
    def _facts(self) -> "MaterialDef":
        if self.generated is not None and self.kind != "form":
            raise PydanticCustomError(
                "generated_not_form",
                "`generated` is only for forms (kind: form): only a form is printed from the combined form",
            )
        _original_needs_originals(self.originals, self.original)
        return self


def _original_needs_originals(originals: int | None, original: str | None) -> None:
    if originals == 0 and original is not None:
        raise PydanticCustomError(
            "original_without_originals",
            "`original: {original}` says what happens to the original, but `originals: 0` brings none",
            {"original": original},
        )


def _ref_shorthand(key: str, model: Any, short: Any) -> BeforeValidator:
    """`- id_card` is short for `- {ref: id_card}`; the schema admits both forms."""

    def convert(value: Any) -> Any:
        return {key: value} if isinstance(value, str) else value

    return BeforeValidator(convert, json_schema_input_type=short | model)


class _FieldUse(Strict):
    """A field an item asks, optionally conditional or optional."""

    key: FieldKey
    required: bool = True
    when: Condition | None = None


class _MaterialUse(Strict):
    """A material an item needs, with how it is needed."""

    ref: Ident
    when: Condition | None = None
    in_person: bool = Field(
        default=False, description="must be shown at the window even if an e-certificate exists"
    )
    tolerated: Tolerated | None = None
    commitment: Commitment | None = None
    originals: Annotated[int, Field(ge=0)] | None = None
    copies: Annotated[int, Field(ge=0)] | None = None
    original: OriginalHandling | None = Field(default=None, description="overrides the material's `original`")
    note: Label | None = None
    suppress: list[Suppression] = []

    @model_validator(mode="after")
    def _one_way(self) -> "_MaterialUse":
        if self.tolerated and self.commitment:
            raise PydanticCustomError(
                "tolerated_and_commitment",
                "a material is either tolerated (容缺) or replaced by a commitment (告知承诺), not both",
            )
        _original_needs_originals(self.originals, self.original)
        return self


FieldUse = Annotated[_FieldUse, _ref_shorthand("key", _FieldUse, FieldKey)]
MaterialUse = Annotated[_MaterialUse, _ref_shorthand("ref", _MaterialUse, Ident)]


class TimeLimit(Strict):
    """法定 / 承诺办结时限, each limit with its own unit; 0 = 即办 (on the spot).

    A limit without a unit is unknown in days (no unit stands in for the source's silence):
    ``unit:`` (the older form) gives both limits one unit, ``statutory_unit:`` /
    ``committed_unit:`` give each its own.
    """

    statutory: Annotated[int, Field(ge=0, le=MAX_DAYS)] | None = None
    statutory_unit: DayUnit | None = Field(default=None, description="unit of the statutory limit")
    committed: Annotated[int, Field(ge=0, le=MAX_DAYS)] | None = None
    committed_unit: DayUnit | None = Field(default=None, description="unit of the committed limit")
    unit: DayUnit | None = Field(default=None, description="unit of both limits (older form)")
    note: Label | None = None
    # --- issue 15 (conditional facts) ---
    when: Condition | None = Field(
        default=None, description="the situation this alternative applies in; the first alternative "
        "whose condition holds applies (none = always)")

    @model_validator(mode="after")
    def _one_unit_each(self) -> "TimeLimit":
        for own in ("statutory_unit", "committed_unit"):
            mine = getattr(self, own)
            if self.unit is not None and mine is not None and mine != self.unit:
                raise PydanticCustomError(
                    "unit_twice",
                    "{own} ({mine}) contradicts unit ({unit}); keep one of them",
                    {"own": own, "mine": mine, "unit": self.unit},
                )
        return self

    def unit_of(self, which: Literal["statutory", "committed"]) -> DayUnit | None:
        """The unit of one limit: its own, else the shared ``unit``; None = unknown."""
        own = self.statutory_unit if which == "statutory" else self.committed_unit
        return own if own is not None else self.unit


def _limit_alternatives(value: Any) -> Any:
    """`time_limit: {committed: 1, …}` (one limit, the older form) is short for a list of one."""
    return [value] if isinstance(value, dict) else value


TimeLimits = Annotated[
    list[TimeLimit],
    Field(min_length=1),
    BeforeValidator(
        _limit_alternatives,
        json_schema_input_type=TimeLimit | Annotated[list[TimeLimit], Field(min_length=1)],
    ),
]
"""One limit, or alternatives by situation (issue 15): the first whose `when:` holds applies."""


class SpecialProcedure(Strict):
    """特别程序 (inspection, publicity, card making, mailing …): not counted in bundle days."""

    name: Label
    days: Annotated[int, Field(ge=0, le=MAX_DAYS)] | None = None
    unit: DayUnit = "working_days"
    when: Condition | None = Field(default=None, description="only in this situation (issue 15)")


# --- issue 8 §2 (items): fee lines, 就近办, in-person appointments -------------------------

FeeUnit = Literal[
    "per_case", "per_certificate", "per_extra_certificate", "per_person", "per_copy",
    "per_square_metre", "per_year",
]
NearbyLevel = Literal["township", "village"]
AppointmentKind = Literal["assessment", "inspection", "interview", "biometrics", "signing", "other"]


class Fee(Strict):
    """One fee line (收费): what is charged, per what, when, on which basis. Absent = unknown."""

    amount: Number | None = Field(default=None, description="CNY; 0 = free (stated); absent = unknown")
    unit: FeeUnit | None = Field(default=None, description="what the amount is charged per")
    condition: Label | None = Field(default=None, description="when this line applies, in words")
    basis: Text | None = Field(default=None, description="收费依据")
    when: Condition | None = Field(default=None, description="the situation this line applies in, evaluated (issue 15)")


def _fee_lines(value: Any) -> Any:
    """`fee: {amount: 0}` (one line, the older form) is short for `fee: [{amount: 0}]`."""
    return [value] if isinstance(value, dict) else value


FeeLines = Annotated[
    list[Fee],
    Field(min_length=1),
    BeforeValidator(_fee_lines, json_schema_input_type=Fee | Annotated[list[Fee], Field(min_length=1)]),
]


class Appointment(Strict):
    """An in-person appointment the one window cannot absorb (评残 at a designated hospital,
    a site inspection the applicant attends): a trip of its own, whatever the bundle does."""

    kind: AppointmentKind
    name: Label
    place: Label | None = Field(default=None, description="where, e.g. the designated hospital")
    note: Label | None = None
    when: Condition | None = Field(default=None, description="only in this situation (issue 15)")


# --- end issue 8 §2 (items) -------------------------------------------------------------


class Result(Strict):
    name: Label
    sample: Text | None = None


class ItemBody(Strict):
    """The standard elements of an implementation list (实施清单); all optional here."""

    # never validated itself, only through ItemDef and BundleItem: building its validator
    # at import would be start-up time spent for nothing (its subclasses build their own)
    model_config = ConfigDict(defer_build=True)

    code: Text | None = Field(default=None, description="事项编码; empty when unknown")
    name: Label | None = None
    type: ItemType | None = None
    department: Ident | None = None
    partners: list[Ident] | None = None
    legal_basis: Text | None = None
    service_object: list[ServiceObject] | None = None
    acceptance_conditions: Label | None = None
    time_limit: TimeLimits | None = Field(
        default=None, description="one limit, or alternatives by situation: the first whose `when:` holds applies")
    special_procedures: list[SpecialProcedure] | None = None
    steps: list[Text] | None = None
    visits: Annotated[int, Field(ge=0)] | None = None
    fee: FeeLines | None = Field(default=None, description="fee lines (收费); absent = unknown")
    nearby: list[NearbyLevel] | None = Field(
        default=None,
        description="就近办: levels below the city that accept it (township = 乡镇(街道) 便民服务中心, "
        "village = 村(社区) 便民服务站); [] = the city only; absent = unknown",
    )
    appointments: list[Appointment] | None = Field(
        default=None, description="in-person appointments the one window cannot absorb"
    )
    result: Result | None = None
    handling_form: list[HandlingForm] | None = None
    review_standard: Text | None = None
    scope: Text | None = Field(default=None, description="通办范围")
    fields: list[FieldUse] | None = None
    materials: list[MaterialUse] | None = None
    produces: list[Ident] | None = None
    suppress: list[Suppression] | None = None
    # --- provenance (issue 8 §2) ---
    sources: list[Source] | None = Field(default=None, description="documents the item's facts come from")


class ItemDef(ItemBody):
    """A service item (事项) as the catalog defines it; its `type` may be unknown (absent)."""

    model_config = ConfigDict(defer_build=False)

    id: Ident
    name: Label
    department: Ident


class SectionDef(Strict):
    """A section of the combined form; fields join it by the first part of their key."""

    id: Ident
    title: Label
    order: Annotated[int, Field(ge=0, description="sections sort by order, then id")] = 500


class CatalogFile(Strict):
    """One catalog file; it may hold any of the five dictionaries."""

    # used for its JSON Schema only (entries are validated one by one): built when asked
    model_config = ConfigDict(defer_build=True)

    departments: list[Department] = []
    sections: list[SectionDef] = []
    fields: list[FieldDef] = []
    materials: list[MaterialDef] = []
    items: list[ItemDef] = []
