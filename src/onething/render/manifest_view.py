"""Read-only lookups over a manifest (plain JSON data) that every renderer needs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

Field = Mapping[str, Any]
SITUATION = "situation"


def sections(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(manifest["form"]["sections"])


def questions(manifest: Mapping[str, Any]) -> dict[str, Field]:
    """The situation questions (the form's first section), by key."""
    return {f["key"]: f for s in sections(manifest) if s["id"] == SITUATION for f in s["fields"]}


def fields(manifest: Mapping[str, Any]) -> dict[str, Field]:
    """Every top-level field of the form (questions included), by key, in form order."""
    return {f["key"]: f for s in sections(manifest) for f in s["fields"]}


def walk(manifest: Mapping[str, Any]) -> Iterator[Field]:
    """Every field, group members after their group."""
    for field in fields(manifest).values():
        yield field
        yield from field.get("fields") or []


def department(manifest: Mapping[str, Any], dept: str) -> dict[str, str]:
    return manifest["bundle"]["departments"].get(dept) or {"zh": dept, "en": dept}


def material_index(manifest: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {m["id"]: m for m in manifest["materials"]}


def item_name(manifest: Mapping[str, Any], item: str) -> dict[str, str]:
    """An item's name; the bundle's own id (what the bundle itself requires) names the bundle."""
    step = manifest["plan"]["steps"].get(item)
    if step:
        return dict(step["name"])
    if item == manifest["bundle"]["id"]:
        return dict(manifest["bundle"]["title"])
    return {"zh": item, "en": item}
