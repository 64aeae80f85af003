"""The audit log: every transition appended as an event in one hash chain.

Each event's hash covers the previous event's hash and the event's own content, so editing
an event breaks its hash and moving one breaks the link to its neighbour. The chain's head
(the last event's position and hash) is kept in its own table and updated in the same
transaction as the append: deleting events at the end — the last one included — leaves the
head pointing past the log. Record the head outside the store from time to time
(``audit head``): a store rewritten from scratch cannot match it.

:func:`append_event` is called inside the write transaction that makes the change it records,
so the change and its event commit together or not at all. Event data is stored as canonical
JSON text and hashed exactly as written; keep personal data out of it (record field keys,
not values).

The hash of an event is ``sha256`` of the canonical JSON array ``[prev_hash, at, case_number,
item, kind, from_status, to_status, actor, data]`` (``at`` in UTC ISO 8601 with microseconds,
``data`` the stored text), hex-encoded; the first event's ``prev_hash`` is 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, literal_column, select

from onething.dsl.i18n import _
from onething.runtime.errors import StoreError
from onething.runtime.store import APPENDED_EVENTS
from onething.runtime.store.bulk import Bulk
from onething.runtime.store.direct import DirectRead
from onething.runtime.store.tables import GENESIS_HASH as GENESIS
from onething.runtime.store.tables import audit_head, events


class Event(NamedTuple):
    """An appended event (a named tuple: one is made for every transition)."""

    seq: int
    at: datetime
    kind: str
    actor: str
    case_number: str | None
    item: str | None
    from_status: str | None
    to_status: str | None
    data: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


@dataclass(frozen=True)
class ChainProblem:
    """One break in the chain; ``kind`` is edited, out_of_order, missing or head."""

    seq: int
    kind: str
    message: str


@dataclass
class Verification:
    events: int
    head: Head | None
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


_string = encode_basestring  # how the encoder above writes a string (ensure_ascii=False)


def canonical_json(data: Any) -> str:
    if type(data) is dict:
        if not data:
            return "{}"
        flat = _flat_json(data)
        if flat is not None:
            return flat
    return _CANONICAL.encode(data)


def _flat_json(data: dict[Any, Any]) -> str | None:
    """The canonical JSON of a dict of strings and integers, written out (most event data is
    ``{"attempt": 1}``; the encoder's set-up cost more than the writing); None for anything else."""
    parts = []
    for key in sorted(data) if len(data) > 1 else data:
        value = data[key]
        if type(key) is not str:
            return None
        kind = type(value)
        if kind is str:
            parts.append(f"{_string(key)}:{_string(value)}")
        elif kind is int:
            parts.append(f"{_string(key)}:{int.__repr__(value)}")
        else:
            return None
    return "{" + ",".join(parts) + "}"


def event_hash(prev_hash: str, at: datetime, case_number: str | None, item: str | None, kind: str,
               from_status: str | None, to_status: str | None, actor: str, data_text: str) -> str:
    stamp = at.astimezone(UTC).isoformat(timespec="microseconds")
    # canonical_json of the list, written out: every member is a string or None (the same bytes, faster)
    payload = "[" + ",".join("null" if v is None else _string(v) for v in (
        prev_hash, stamp, case_number, item, kind, from_status, to_status, actor, data_text)) + "]"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# Built once: an append runs on every transition, and building statements costs more than running them.
_HEAD_FOR_UPDATE = DirectRead(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update())
_INSERT_EVENT = Bulk(events.insert(), ("seq", "at", "case_number", "item", "kind", "from_status", "to_status",
                                         "actor", "data", "prev_hash", "hash"))
_MOVE_HEAD = Bulk(audit_head.update().where(audit_head.c.id == literal_column("1")).values(
    seq=bindparam("new_seq"), hash=bindparam("new_hash"), updated_at=bindparam("new_at")),
    ("new_seq", "new_hash", "new_at"))


def append_event(conn: Connection, *, kind: str, actor: str, at: datetime, case_number: str | None = None,
                 item: str | None = None, from_status: str | None = None, to_status: str | None = None,
                 data: dict[str, Any] | None = None) -> Event:
    """Append one event and move the head, in the caller's (write) transaction."""
    return append_events(conn, [NewEvent(kind, actor, at, case_number, item, from_status, to_status, data)])[0]


class NewEvent(NamedTuple):
    """An event to append: everything but its place in the chain."""

    kind: str
    actor: str
    at: datetime
    case_number: str | None = None
    item: str | None = None
    from_status: str | None = None
    to_status: str | None = None
    data: dict[str, Any] | None = None


_new_event = tuple.__new__  # an Event from a tuple of its fields, without NamedTuple's __new__ in Python


def _encoded(text: str) -> tuple[str, str]:
    return text, _string(text)


def append_events(conn: Connection, new: list[NewEvent]) -> list[Event]:
    """Append ``new`` in order and move the head once, in the caller's (write) transaction.

    Three statements however many events: the head read (locked for update where the
    dialect has row locks; SQLite's write transaction holds the whole store), one
    multi-row insert, one head update. The chain is computed here, in order.
    """
    if not new:
        return []
    found = _HEAD_FOR_UPDATE.all(conn)
    head = found[0] if found else None
    if head is None:
        raise StoreError(_("the audit log's head is missing; the store is damaged"),
                         _("run the audit verification and restore the store from a backup"))
    seq, prev = head
    rows: list[tuple[Any, ...]] = []
    out: list[Event] = []
    # event_hash's payload, written here with each repeated value encoded once: a batch's events
    # share their time and actor, and a handful of items, kinds, statuses and case numbers
    quoted: dict[str | None, str] = {None: "null"}  # case numbers and items, written out
    moves: dict[tuple[str, str | None, str | None, str], str] = {}  # (kind, from, to, actor), written out
    texts: dict[tuple[Any, ...], tuple[str, str]] = {}  # one-entry data → (text, text written out)
    stamps: dict[datetime, str] = {}
    sha256 = hashlib.sha256
    prev_q = _string(prev)
    for kind, actor, at, case_number, item, from_status, to_status, data in new:
        if not data:
            text, text_q = "{}", '"{}"'
        elif len(data) == 1 and type(value := next(iter(data.values()))) in (int, str):
            # most data are one of a few one-entry dicts ({"attempt": 1}): each encoded once (an int
            # or a string equal to another writes the same; True == 1 and -0.0 == 0.0 do not)
            key = (*data, value)
            found = texts.get(key)
            if found is None:
                found = texts[key] = _encoded(canonical_json(data))
            text, text_q = found
        else:
            text = canonical_json(data)
            text_q = _string(text)
        seq += 1
        stamp = stamps.get(at)
        if stamp is None:
            stamp = stamps[at] = _string(at.astimezone(UTC).isoformat(timespec="microseconds"))
        case_q = quoted.get(case_number)
        if case_q is None:
            case_q = quoted[case_number] = _string(case_number)
        item_q = quoted.get(item)
        if item_q is None:
            item_q = quoted[item] = _string(item)
        move = moves.get((kind, from_status, to_status, actor))
        if move is None:
            move = moves[(kind, from_status, to_status, actor)] = ",".join(
                "null" if v is None else _string(v) for v in (kind, from_status, to_status, actor))
        digest = sha256(f"[{prev_q},{stamp},{case_q},{item_q},{move},{text_q}]".encode()).hexdigest()
        rows.append((seq, at, case_number, item, kind, from_status, to_status, actor, text, prev, digest))
        out.append(_new_event(Event, (seq, at, kind, actor, case_number, item, from_status, to_status,
                                      data or {}, prev, digest)))
        prev, prev_q = digest, f'"{digest}"'  # hex: nothing to escape
    _INSERT_EVENT.run_rows(conn, rows)
    _MOVE_HEAD.run_rows(conn, [(seq, prev, new[-1].at)])
    appended = conn.info.get(APPENDED_EVENTS)
    if appended is not None:
        appended.extend(out)  # logged once the transaction commits (Store.write)
    return out


def chain_head(conn: Connection) -> Head | None:
    row = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).first()
    return Head(row.seq, row.hash) if row else None


def case_events(conn: Connection, case_number: str) -> list[Event]:
    rows = conn.execute(select(events).where(events.c.case_number == case_number).order_by(events.c.seq))
    return [_event(r) for r in rows]


def _event(row: Any) -> Event:
    return Event(row.seq, row.at, row.kind, row.actor, row.case_number, row.item, row.from_status,
                 row.to_status, json.loads(row.data), row.prev_hash, row.hash)


def _describe(row: Any) -> str:
    parts = [row.kind]
    if row.case_number:
        parts.append(_("case {case}").format(case=row.case_number))
    if row.item:
        parts.append(_("item {item}").format(item=row.item))
    return _("event {seq} ({what})").format(seq=row.seq, what=", ".join(parts))


def verify_chain(conn: Connection) -> Verification:
    """Walk the whole chain and name every event that was edited, moved or deleted.

    The whole chain is always checked: one case's events can only be trusted if the links
    around them hold.
    """
    head = chain_head(conn)
    result = Verification(events=0, head=head)
    problems = result.problems
    prev_hash, expected = GENESIS, 1
    rows = conn.execution_options(yield_per=2000).execute(select(events).order_by(events.c.seq))
    for row in rows:
        result.events += 1
        gap = row.seq != expected
        if gap:
            problems.append(ChainProblem(expected, "missing", _(
                "events {first} to {last} are missing (deleted)").format(first=expected, last=row.seq - 1)
                if row.seq - 1 > expected else _("event {seq} is missing (deleted)").format(seq=expected)))
        recomputed = event_hash(row.prev_hash, row.at, row.case_number, row.item, row.kind,
                                row.from_status, row.to_status, row.actor, row.data)
        if recomputed != row.hash:
            problems.append(ChainProblem(row.seq, "edited", _(
                "{event} was altered: its content does not match its hash").format(event=_describe(row))))
        elif row.prev_hash != prev_hash and not gap:
            problems.append(ChainProblem(row.seq, "out_of_order", _(
                "{event} is out of place: it does not follow event {prev}").format(
                event=_describe(row), prev=row.seq - 1)))
        prev_hash, expected = row.hash, row.seq + 1
    last = expected - 1
    if head is None:
        problems.append(ChainProblem(last, "head", _("the audit log's head is missing")))
    elif head.seq > last:
        problems.append(ChainProblem(last + 1, "missing", _(
            "the last events are missing (deleted): the head records {head} events, the log ends at event {last}"
        ).format(head=head.seq, last=last) if head.seq > last + 1 else _(
            "event {seq}, the last one, is missing (deleted)").format(seq=head.seq)))
    elif head.seq < last:
        problems.append(ChainProblem(head.seq + 1, "head", _(
            "events {first} to {last} were added without moving the head").format(first=head.seq + 1, last=last)))
    elif head.hash != prev_hash:
        problems.append(ChainProblem(last, "edited", _(
            "event {seq}, the last one, does not match the head: it was replaced").format(seq=last)))
    return result
