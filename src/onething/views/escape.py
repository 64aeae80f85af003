"""Escaping author-written text (titles, names, labels) for each format it flows into.

Bundle and catalog text is written by many people and read by tools: a `|` would split a
Markdown table cell, a quote would end a DOT or Mermaid label, and an escape sequence printed
to a terminal could retitle the window or hide the lines before it. Each function makes one
format safe and keeps the text readable; the terminal one is for every view that prints.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (colours, cursor moves), OSC (window titles, hyperlinks; ended
# by BEL or ESC \), and the other two-character escapes
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# characters that reorder or hide what follows (Trojan Source): shown by name, not applied
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with terminal control sequences and control characters removed (newlines and
    tabs kept) and bidi controls shown as ``<U+202E>``."""
    text = _ESCAPES.sub("", text)
    text = _CONTROLS.sub("", text)
    return _BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def _one_line(text: str) -> str:
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))


def markdown_cell(text: str) -> str:
    """Text for a Markdown table cell: HTML escaped, `|` and `\\` escaped, line breaks as <br>."""
    # html.escape(quote=False) by hand: the html module would cost every command that prints
    # (its import loads html.entities, ~1.5 ms) for the reports that make tables
    text = _one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    for ch in "`*_[]":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", "<br>")


def dot_label(text: str) -> str:
    """Text inside a DOT double-quoted string: quotes and backslashes escaped, line breaks as \\n."""
    return _one_line(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def mermaid_label(text: str) -> str:
    """Text inside a Mermaid "…" label: Mermaid's #entity; codes for what its parser would read."""
    text = _one_line(text).replace("#", "#35;")
    for ch, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("&", "#amp;"), ("`", "#96;")):
        text = text.replace(ch, code)
    return text.replace("\n", "<br>")


def terminal_safe_data(value: object) -> object:
    """``value`` (JSON-like data) with every text passed through ``terminal_safe``: for views
    that style text themselves (rich tables), so their own colours stay and the author's go."""
    if isinstance(value, str):
        return terminal_safe(value)
    if isinstance(value, dict):
        return {terminal_safe_data(k): terminal_safe_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [terminal_safe_data(v) for v in value]
    return value
