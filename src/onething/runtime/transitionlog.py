"""Structured logs of a worker: one JSON line per transition, and the worker's own events.

Each committed transition (every audit event a write transaction appended, see
``Store.on_commit``) becomes one line on the log, after the commit — a line never describes
a change that was rolled back::

    {"ts": "2026-12-01T02:30:00.000000+00:00", "level": "info", "event": "transition", "kind": "step",
     "case": "birth-20261201-0001", "item": "birth_certificate_issue",
     "idempotency_key": "5c1f…", "from": "ready", "to": "dispatched", "attempt": 1,
     "actor": "worker host:4242", "seq": 17}

Personal data are masked: strings in the event's data (a reason a department gave) pass
through ``masking.mask_text`` (ID and mobile numbers), though the audit log already keeps
field keys, not values. The worker's own lines (``worker_started``, ``store_unavailable``,
``stopping``, ``claim_released``, ``worker_stopped``) share the format.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from onething.runtime.masking import mask_text

LOGGER = logging.getLogger("onething.work")


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


def line(event: str, level: str = "info", at: datetime | None = None, **fields: Any) -> str:
    stamp = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
    record = {"ts": stamp, "level": level, "event": event,
              **{k: _masked(v) for k, v in fields.items() if v is not None}}
    return json.dumps(record, ensure_ascii=False, default=str)


def transition_lines(events: Iterable[Any]) -> list[str]:
    """One line per audit event (``audit.Event``) of a committed transaction."""
    from onething.runtime.acceptance import idempotency_key

    out = []
    for e in events:
        data = dict(e.data)
        key = idempotency_key(e.case_number, e.item) if e.case_number and e.item else None
        out.append(line("transition", at=e.at, kind=e.kind, case=e.case_number, item=e.item, idempotency_key=key,
                        **{"from": e.from_status, "to": e.to_status}, attempt=data.pop("attempt", None),
                        actor=e.actor, seq=e.seq, data=data or None))
    return out


def log_transitions(events: list[Any]) -> None:
    """A ``Store.on_commit`` listener."""
    if LOGGER.isEnabledFor(logging.INFO):
        for text in transition_lines(events):
            LOGGER.info(text)


def log(event: str, level: str = "info", **fields: Any) -> None:
    LOGGER.log(logging.WARNING if level == "warning" else logging.INFO, line(event, level, **fields))


def to_stderr() -> logging.Handler:
    """Send the worker's JSON lines to stderr, one per line, nothing added."""
    import sys

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False
    return handler
