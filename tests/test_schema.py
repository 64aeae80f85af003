"""The committed JSON Schemas match the models, and they accept what the DSL accepts.

When a model changes, regenerate the files (the failure message says how):

    onething schema bundle > docs/schema/bundle.schema.json
    onething schema catalog > docs/schema/catalog.schema.json
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from onething.cli.main import main

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / "docs" / "schema"
GOOD = Path(__file__).resolve().parent / "fixtures" / "good"


def schema_output(kind: str) -> str:
    result = CliRunner().invoke(main, ["schema", kind])
    assert result.exit_code == 0, result.output
    return result.output


def load_schema(kind: str) -> dict:
    return json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind", ["bundle", "catalog"])
def test_committed_schema_is_up_to_date(kind: str) -> None:
    committed = (SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert committed == schema_output(kind), (
        f"docs/schema/{kind}.schema.json is stale: run `onething schema {kind} > docs/schema/{kind}.schema.json`"
    )


@pytest.mark.parametrize("kind", ["bundle", "catalog"])
def test_schema_is_a_valid_draft_2020_12_schema(kind: str) -> None:
    schema = load_schema(kind)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def _xfail_without_shorthand() -> None:
    """Known bug, outside the DSL layer: the schema lacks the `- material_id` shorthand.

    `fields:` and `materials:` entries of an item may be written as a bare key/id
    (dsl/models/catalog.py `_ref_shorthand`, a BeforeValidator), but the generated schema only
    shows the mapping form, so editors flag every `- id_card`. The fix is in the models
    (`BeforeValidator(convert, json_schema_input_type=FieldKey | _FieldUse)`, and likewise
    for materials) followed by regenerating docs/schema/. Once the schema accepts the
    shorthand this marker disappears by itself and the tests below run normally.
    """
    probe = {"bundle": "x", "version": "1", "title": {"zh": "x"}, "lead": "x",
             "items": [{"use": "x", "materials": ["id_card"], "fields": ["child.name"]}]}
    if not jsonschema.Draft202012Validator(load_schema("bundle")).is_valid(probe):
        pytest.xfail("docs/schema/bundle.schema.json rejects the `- id` shorthand of fields/materials "
                     "(dsl/models/catalog.py _ref_shorthand has no json_schema_input_type)")


def test_birth_bundle_validates_against_the_bundle_schema() -> None:
    birth = REPO / "bundles" / "birth.yaml"
    if not birth.exists():
        pytest.skip("bundles/birth.yaml does not exist yet (it is being written)")
    _xfail_without_shorthand()
    jsonschema.validate(yaml.safe_load(birth.read_text(encoding="utf-8")), load_schema("bundle"))


def test_good_fixture_validates_against_the_schemas() -> None:
    _xfail_without_shorthand()
    jsonschema.validate(yaml.safe_load((GOOD / "birth_demo.yaml").read_text(encoding="utf-8")),
                        load_schema("bundle"))
    catalog_schema = load_schema("catalog")
    for path in sorted((GOOD / "catalog").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), catalog_schema)


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("version", 2023.10),  # what `version: 2023.10` becomes for every other YAML tool
        ("title", {"en": "no zh"}),
        ("unknown_key", 1),
        ("lead", "Not_An_Id"),
        ("items", []),
    ],
)
def test_the_schema_refuses_what_onething_refuses(change: str, value: object) -> None:
    data = yaml.safe_load((GOOD / "birth_demo.yaml").read_text(encoding="utf-8"))
    data[change] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, load_schema("bundle"))
