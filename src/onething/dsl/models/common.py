"""Building blocks shared by catalog and bundle models."""

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from onething.dsl.limits import MAX_ID_LENGTH
from onething.dsl.shared_schema import once
from onething.dsl.source import Unquoted


class Strict(BaseModel):
    """Base model: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _as_written(value: Any) -> Any:
    if isinstance(value, Unquoted):
        raise PydanticCustomError(
            "unquoted_code",
            "{value} is written without quotes; other YAML tools read it as a number or boolean",
            {"value": str(value)},
        )
    return value


Text = once(Annotated[str, BeforeValidator(_as_written)])
"""Free text or a code. Must be quoted when it looks like a number or boolean."""

_IDENT = r"^[a-z][a-z0-9_]*$"
# Constraints stand before the validator so that the JSON Schema keeps them. Each shared type's
# core schema is generated once (shared_schema.once), not once per field.
Ident = once(Annotated[
    str,
    Field(pattern=_IDENT, max_length=MAX_ID_LENGTH, description="lower_snake_case identifier"),
    BeforeValidator(_as_written),
])
FieldKey = once(Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$",
        max_length=MAX_ID_LENGTH,
        description="dotted field key from the shared dictionary, e.g. mother.id_number",
    ),
    BeforeValidator(_as_written),
])
Code = once(Annotated[str, Field(pattern=r"^[EW][0-9]{3}$", description="diagnostic code, e.g. W602")])

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


Label = once(Annotated[
    dict[str, Text],
    AfterValidator(_check_label),
    Field(
        description="Text by language code: zh required, en expected, others (ug, ky …) allowed",
        json_schema_extra={"required": ["zh"], "propertyNames": {"pattern": _LANG.pattern}},
    ),
])

Condition = once(Annotated[
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
