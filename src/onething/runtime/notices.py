"""The window's notices (受理通知书, 一次性补正告知书, 不予受理告知书), as HTML and text.

Templates live in ``forms/notices/`` beside the other forms (Jinja2, autoescaped for HTML,
plain for text). A small loader of the runtime's own finds them until the forms issue's
shared Jinja environment (``onething.render``) lands; switching is one function
(:func:`_environment`). Notices show personal data masked: they are printed and handed
over, and the case store keeps the values.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from onething.dsl.i18n import _
from onething.dsl.shipped import shipped_templates
from onething.runtime.errors import RuntimeProblem

KINDS = {"acceptance": "受理通知书", "supplement": "一次性补正告知书", "refusal": "不予受理告知书"}


def templates_dir() -> Path:
    """``forms/notices`` of the shipped templates (the checkout's or the installed copy)."""
    try:
        return shipped_templates() / "notices"
    except FileNotFoundError:
        return Path(__file__).resolve().parents[3] / "forms" / "notices"


@cache
def _environment(folder: Path) -> tuple[Any, Any]:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    loader = FileSystemLoader(str(folder))
    html = Environment(loader=loader, autoescape=select_autoescape(["html", "html.j2"], default=True),
                       undefined=StrictUndefined, keep_trailing_newline=True)
    text = Environment(loader=loader, autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)
    return html, text


def render_notice(kind: str, context: dict[str, Any]) -> tuple[str, str]:
    """(html, text) of one notice."""
    folder = templates_dir()
    if not (folder / f"{kind}.html.j2").is_file():
        raise RuntimeProblem(_("the notice templates are missing from {folder}").format(folder=folder),
                             _("reinstall onething: its templates (forms/notices/) are missing"))
    html_env, text_env = _environment(folder)
    data = {**context, "kind": kind, "title": KINDS[kind]}
    return (html_env.get_template(f"{kind}.html.j2").render(**data),
            text_env.get_template(f"{kind}.txt.j2").render(**data))


def write_notice(folder: Path, kind: str, context: dict[str, Any]) -> list[Path]:
    """Write ``<kind>.html`` and ``<kind>.txt`` into ``folder``; returns the paths."""
    html, text = render_notice(kind, context)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / f"{kind}.html", folder / f"{kind}.txt"]
        paths[0].write_text(html, encoding="utf-8")
        paths[1].write_text(text, encoding="utf-8")
    except OSError as error:
        raise RuntimeProblem(_("cannot write the notice into {folder}: {reason}").format(
            folder=folder, reason=error.strerror or error), _("give another folder with --notices")) from None
    return paths
