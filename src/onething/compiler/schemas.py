"""JSON Schemas of the files onething reads and writes, from the pydantic models."""

from __future__ import annotations

import json
from typing import Any

from onething.dsl.models.bundle import Bundle
from onething.dsl.models.catalog import CatalogFile

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _model(kind: str) -> Any:
    if kind == "manifest":
        from onething.compiler.manifest import Manifest

        return Manifest
    if kind == "scenarios":
        from onething.compiler.scenarios import ScenarioFile

        return ScenarioFile
    return {"bundle": Bundle, "catalog": CatalogFile}[kind]


def schema_of(kind: str) -> dict[str, Any]:
    model = _model(kind)
    schema = model.model_json_schema(mode="validation" if kind != "manifest" else "serialization")
    return {"$schema": SCHEMA_DIALECT, "$id": f"https://onething.dev/schema/{kind}.schema.json", **schema}


def schema_text(kind: str) -> str:
    return json.dumps(schema_of(kind), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
