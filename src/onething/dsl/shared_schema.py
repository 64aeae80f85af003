"""One core schema for a type that many model fields share.

Pydantic generates the core schema of a field's type anew for every field, even when the type
is the same object (``Label``, ``Ident``, ``Text`` … stand in ~400 fields of the DSL models and
~60 of the manifest's); every process that builds the models pays for it. ``once(T)`` is ``T``
with its schema generated at its first use and copied for the others. Validation and the JSON
Schema stay those of ``T``: each ``Field()`` part of an annotated ``T`` then belongs to the
type's schema — as when ``T`` stands inside another type — which is where a field's JSON Schema
takes it from (tests compare docs/schema/*.json byte for byte).

Only for types without models in them: their schemas hold no definitions or references.
"""

from typing import Annotated, Any, get_args, get_origin

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema


class _BuiltOnce:
    __slots__ = ("tp", "schema")

    def __init__(self, tp: Any) -> None:
        self.tp = tp
        self.schema: CoreSchema | None = None

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        if self.schema is None:
            self.schema = handler.generate_schema(self.tp)
        return _fresh(self.schema)  # pydantic may add to a schema it is given


def _fresh(value: Any) -> Any:
    """A copy of a core schema's dicts and lists (its functions and texts shared): cheaper
    than copy.deepcopy, which visits every leaf."""
    if type(value) is dict:
        return {k: _fresh(v) for k, v in value.items()}
    if type(value) is list:
        return [_fresh(v) for v in value]
    return value


def once(tp: Any) -> Any:
    """``tp`` (a type, or an ``Annotated`` one), its core schema generated once for all its uses."""
    base = get_args(tp)[0] if get_origin(tp) is Annotated else tp
    return Annotated[base, _BuiltOnce(tp)]
