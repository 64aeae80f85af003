"""Statuses as a clerk reads them, and columns that stay aligned in Chinese.

The stored statuses (``done``, ``waived``, ``partially_completed``…) are identifiers: JSON
output, ``--status`` and the audit log keep them as they are. Human output shows them through
the catalogue, so an English clerk sees the identifier and a Chinese one 已办结, 免提交….
"""

from __future__ import annotations

from rich.cells import cell_len

from onething.dsl.i18n import N_, _

STATUS_WORDS = frozenset((
    # cases
    N_("accepted"), N_("in_progress"), N_("completed"), N_("partially_completed"), N_("rejected"),
    N_("withdrawn"), N_("delivered"),
    # steps
    N_("blocked"), N_("ready"), N_("dispatched"), N_("pending"), N_("suspended"), N_("done"),
    N_("failed"), N_("skipped"),
    # materials
    N_("submitted"), N_("waived"), N_("committed"), N_("missing"), N_("supplied"),
    # a worker's outcomes besides the step statuses
    N_("retry"), N_("lost_lease"),
))


def status_word(status: str | None) -> str:
    """A case, step or material status in the current language ('' for none)."""
    if not status:
        return ""
    return str(_(status)) if status in STATUS_WORDS else status


def pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal cells (a Chinese character takes two)."""
    return text + " " * max(0, width - cell_len(text))
