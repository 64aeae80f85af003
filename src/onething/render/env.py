"""The one Jinja2 environment: autoescape on, undefined names are errors, templates from files only.

Templates come from ``forms/`` (the repository's folder in a checkout, ``share/onething/forms``
in an installed package) with an optional override folder first: a service centre copies a
template, edits it, and passes ``--templates DIR``. No template is ever built from data
(labels, answers, catalog text), so ``{{ 7*7 }}`` in a label stays text.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from onething.dsl.shipped import shipped_templates


def default_templates() -> Path:
    """The shipped templates: the checkout's ``forms/`` or the installed data folder."""
    return shipped_templates()


def _autoescape(name: str | None) -> bool:
    # HTML and Markdown escape (Markdown renders raw HTML); plain text has nothing to escape.
    return not (name or "").endswith((".txt.j2", ".txt"))


def _json_attr(value: Any) -> str:
    """Compact JSON for a data attribute (autoescape then quotes it for the attribute)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _md(value: Any) -> Markup:
    """Text for a Markdown cell or line: HTML-escaped, Markdown punctuation neutralised."""
    from markupsafe import escape

    text = str(escape(str(value)))
    for ch in "\\`*_[]|#":
        text = text.replace(ch, "\\" + ch)
    return Markup(text.replace("\n", " "))


@lru_cache(maxsize=8)
def environment(override: str | None = None) -> Environment:
    loaders = [FileSystemLoader(override)] if override else []
    loaders.append(FileSystemLoader(str(default_templates())))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["json_attr"] = _json_attr
    env.filters["md"] = _md
    return env


def render(template: str, context: dict[str, Any], templates: Path | None = None) -> str:
    env = environment(str(templates) if templates else None)
    return env.get_template(template).render(**context)
