"""`--help` in the user's language: click's help texts are translated when they are shown.

Click reads the commands' docstrings and options' ``help=`` when the modules are imported,
before ``--lang`` is parsed, so nothing is translated then. Instead every command's context
uses :class:`TranslatingFormatter`, which looks each paragraph, option help and heading up in
the catalogue as it writes it. The msgids are the cleaned docstring's paragraphs (without a
leading ``\\b`` line) and the ``help=`` texts, extracted by ``scripts/i18n.py``; click's own
words that appear in ``--help`` are listed below so they are extracted too.
"""

from __future__ import annotations

import inspect
import re

import click

from onething.dsl.i18n import N_, _

# click's own words in --help output (click does not translate them itself)
CLICK_TEXTS = (
    N_("Usage:"), N_("Options"), N_("Commands"), N_("Show this message and exit."),
    N_("Show the version and exit."), N_("default:"), N_("required"),
)
_EXTRA = re.compile(r"^(?P<help>.*?)(?P<extra>\s*\[[^\[\]]*\])?$", re.S)


def paragraphs(text: str) -> list[str]:
    """The msgids of a help text: its paragraphs, cleaned, without click's ``\\b`` marker."""
    return [p.removeprefix("\b\n") for p in inspect.cleandoc(text).split("\n\n") if p.strip()]


def translate_help(text: str) -> str:
    """A docstring or help text in the current language, paragraph by paragraph."""
    out = []
    for para in inspect.cleandoc(text).split("\n\n"):
        mark = "\b\n" if para.startswith("\b\n") else ""
        body = para.removeprefix(mark)
        out.append(mark + _(body) if body.strip() else para)
    return "\n\n".join(out)


def _translate_extra(extra: str) -> str:
    """click's `[default: text; required]` suffix of an option's help."""
    inner = extra.strip()[1:-1]
    parts = []
    for part in inner.split("; "):
        if part.startswith("default: "):
            part = _("default:") + " " + part.removeprefix("default: ")
        elif part == "required":
            part = _("required")
        parts.append(part)
    return "  [" + "; ".join(parts) + "]"


class TranslatingFormatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix if prefix is not None else _("Usage:") + " ")

    def write_heading(self, heading: str) -> None:
        super().write_heading(_(heading))

    def write_text(self, text: str) -> None:
        super().write_text(translate_help(text))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        translated = []
        for term, help_ in rows:
            m = _EXTRA.match(help_)
            if m and help_:
                text = _(m["help"]) if m["help"].strip() else m["help"]
                help_ = text + (_translate_extra(m["extra"]).lstrip() if not text and m["extra"]
                                else _translate_extra(m["extra"]) if m["extra"] else "")
            translated.append((term, help_))
        super().write_dl(translated, col_max, col_spacing)


class TranslatingContext(click.Context):
    formatter_class = TranslatingFormatter


def short_help(cmd: click.Command) -> str:
    """The first sentence of a command's translated help, for the group's list of commands."""
    if cmd.short_help:
        return _(cmd.short_help)
    first = translate_help(cmd.help or "").split("\n\n")[0].replace("\n", " ")
    for end in ("。", "；", ". "):
        first = first.split(end)[0]
    return first.rstrip(".")


class TranslatingGroup(click.Group):
    """A group whose commands' --help is written in the current language."""

    context_class = TranslatingContext

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        cmd.context_class = TranslatingContext
        super().add_command(cmd, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, short_help(cmd)) for name in self.list_commands(ctx)
                if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
        if rows:
            with formatter.section(N_("Commands")):
                # the rows are translated already: bypass the formatter's lookup
                click.HelpFormatter.write_dl(formatter, rows)
