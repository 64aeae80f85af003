"""The typed source: pydantic models of catalog files, bundles and their parts."""

from onething.dsl.models.bundle import Bundle, BundleItem, Question, Window
from onething.dsl.models.bundle_facts import AREAS, BATCHES, BundleRequirements, Published
from onething.dsl.models.catalog import (
    CatalogFile,
    Department,
    FieldDef,
    FieldUse,
    ItemDef,
    MaterialDef,
    MaterialUse,
)
from onething.dsl.models.common import Label, Suppression
from onething.dsl.models.provenance import Source

__all__ = [
    "AREAS",
    "BATCHES",
    "Bundle",
    "BundleRequirements",
    "BundleItem",
    "CatalogFile",
    "Department",
    "FieldDef",
    "FieldUse",
    "ItemDef",
    "Label",
    "MaterialDef",
    "MaterialUse",
    "Published",
    "Question",
    "Source",
    "Suppression",
    "Window",
]
