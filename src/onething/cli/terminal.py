"""Where the CLI's output goes: a terminal (colours, width, progress bars) or a pipe.

One place decides, so every command behaves alike. ``ONETHING_TTY=1`` (or ``0``) overrides
the detection: tests and scripts can ask for terminal output without a terminal. Colours
appear only on a terminal and never when ``NO_COLOR`` is set (https://no-color.org);
``rich`` is imported only when something is drawn for a terminal, so a piped command starts
as fast as before.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from rich.console import Console

T = TypeVar("T")

PIPE_WIDTH = 100
"""Display cells of a line when the output is not a terminal (CJK characters take two)."""


def is_tty(err: bool = False) -> bool:
    """Whether stdout (stderr with ``err``) is a terminal; ``ONETHING_TTY`` overrides."""
    forced = os.environ.get("ONETHING_TTY", "")
    if forced in ("0", "1"):
        return forced == "1"
    stream = sys.stderr if err else sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def use_colour(err: bool = False) -> bool:
    return is_tty(err) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def width(err: bool = False) -> int:
    """The terminal's width on a terminal, else PIPE_WIDTH."""
    if not is_tty(err):
        return PIPE_WIDTH
    return max(shutil.get_terminal_size((PIPE_WIDTH, 24)).columns, 40)


def console(err: bool = False, record_width: int | None = None) -> Console:
    """A rich console for rendering text that is then printed with click (no markup, no emoji)."""
    from io import StringIO

    from rich.console import Console

    colour = use_colour(err)
    return Console(file=StringIO(), width=record_width or width(err), force_terminal=colour,
                   color_system="standard" if colour else None, no_color=not colour,
                   markup=False, emoji=False, highlight=False, legacy_windows=False, soft_wrap=False)


def render(renderables: Iterable[object], err: bool = False, width_: int | None = None) -> str:
    """The text of rich renderables as drawn for stdout (stderr with ``err``): the terminal's
    width and colours on a terminal, else PIPE_WIDTH cells of plain text; trailing spaces trimmed."""
    con = console(err, width_)
    for r in renderables:
        con.print(r)
    text = con.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip("\n") + "\n"


def progress(items: list[T], label: str) -> list[T] | Iterator[T]:
    """``items`` with a progress bar on stderr when it is a terminal and there are several.

    Without a bar the list itself comes back (callers may test it for emptiness).
    """
    if len(items) < 2 or not is_tty(err=True):
        return items
    return _with_bar(items, label)


def _with_bar(items: list[T], label: str) -> Iterator[T]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    colour = use_colour(err=True)
    con = Console(file=sys.stderr, force_terminal=True, color_system="standard" if colour else None,
                  no_color=not colour, markup=False, emoji=False, highlight=False)
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), console=con, transient=True) as bar:
        task = bar.add_task(label, total=len(items))
        for item in items:
            yield item
            bar.advance(task)
