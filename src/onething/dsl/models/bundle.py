"""Bundle models: one life or business event's package of items (一件事)."""

from typing import Literal

from pydantic import ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from onething.dsl.models.bundle_facts import (
    Area,
    Assistance,
    Batch,
    BundleRequirements,
    NoTolerance,
    Published,
)
from onething.dsl.models.catalog import FieldDef, ItemBody, MaterialDef, Option
from onething.dsl.models.common import Condition, Ident, Label, Strict, Suppression, Text
from onething.dsl.models.provenance import Source

QuestionType = Literal["boolean", "enum", "integer", "string"]


class Question(Strict):
    """A question about the applicant's situation (情形); conditions use its key."""

    key: Ident
    label: Label
    type: QuestionType = "boolean"
    options: list[Option] | None = None
    help: Label | None = None

    @model_validator(mode="after")
    def _shape(self) -> "Question":
        if self.type == "enum" and not self.options:
            raise PydanticCustomError("enum_options", "an enum question needs options")
        if self.type != "enum" and self.options:
            raise PydanticCustomError("options_not_enum", "options are only for enum questions")
        return self


class Window(Strict):
    """Where the one window (一窗受理) is and how to reach it."""

    name: Label
    address: Text | None = None
    hours: Text | None = None
    phone: Text | None = None
    online: Text | None = None
    # --- help at the window (issue 8 §2) ---
    assistance: Assistance | None = Field(default=None, description="帮办代办")
    hotline: Text | None = Field(default=None, description="the 12345 service hotline, or the number to call")


class BundleItem(ItemBody):
    """An item of a bundle: a catalog item (``use``) with overrides, or an inline item (``id``)."""

    model_config = ConfigDict(defer_build=False)

    use: Ident | None = Field(default=None, description="catalog item id")
    id: Ident | None = Field(default=None, description="id of an inline item (no `use`)")
    optional: bool = Field(default=False, description="the applicant chooses it (联办事项)")
    when: Condition | None = None
    needs: list[Ident] = Field(default=[], description="items of this bundle that must finish first")

    @model_validator(mode="after")
    def _use_or_id(self) -> "BundleItem":
        if (self.use is None) == (self.id is None):
            raise PydanticCustomError(
                "use_or_id", "an item needs either `use:` (a catalog item) or `id:` (an inline item)"
            )
        return self

    @property
    def item_id(self) -> str:
        return self.use or self.id or ""


class Bundle(Strict):
    """A bundle file: its top-level ``bundle:`` key is the bundle id."""

    bundle: Ident
    version: Text
    title: Label
    description: Label | None = None
    legal_basis: Text | None = None
    lead: Ident
    cooperating: list[Ident] = []
    window: Window | None = None
    e_certificate_sharing: bool = True
    questions: list[Question] = []
    items: list[BundleItem] = Field(min_length=1)
    fields: list[FieldDef] = Field(default=[], description="fields only this bundle uses")
    materials: list[MaterialDef] = Field(default=[], description="materials only this bundle uses")
    suppress: list[Suppression] = []
    # --- facts about the bundle itself (issue 8 §2); absent = unknown ---
    code: Text | None = Field(default=None, description="一件事编码; unknown when absent")
    area: Area | None = Field(default=None, description="the 国办发〔2022〕32号 area it serves")
    batch: Batch | None = Field(default=None, description="the national batch it comes from")
    published: Published | None = None
    no_tolerance: NoTolerance | None = Field(default=None, description="no material may be tolerated (容缺), and why")
    requires: BundleRequirements | None = Field(default=None, description="what the bundle itself asks")
    sources: list[Source] = Field(default=[], description="documents the bundle is written from")

