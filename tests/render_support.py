"""Helpers shared by the renderer tests (tests/test_render_*.py); not a test module."""

from __future__ import annotations

import json
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from onething.cli.main import main
from onething.compiler import compile_bundle
from onething.compiler.workspace import Workspace
from onething.dsl.discovery import BundleSource, display_path

ROOT = Path(__file__).resolve().parent.parent
RENDER = Path(__file__).resolve().parent / "fixtures" / "render"
UG = RENDER / "ug_demo.yaml"
SHIPPED = sorted(p for p in (ROOT / "bundles").glob("*.yaml"))


def run(*args: str) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def compile_path(path: Path, select: list[str] | None = None, answers: dict[str, Any] | None = None,
                 catalog: Path | None = None, ws: Workspace | None = None) -> dict[str, Any]:
    loaded = (ws or Workspace()).load_bundle(BundleSource(path, display_path(path), catalog or path.parent / "catalog"))
    assert loaded.resolved is not None, [d.render() for d in loaded.diagnostics]
    result = compile_bundle(loaded.resolved, path, select, answers)
    assert result.manifest is not None, [d.render() for d in result.diagnostics]
    return json.loads(result.manifest.to_json())


@cache
def _workspace() -> Workspace:
    return Workspace()


@cache
def _shipped(name: str) -> str:
    return json.dumps(compile_path(ROOT / "bundles" / f"{name}.yaml", ws=_workspace()))


def shipped(name: str) -> dict[str, Any]:
    """A shipped bundle's manifest compiled without answers (cached per run, copied per call)."""
    return json.loads(_shipped(name))


class Page(HTMLParser):
    """The elements of an HTML page as (tag, attrs) with the text inside each element by id."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text_parts: list[str] = []
        self.script_text: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.script_text if self._in_script else self.text_parts).append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.text_parts).split())

    def find(self, tag: str | None = None, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.elements
                if (tag is None or t == tag) and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def controls(self) -> list[tuple[str, dict[str, str | None]]]:
        return [(t, a) for t, a in self.elements if t in ("input", "select", "textarea") and "data-key" in a]
