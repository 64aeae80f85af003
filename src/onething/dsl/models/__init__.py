"""The typed source: pydantic models of catalog files, bundles and their parts."""

from onething.dsl.models.bundle import Bundle, BundleItem, Question, Window
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

__all__ = [
    "Bundle",
    "BundleItem",
    "CatalogFile",
    "Department",
    "FieldDef",
    "FieldUse",
    "ItemDef",
    "Label",
    "MaterialDef",
    "MaterialUse",
    "Question",
    "Suppression",
    "Window",
]
