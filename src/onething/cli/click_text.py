"""click's own messages (usage errors, prompts) in the user's language.

click marks its messages with the standard library's ``gettext`` (``from gettext import
gettext as _`` in each module) and so reads the process-wide ``messages`` domain, chosen by
the locale, not by ``--lang``. :func:`install` points those module names at onething's
catalogue instead, so ``onething --lang zh compile --nosuch`` explains itself in Chinese like
the rest of the output. The msgids below are click's own (click is pinned in
constraints.txt; a test checks each one still occurs in click's source), listed here so that
``scripts/i18n.py`` extracts them; a message of click's that is not listed stays English.
"""

from __future__ import annotations

import importlib

from onething.dsl.i18n import N_, Nn_, _, ngettext

# the click modules that bind gettext's functions at import
CLICK_MODULES = ("core", "exceptions", "parser", "types", "decorators", "termui", "formatting")

CLICK_MESSAGES = (
    N_("Error: {message}"), N_("Try '{command} {option}' for help."),
    N_("Invalid value: {message}"), N_("Invalid value for {param_hint}: {message}"),
    N_("Missing argument"), N_("Missing option"), N_("Missing parameter"),
    N_("Missing {param_type}"), N_("Missing parameter: {param_name}"), N_("Missing command."),
    N_("No such option {name!r}."), N_("No such command {name!r}."),
    N_("Could not open file {filename!r}: {message}"), N_("unknown error"), N_("Aborted!"),
    N_("Option {name!r} does not take a value."), N_("Argument {name!r} takes {nargs} values."),
    N_("{value} is not in the range {range}."), N_("{value!r} is not a valid {number_type}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("{name} {filename!r} does not exist."), N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is a directory."), N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."), N_("file"), N_("directory"), N_("path"),
    N_("Do you want to continue?"), N_("Repeat for confirmation"),
    N_("Error: The two entered values do not match."), N_("Error: invalid input"),
)

CLICK_PLURALS = (
    Nn_("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
    Nn_("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
    Nn_("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."),
    Nn_("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
)


def _gettext(message: str) -> str:
    return str(_(message))  # click formats and concatenates: a plain str, not a Translated


def _ngettext(singular: str, plural: str, n: int) -> str:
    return str(ngettext(singular, plural, n))


def install() -> None:
    """Route click's message lookups through onething's catalogue (idempotent)."""
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext
