"""Building blocks shared by catalog and bundle models."""

import re
from typing import Annotated, Any, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import CoreSchema, PydanticCustomError

from onething.dsl.limits import MAX_ID_LENGTH
from onething.dsl.source import Unquoted


class Strict(BaseModel):
    """Base model: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _BuiltOnce:
    """Pydantic generates an annotated type's core schema anew for every field that uses it
    (~400 fields here, in every process that builds the models); this generates the schema of
    one annotated type once, as pydantic would where it stands inside another type, and gives
    every field a copy. Validation and the JSON Schema are the same: every `Field()` part then
    belongs to the type's schema, which is where the field's JSON Schema takes it from.
    Only for types without models in them (no definitions, no references)."""

    __slots__ = ("annotated", "schema")

    def __init__(self, annotated: Any) -> None:
        self.annotated = annotated
        self.schema: CoreSchema | None = None

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        if self.schema is None:
            self.schema = handler.generate_schema(self.annotated)
        return _fresh(self.schema)  # pydantic may add to a schema it is given


def _fresh(value: Any) -> Any:
    """A copy of a core schema's dicts and lists (its functions and texts shared): cheaper
    than copy.deepcopy, which visits every leaf."""
    if type(value) is dict:
        return {k: _fresh(v) for k, v in value.items()}
    if type(value) is list:
        return [_fresh(v) for v in value]
    return value


def _once(annotated: Any) -> Any:
    """`annotated`, its core schema generated once for all its uses (see `_BuiltOnce`)."""
    return Annotated[get_args(annotated)[0], _BuiltOnce(annotated)]


def _as_written(value: Any) -> Any:
    if isinstance(value, Unquoted):
        raise PydanticCustomError(
            "unquoted_code",
            "{value} is written without quotes; other YAML tools read it as a number or boolean",
            {"value": str(value)},
        )
    return value


Text = _once(Annotated[str, BeforeValidator(_as_written)])
"""Free text or a code. Must be quoted when it looks like a number or boolean."""

_IDENT = r"^[a-z][a-z0-9_]*$"
# Constraints stand before the validator so that the JSON Schema keeps them.
Ident = _once(Annotated[
    str,
    Field(pattern=_IDENT, max_length=MAX_ID_LENGTH, description="lower_snake_case identifier"),
    BeforeValidator(_as_written),
])
FieldKey = _once(Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$",
        max_length=MAX_ID_LENGTH,
        description="dotted field key from the shared dictionary, e.g. mother.id_number",
    ),
    BeforeValidator(_as_written),
])
Code = _once(Annotated[str, Field(pattern=r"^[EW][0-9]{3}$", description="diagnostic code, e.g. W602")])

_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


_COMMON_LANGS = frozenset(("zh", "en"))  # nearly every label's keys: no pattern match needed


def _check_label(value: dict[str, str]) -> dict[str, str]:
    if not value.get("zh", "").strip():
        raise PydanticCustomError("missing_zh", "a label needs a non-empty zh (Chinese) text")
    for lang in value:
        if lang not in _COMMON_LANGS and not _LANG.match(lang):
            raise PydanticCustomError(
                "bad_language", "{lang} is not a language code like zh, en, ug or ky", {"lang": lang}
            )
    return value


Label = _once(Annotated[
    dict[str, Text],
    AfterValidator(_check_label),
    Field(
        description="Text by language code: zh required, en expected, others (ug, ky …) allowed",
        json_schema_extra={"required": ["zh"], "propertyNames": {"pattern": _LANG.pattern}},
    ),
])

Condition = _once(Annotated[
    str,
    Field(
        min_length=1,
        description=(
            "A condition over the bundle's question keys: comparisons (== != < <= > >=), "
            "in / not in, and / or / not, literals. Example: "
            "\"parents_married and ethnicity_choice == 'mother'\""
        ),
    ),
    BeforeValidator(_as_written),
])


class Suppression(Strict):
    """A reviewed lint silenced where it stands, with the reason it was accepted."""

    code: Code
    reason: Annotated[str, Field(min_length=3)]
