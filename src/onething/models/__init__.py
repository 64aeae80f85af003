"""The typed source: pydantic models of catalog files, bundles and their parts."""

from onething.models.bundle import Bundle, BundleItem, Question, Window
from onething.models.catalog import (
    CatalogFile,
    Department,
    FieldDef,
    FieldUse,
    ItemDef,
    MaterialDef,
    MaterialUse,
)
from onething.models.common import Label, Suppression

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
