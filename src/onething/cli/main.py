"""The `onething` command group; each command lives in its own module of this package."""

from __future__ import annotations

import gc
import os
import sys
import types

# Before it builds its first validator pydantic looks for plugins among the entry points of
# every installed distribution (~30 ms, a tenth of a command's start-up on a full venv);
# onething uses none. PYDANTIC_DISABLE_PLUGINS set to anything (empty: load them) decides otherwise.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def _no_plugin_search() -> None:
    """Keep pydantic from importing importlib.metadata only to find that plugins are off.

    Pydantic asks its plugin loader (``pydantic.plugin._loader.get_plugins``) before it builds
    each validator; importing that module imports importlib.metadata and the email package
    (~10 ms, a twentieth of a compile's start) although, with the setting above, it returns
    no plugins. A stand-in with the same answer takes its place; should the setting change
    later in the process, it hands over to the real loader. Pydantic's own code is untouched.
    """
    name = "pydantic.plugin._loader"
    if name in sys.modules:
        return

    def get_plugins() -> tuple[()] | object:
        if os.environ.get("PYDANTIC_DISABLE_PLUGINS") in ("__all__", "1", "true"):
            return ()
        sys.modules.pop(name, None)  # plugins turned on since: the real search
        import importlib

        return importlib.import_module(name).get_plugins()

    stand_in = types.ModuleType(name, _no_plugin_search.__doc__)
    stand_in.get_plugins = get_plugins  # type: ignore[attr-defined]
    sys.modules[name] = stand_in


if os.environ["PYDANTIC_DISABLE_PLUGINS"] in ("__all__", "1", "true"):
    _no_plugin_search()

import click

from onething import __version__
from onething.cli.answers import answers_group
from onething.cli.audit import audit_group
from onething.cli.build import build_cmd
from onething.cli.click_text import install as install_click_text
from onething.cli.cases import COMMANDS as CASE_COMMANDS
from onething.cli.compile import compile_cmd
from onething.cli.demo import demo_cmd
from onething.cli.form import form_cmd
from onething.cli.help_text import TranslatingGroup
from onething.cli.packet import packet_cmd
from onething.cli.plan import graph_cmd, plan_cmd
from onething.cli.questions import questions_cmd
from onething.cli.reference import codes, schema
from onething.cli.report import report_cmd
from onething.cli.scenarios import test_cmd
from onething.cli.sheet import sheet_cmd
from onething.cli.store import store_group
from onething.cli.submit import submit_cmd
from onething.cli.validate import validate
from onething.cli.work import work_cmd
from onething.dsl.i18n import LANGUAGES, choose_language, set_language

install_click_text()


# Commands that only read files and write files and output: when one of them ends a process
# started from the command line, nothing is left for the interpreter's teardown to do.
_QUICK_EXIT = frozenset({"compile", "validate", "plan"})


class OnethingGroup(TranslatingGroup):
    _command: str | None = None

    def make_context(self, info_name, args, parent=None, **extra):
        # before any option is parsed, so `--help` (eager, maybe ahead of --lang) and every
        # message follow ONETHING_LANG or the locale; --lang, when given, overrides it
        set_language(choose_language())
        return super().make_context(info_name, args, parent, **extra)

    def resolve_command(self, ctx, args):
        name, cmd, rest = super().resolve_command(ctx, args)
        self._command = cmd.name if cmd is not None else None
        return name, cmd, rest

    def main(self, args=None, *rest, **extra):
        """As click's, except that compile, validate and plan run from the command line (no
        ``args``: not a test's or a caller's call) end the process at once when done.

        The interpreter's teardown — freeing every module and object of a heap that is about
        to vanish — costs a compile ~8 ms, a twentieth of an edited-bundle run. Output is
        flushed first; everything these commands write is closed by then; a child they forked
        has been reaped. A caller that passes ``args`` gets click's SystemExit, as always.
        """
        if args is not None:
            return super().main(args, *rest, **extra)
        try:
            return super().main(args, *rest, **extra)
        except SystemExit as exc:
            if self._command in _QUICK_EXIT and (exc.code is None or type(exc.code) is int):
                _leave(exc.code or 0)
            raise


def _leave(status: int) -> None:
    """End the process with ``status`` after flushing its output, skipping the interpreter's teardown."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe (`| head`): as Python's own exit reports it
        status = status or 120
    os._exit(status)


def _set_lang(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        set_language(value)


@click.group(cls=OnethingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="onething")
@click.option("--lang", type=click.Choice(LANGUAGES), is_eager=True, expose_value=False,
              callback=_set_lang,
              help="Language of messages and help: zh or en (default: ONETHING_LANG, else the locale).")
def main() -> None:
    """onething: bundled government services (一件事一次办).

    \b
    Examples:
      onething validate bundles/
      onething compile bundles/birth.yaml
      onething schema bundle > docs/schema/bundle.schema.json
    """
    # A command builds its data once and keeps it to the end; the cyclic garbage collector
    # would only walk the growing heap again and again (a tenth of a compile's time, more on
    # large catalogs). Paused for the command; when it ends, the heap is frozen (moved out of
    # the collector's reach) before the collector is resumed, so neither the next allocations
    # nor the interpreter's collection at exit walk it again.
    global _frozen
    if _frozen:  # a command run before in this process (tests): its objects may be collected now
        gc.unfreeze()
        _frozen = False
    if gc.isenabled():
        gc.disable()
        click.get_current_context().call_on_close(_resume_collector)


_frozen = False


def _resume_collector() -> None:
    global _frozen
    gc.freeze()
    _frozen = True
    gc.enable()


for _command in (validate, compile_cmd, plan_cmd, graph_cmd, questions_cmd, test_cmd, report_cmd, schema, codes,
                 form_cmd, sheet_cmd, packet_cmd, answers_group, build_cmd,
                 submit_cmd, work_cmd, *CASE_COMMANDS, audit_group, store_group, demo_cmd):
    main.add_command(_command)
