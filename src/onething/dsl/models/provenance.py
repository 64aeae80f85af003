"""Provenance (出处): the documents a bundle, an item or a material was written from.

A fact without a source cannot be checked by the next reader; `onething report` shows, per
bundle, the share of items that name one. Whether a document is this region's own, a national
one or another province's matters: another province's guide is evidence of typical practice,
not of what this region's window asks.
"""

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from onething.dsl.models.common import Strict, Text, _as_written

SourceOrigin = Literal["local", "national", "other_province"]

SourceDate = Annotated[
    str,
    Field(pattern=r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$", description="YYYY, YYYY-MM or YYYY-MM-DD (quoted)"),
    BeforeValidator(_as_written),
]
Url = Annotated[
    str,
    Field(pattern=r"^https?://\S+$", description="an http(s) address"),
    BeforeValidator(_as_written),
]


class Source(Strict):
    """One document a fact was taken from."""

    title: Text | None = Field(default=None, description="the document's title as published")
    number: Text | None = Field(default=None, description="文号, e.g. 阿政发〔2023〕6号")
    issuer: Text | None = Field(default=None, description="发文机关")
    date: SourceDate | None = Field(default=None, description="成文或发布日期")
    url: Url | None = None
    origin: SourceOrigin = Field(
        description="local: this region's own document (自治区、自治州、本市); national: the State "
        "Council's or a ministry's; other_province: another province's (evidence of practice only)"
    )

    @model_validator(mode="after")
    def _named(self) -> "Source":
        if not self.title and not self.number:
            raise PydanticCustomError("source_unnamed", "a source needs its `title` or its `number` (文号), or both")
        return self
