"""Facts about a bundle itself: its code, the national area or batch it serves, the figures
published for it, and what it asks at the window beyond its items (issue 8 §2).

Every key is optional and absent means unknown: the manifest carries ``null`` and the report
shows a dash, never a plausible stand-in.
"""

from typing import Annotated, Literal, get_args

from pydantic import Field

from onething.dsl.models.catalog import DayUnit, FieldUse, MaterialUse
from onething.dsl.models.common import Label, Strict
from onething.dsl.models.provenance import Source

# 国办发〔2022〕32号: 7 areas for enterprises and 11 for individuals, in the document's order.
# id → (中文, English, sector)
AREAS: dict[str, tuple[str, str, str]] = {
    "enterprise_startup": ("开办", "Starting a business", "enterprise"),
    "construction_project": ("工程建设", "Construction projects", "enterprise"),
    "production_operation": ("生产经营", "Production and operation", "enterprise"),
    "policy_benefits": ("惠企政策兑现", "Delivering enterprise support policies", "enterprise"),
    "employee_hiring": ("员工录用", "Hiring employees", "enterprise"),
    "real_estate_registration": ("不动产登记", "Real-estate registration", "enterprise"),
    "enterprise_deregistration": ("注销", "Deregistration", "enterprise"),
    "newborn": ("新生儿出生", "Newborn birth", "person"),
    "school_entry": ("入园入学", "Kindergarten and school entry", "person"),
    "graduation": ("大中专学生毕业", "Graduation from college or vocational school", "person"),
    "employment": ("就业", "Employment", "person"),
    "medical_care": ("就医", "Medical care", "person"),
    "marriage_childbearing": ("婚育", "Marriage and childbearing", "person"),
    "disability_assistance": ("扶残助困", "Help for disabled and needy people", "person"),
    "military_discharge": ("军人退役", "Military discharge", "person"),
    "resale_housing_utilities": ("二手房交易及水电气联动过户", "Resale home and utility transfer", "person"),
    "retirement": ("退休", "Retirement", "person"),
    "after_death": ("身后", "After a death", "person"),
}
Area = Literal[
    "enterprise_startup", "construction_project", "production_operation", "policy_benefits",
    "employee_hiring", "real_estate_registration", "enterprise_deregistration",
    "newborn", "school_entry", "graduation", "employment", "medical_care", "marriage_childbearing",
    "disability_assistance", "military_discharge", "resale_housing_utilities", "retirement", "after_death",
]
assert list(get_args(Area)) == list(AREAS)

# The national lists of "高效办成一件事" that followed: batch id → (document or name, English)
BATCHES: dict[str, tuple[str, str]] = {
    "2024-1": ("国发〔2024〕3号 第一批", "2024, first batch (Guofa [2024] No. 3)"),
    "2024-2": ("国办函〔2024〕53号 第二批", "2024, second batch (Guobanhan [2024] No. 53)"),
    "2025-1": ("2025年第一批", "2025, first batch"),
    "2025-2": ("2025年第二批", "2025, second batch"),
}
Batch = Literal["2024-1", "2024-2", "2025-1", "2025-2"]
assert list(get_args(Batch)) == list(BATCHES)

Count = Annotated[int, Field(ge=0)]


class PublishedFigure(Strict):
    """One figure as announced: before the bundle → with it. Either side may be unknown."""

    before: Count | None = None
    after: Count | None = None


class PublishedDays(PublishedFigure):
    """Days as announced; the unit as announced too (unknown when the announcement omits it)."""

    unit: DayUnit | None = None


class Published(Strict):
    """The savings the bundle's owners announced (减环节、减材料、减时限、减跑动), as announced."""

    steps: PublishedFigure | None = None
    materials: PublishedFigure | None = None
    days: PublishedDays | None = None
    trips: PublishedFigure | None = None
    sources: list[Source] = Field(default=[], description="where the figures were announced")


class NoTolerance(Strict):
    """The bundle accepts no material missing (不适用容缺受理), and why."""

    reason: Label


class Assistance(Strict):
    """The 帮办代办 service: staff who help the applicant fill in and submit."""

    free: bool | None = Field(default=None, description="免费 (free of charge); unknown when absent")
    note: Label | None = Field(default=None, description="where and how to ask for it")


class BundleRequirements(Strict):
    """What the bundle itself asks at the one window, beyond its items' needs.

    E.g. the bundle's own application form (一件事申请表) or a power of attorney for the whole
    bundle. They join the combined form and the material list with the bundle as `required_by`.
    """

    fields: list[FieldUse] = Field(default=[], description="fields the bundle's own form asks")
    materials: list[MaterialUse] = Field(default=[], description="materials the bundle itself needs")
