"""The `onething` command group; each command lives in its own module of this package."""

from __future__ import annotations

import gc

import click

from onething import __version__
from onething.cli.audit import audit_group
from onething.cli.cases import COMMANDS as CASE_COMMANDS
from onething.cli.compile import compile_cmd
from onething.cli.demo import demo_cmd
from onething.cli.plan import graph_cmd, plan_cmd
from onething.cli.questions import questions_cmd
from onething.cli.reference import codes, schema
from onething.cli.report import report_cmd
from onething.cli.scenarios import test_cmd
from onething.cli.submit import submit_cmd
from onething.cli.validate import validate
from onething.cli.work import work_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="onething")
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
    # large catalogs). Paused for the command, resumed when it ends, even by sys.exit.
    if gc.isenabled():
        gc.disable()
        click.get_current_context().call_on_close(gc.enable)




for _command in (validate, compile_cmd, plan_cmd, graph_cmd, questions_cmd, test_cmd, report_cmd, schema, codes,
                 submit_cmd, work_cmd, *CASE_COMMANDS, audit_group, demo_cmd):
    main.add_command(_command)
