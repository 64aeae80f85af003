"""The catalog's models share their sets of given fields (issue #14's province memory) safely."""

from __future__ import annotations

from pathlib import Path

from onething.dsl.catalog import load_catalog

SHIPPED = Path(__file__).resolve().parent.parent / "bundles" / "catalog"


def test_models_with_the_same_given_fields_share_one_set() -> None:
    catalog = load_catalog(SHIPPED, "catalog")
    uses = [fu for e in catalog.items.values() for fu in e.model.fields or []]
    plain = [fu for fu in uses if fu.model_fields_set == {"key"}]
    assert len(plain) > 10
    assert len({id(fu.__pydantic_fields_set__) for fu in plain}) == 1


def test_a_copy_with_changes_does_not_change_the_shared_set() -> None:
    catalog = load_catalog(SHIPPED, "catalog")
    uses = [fu for e in catalog.items.values() for fu in e.model.fields or []
            if fu.model_fields_set == {"key"}]
    first, other = uses[0], uses[1]
    changed = first.model_copy(update={"required": False})
    assert "required" in changed.model_fields_set
    assert first.model_fields_set == other.model_fields_set == {"key"}
