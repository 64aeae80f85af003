"""docs/schema/manifest.schema.json: in sync with the models, and every compiled manifest fits it.

Pipelines validate manifests against the committed schema (docs/compiling.md), so it must
say exactly what the compiler writes. When a manifest model changes, regenerate it:

    onething schema manifest > docs/schema/manifest.schema.json
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from onething.cli.main import main
from onething.compiler.manifest import SCHEMA_VERSION, DiagnosticOut, Manifest, dumps

REPO = Path(__file__).resolve().parent.parent
SCHEMA_FILE = REPO / "docs" / "schema" / "manifest.schema.json"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "compile"
GOLDEN = Path(__file__).resolve().parent / "golden"


def _cli(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _assert_valid(validator: jsonschema.Draft202012Validator, manifest: dict, what: str) -> None:
    errors = sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path))
    assert not errors, f"{what}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:200]}" for e in errors[:5])


def test_committed_manifest_schema_is_up_to_date():
    result = _cli("schema", "manifest")
    assert result.exit_code == 0, result.output
    assert SCHEMA_FILE.read_text(encoding="utf-8") == result.output, (
        "docs/schema/manifest.schema.json is stale: run "
        "`onething schema manifest > docs/schema/manifest.schema.json`")


def test_schema_describes_the_manifest_model(validator):
    schema = validator.schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://onething.dev/schema/manifest.schema.json"
    assert sorted(schema["required"]) == sorted(Manifest.model_fields)
    assert schema["additionalProperties"] is False


def test_every_bundle_manifest_validates(validator, tmp_path):
    bundles = REPO / "bundles"
    if not any(bundles.glob("*.yaml")):
        pytest.skip("no bundles yet")
    result = _cli("compile", bundles, "-o", tmp_path)
    assert result.exit_code == 0, result.stderr
    written = sorted(tmp_path.glob("*.json"))
    assert written
    for path in written:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        assert manifest["schema_version"] == SCHEMA_VERSION
        _assert_valid(validator, manifest, path.name)


@pytest.mark.parametrize("case", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_fixture_manifests_validate(validator, case):
    """The compile fixtures exercise lints, suppressions, producers and special procedures."""
    for bundle in sorted((FIXTURES / case).glob("*.yaml")):
        result = _cli("compile", bundle)
        if result.exit_code != 0:
            continue  # a fixture of an error (a cycle): no manifest to check
        _assert_valid(validator, json.loads(result.stdout), f"{case}/{bundle.name}")


@pytest.mark.parametrize("answers", sorted(GOLDEN.glob("*.answers.yaml")), ids=lambda p: p.name)
def test_manifests_compiled_with_answers_validate(validator, answers):
    bundle = REPO / "tests" / "fixtures" / "project" / "bundles" / (answers.name.split(".")[0] + ".yaml")
    if not bundle.exists():
        pytest.skip(f"{bundle} does not exist")
    result = _cli("compile", bundle, "--answers", answers)
    assert result.exit_code == 0, result.stderr
    _assert_valid(validator, json.loads(result.stdout), answers.name)


def test_several_bundles_on_stdout_are_an_object_of_manifests(validator):
    bundles = sorted((REPO / "bundles").glob("*.yaml"))[:2]
    if len(bundles) < 2:
        pytest.skip("fewer than two bundles")
    result = _cli("compile", *bundles)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data) == 2
    for bid, manifest in data.items():
        assert manifest["bundle"]["id"] == bid
        _assert_valid(validator, manifest, bid)


def test_a_diagnostic_without_a_location_still_fits(validator):
    """Manifests are dumped without None values, so `location` must not be required."""
    manifest = json.loads(_cli("compile", REPO / "bundles" / "birth.yaml").stdout) if (
        REPO / "bundles" / "birth.yaml").exists() else None
    if manifest is None:
        pytest.skip("bundles/birth.yaml does not exist")
    bare = DiagnosticOut(code="W604", severity="warning", location=None, message="m")
    manifest["diagnostics"] = [bare.model_dump(mode="json", exclude_none=True)]
    assert "location" not in manifest["diagnostics"][0]
    _assert_valid(validator, manifest, "diagnostic without location")


# ---------------------------------------------------------------- the one serialisation

_json_leaves = (st.none() | st.booleans() | st.integers() | st.text()
                | st.floats(allow_nan=True, allow_infinity=True)
                | st.sampled_from([1e-05, 1e16, -0.0, 0.1, 1.5e300]))
_json_data = st.recursive(
    _json_leaves,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(_json_data)
def test_dumps_is_the_standard_librarys_sorted_indented_json(data):
    """Rust-written text (with the Python fallback) is byte for byte json.dumps(sort_keys=True)."""
    assert dumps(data) == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def test_dumps_falls_back_for_keys_that_are_not_text():
    data = {"b": {2: "x", 1: "y"}, "a": [1.0, {"z": None}]}
    assert dumps(data) == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
