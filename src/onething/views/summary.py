"""What `onething compile` shows a person at a terminal: each bundle's savings, not its JSON.

Pages of manifest JSON scrolling past help nobody at a terminal; the figures that matter
(materials, fields, days before → after) and the count of problems do, with the two ways
to get the JSON itself.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from onething.compiler.manifest import Manifest
from onething.dsl.diagnostics import Diagnostic
from onething.dsl.i18n import _
from onething.views.plan_table import ASCII_HEAD, fit_table


def _before_after(fig) -> str:
    return f"{fig.separate} → {fig.bundled}"


def compile_summary(rows: Sequence[tuple[str, Manifest | None, list[Diagnostic]]],
                    args: Sequence[str], width: int = 100) -> list[RenderableType]:
    """One row per bundle (a failed one by its path), then how to get the manifests as JSON."""
    table = Table(box=ASCII_HEAD, header_style="bold", padding=(0, 1, 0, 0))
    for header in (_("bundle"), _("materials"), _("fields"), _("days"), _("errors"), _("warnings")):
        table.add_column(header, overflow="fold")
    for bundle, m, diags in sorted(rows, key=lambda r: r[0]):
        errors = sum(1 for d in diags if d.is_error)
        warnings = sum(1 for d in diags if not d.is_error and not d.suppressed)
        if m is None:
            table.add_row(Text(bundle), Text(_("not compiled"), style="red"), "", "", Text(str(errors), style="red"),
                          str(warnings))
            continue
        mt = m.metrics
        table.add_row(Text(bundle), _before_after(mt.materials), _before_after(mt.fields), _before_after(mt.days),
                      str(errors), Text(str(warnings), style="yellow" if warnings else ""))
    shown = " ".join(shlex.quote(a) for a in args) or "bundles/"
    how = [
        Text(_("This is a summary for the terminal. For the manifests as JSON, write them to a folder or pipe them:")),
        Text(f"  onething compile {shown} -o DIR"),
        Text(f"  onething compile {shown} | jq ."),
    ]
    return [fit_table(table, width), *how]
