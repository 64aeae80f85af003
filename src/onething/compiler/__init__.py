"""Typed source → manifest: resolve, selection, form merge, materials and waivers, the plan,
metrics, the manifest models and the build state.

The pipeline's entry is :func:`compile_bundle`. It is imported lazily so that modules such as
``onething.compiler.buildstate`` (used by an up-to-date ``compile -o``) load without
pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from onething.compiler import CompileResult, compile_bundle

__all__ = ["CompileResult", "compile_bundle"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from onething.compiler import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'onething.compiler' has no attribute {name!r}")
