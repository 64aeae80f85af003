"""shared_schema.once(T): the same validation and JSON Schema as T, its core schema made once."""

from __future__ import annotations

import json
from typing import Annotated, Any, get_args

import pytest
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from onething.dsl.shared_schema import once


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _not_x(value: dict[str, str]) -> dict[str, str]:
    if "x" in value:
        raise ValueError("no x")
    return value


Word = Annotated[str, Field(pattern=r"^[a-z]+$", max_length=8, description="a word"), BeforeValidator(_strip)]
Names = Annotated[dict[str, Word], AfterValidator(_not_x), Field(description="names", json_schema_extra={"minProperties": 1})]


def _models(word: Any, names: Any) -> type[BaseModel]:
    class Outer(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)

        word: word
        maybe: word | None = None
        described: word | None = Field(default=None, description="its own description")
        words: list[word] = []
        names: names
        more: names | None = None

    return Outer


PLAIN = _models(Word, Names)
SHARED = _models(once(Word), once(Names))


def _schema(cls: type[BaseModel]) -> str:
    return json.dumps(cls.model_json_schema(), sort_keys=True)


def test_the_json_schema_is_that_of_the_type_itself():
    assert _schema(SHARED) == _schema(PLAIN)
    assert '"a word"' in _schema(SHARED) and '"its own description"' in _schema(SHARED)


@pytest.mark.parametrize("data", [
    {"word": " abc ", "names": {"zh": "ok"}, "words": ["a", " b"], "maybe": "c"},
    {"word": "ABC", "names": {"zh": "ok"}},
    {"word": "abcdefghij", "names": {"x": "a"}, "more": {"zh": "1"}},
    {"word": 3, "names": [], "maybe": "no way", "described": "UP"},
])
def test_validation_is_that_of_the_type_itself(data):
    def outcome(cls: type[BaseModel]) -> Any:
        try:
            return cls.model_validate(data).model_dump()
        except ValidationError as exc:
            return [(e["loc"], e["type"], e["msg"]) for e in exc.errors()]

    assert outcome(SHARED) == outcome(PLAIN)


def test_the_schema_is_made_once_and_each_field_gets_its_own_copy():
    marker = get_args(once(Word))[1]
    calls = []

    class Counting:
        def __init__(self, inner):
            self.inner = inner

        def __get_pydantic_core_schema__(self, source, handler):
            calls.append(source)
            return self.inner.__get_pydantic_core_schema__(source, handler)

    shared = Annotated[str, Counting(marker)]

    class Two(BaseModel):
        a: shared
        b: shared
        c: list[shared]

    assert len(calls) == 3 and marker.schema is not None
    fields = Two.__pydantic_core_schema__["schema"]["fields"]
    assert fields["a"]["schema"] == fields["b"]["schema"]
    assert fields["a"]["schema"] is not fields["b"]["schema"]
    assert Two(a="x", b=" y ", c=[" z"]).model_dump() == {"a": "x", "b": "y", "c": ["z"]}
