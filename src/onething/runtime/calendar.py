"""Working days (工作日): the official Chinese calendar, regional overlays, local overrides.

Time limits are counted in working days. Which days are working days comes, for each year,
from the best source that covers it, and the answer says how sure it is:

- **official**: the State Council's schedule with its make-up workdays (调休), from
  ``chinesecalendar`` (it covers up to 2026) or from an overlay file that declares the year's
  schedule complete (``official_years``, e.g. a file holding the notice for 2027);
- **partial**: only the public holidays are known (``holidays``: China's statutory holidays,
  possibly estimated, without make-up workdays) — every due date that counts days of such a
  year carries a warning;
- **none**: no data at all; Saturdays and Sundays are the only days off, with a warning.

Overlays (:func:`load_overlay`) add regional holidays such as Xinjiang's 肉孜节 and 古尔邦节
and local overrides, in order, the later winning. A day an overlay marks ``confirmed: false``
counts as the overlay says, and every due date it affects carries a warning.

The clock starts the working day after the start date (the day complete materials are
accepted, or the day a supplement arrives) and does not run on days inside a pause (while a
step is suspended).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from onething.dsl.i18n import _
from onething.dsl.loader import load_file
from onething.dsl.source import locate
from onething.dsl.validation import suggest
from onething.runtime.errors import CalendarError

OVERLAY_DIR = Path(__file__).parent / "overlays"
_MAX_SPAN_DAYS = 3660  # a limit that needs more than ten years of days is an error, not a loop


class Coverage(StrEnum):
    OFFICIAL = "official"
    PARTIAL = "partial"
    NONE = "none"


@dataclass(frozen=True)
class OverlayDay:
    """One day an overlay sets: a holiday or a (make-up) workday."""

    date: dt.date
    kind: str  # "holiday" | "workday"
    name: dict[str, str]
    confirmed: bool
    note: str | None = None


@dataclass(frozen=True)
class Overlay:
    """A calendar overlay file: regional holidays, a national notice, or local overrides."""

    id: str
    name: dict[str, str]
    source: str | None
    official_years: frozenset[int]
    days: dict[dt.date, OverlayDay]
    path: str


@dataclass(frozen=True)
class Day:
    """What the calendar says about one date, and where it got that."""

    date: dt.date
    working: bool
    name: str | None  # the holiday or make-up day's name, else None
    source: str  # "weekend rule", "chinesecalendar", "holidays", or an overlay id
    coverage: Coverage
    unconfirmed: OverlayDay | None = None


@dataclass(frozen=True)
class CalendarWarning:
    """Why a due date may move: ``kind`` is partial_year, no_data or unconfirmed."""

    kind: str
    message: str


@dataclass(frozen=True)
class DueDate:
    date: dt.date
    warnings: tuple[CalendarWarning, ...] = field(default=())


class WorkingCalendar:
    """Working days for China, optionally with overlays applied in the order given."""

    def __init__(self, overlays: Sequence[Overlay] = ()) -> None:
        self.overlays = tuple(overlays)
        self._official_years = frozenset().union(*(o.official_years for o in self.overlays))
        self._days: dict[dt.date, Day] = {}  # memo: a due date asks about the same days again and again

    def coverage(self, year: int) -> Coverage:
        if year in self._official_years or _chinesecalendar_covers(year):
            return Coverage.OFFICIAL
        if _holidays_for(year):
            return Coverage.PARTIAL
        return Coverage.NONE

    def day(self, date: dt.date) -> Day:
        known = self._days.get(date)
        if known is None:
            known = self._days[date] = self._decide(date)
        return known

    def _decide(self, date: dt.date) -> Day:
        coverage = self.coverage(date.year)
        working, name, source = self._national(date, coverage)
        unconfirmed = None
        for overlay in self.overlays:
            entry = overlay.days.get(date)
            if entry is None:
                continue
            working = entry.kind == "workday"
            name = entry.name.get("zh") or entry.name.get("en") or None
            source = overlay.id
            unconfirmed = None if entry.confirmed else entry
        return Day(date, working, name, source, coverage, unconfirmed)

    def is_working_day(self, date: dt.date) -> bool:
        return self.day(date).working

    def _national(self, date: dt.date, coverage: Coverage) -> tuple[bool, str | None, str]:
        weekend = date.weekday() >= 5
        if date.year in self._official_years:
            # the overlay holds the year's whole schedule: weekends, then its own days
            return not weekend, None, "weekend rule"
        if coverage is Coverage.OFFICIAL:
            import chinese_calendar

            on_holiday, holiday = chinese_calendar.get_holiday_detail(date)
            if not on_holiday and weekend:
                return True, _("make-up workday (调休)"), "chinesecalendar"
            return not on_holiday, (holiday if on_holiday else None), "chinesecalendar"
        if coverage is Coverage.PARTIAL:
            name = _holidays_for(date.year).get(date)
            if name is not None:
                return False, name, "holidays"
        return not weekend, None, "weekend rule"

    def add_working_days(
        self, start: dt.date, days: int, pauses: Iterable[tuple[dt.date, dt.date]] = ()
    ) -> DueDate:
        """The date ``days`` working days after ``start``, skipping paused days.

        Day one is the first working day after ``start`` (the clock starts the working day
        after acceptance); 0 days (即办) is due on ``start`` itself. ``pauses`` are inclusive
        (first, last) date ranges during which the clock stood still (the step was
        suspended). The warnings cover every day counted.
        """
        if days < 0:
            raise ValueError(f"a time limit cannot be negative: {days}")
        paused = _paused_days(pauses)
        date, counted, span = start, 0, []
        while counted < days:
            date += dt.timedelta(days=1)
            if (date - start).days > _MAX_SPAN_DAYS:
                raise ValueError(f"{days} working days from {start} span more than ten years")
            span.append(date)
            if date in paused:
                continue
            if self.is_working_day(date):
                counted += 1
        return DueDate(date, self._warnings(span))

    def working_days_between(
        self, start: dt.date, end: dt.date, pauses: Iterable[tuple[dt.date, dt.date]] = ()
    ) -> int:
        """Working days counted after ``start`` up to and including ``end`` (0 if end ≤ start)."""
        paused = _paused_days(pauses)
        count, date = 0, start
        while date < end:
            date += dt.timedelta(days=1)
            if date not in paused and self.is_working_day(date):
                count += 1
        return count

    def _warnings(self, span: list[dt.date]) -> tuple[CalendarWarning, ...]:
        out: list[CalendarWarning] = []
        for year in sorted({d.year for d in span}):
            coverage = self.coverage(year)
            if coverage is Coverage.PARTIAL:
                out.append(CalendarWarning("partial_year", _(
                    "{year}: only the public holidays are known, not the make-up workdays (调休); "
                    "the due date may move when the State Council's schedule is added as an overlay"
                ).format(year=year)))
            elif coverage is Coverage.NONE:
                out.append(CalendarWarning("no_data", _(
                    "{year}: no holiday data; only Saturdays and Sundays are counted as days off"
                ).format(year=year)))
        for date in span:
            entry = self.day(date).unconfirmed
            if entry is not None:
                name = entry.name.get("zh") or entry.name.get("en") or entry.kind
                out.append(CalendarWarning("unconfirmed", _(
                    "{date} ({name}) is not confirmed: {note}"
                ).format(date=date.isoformat(), name=name, note=entry.note or _("check the official notice"))))
        return tuple(out)


def _paused_days(pauses: Iterable[tuple[dt.date, dt.date]]) -> set[dt.date]:
    out: set[dt.date] = set()
    for first, last in pauses:
        if last < first:
            raise ValueError(f"a pause cannot end ({last}) before it begins ({first})")
        out.update(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    return out


@cache
def _chinesecalendar_years() -> tuple[int, int]:
    import chinese_calendar

    years = [d.year for d in chinese_calendar.holidays]
    return min(years), max(years)


def _chinesecalendar_covers(year: int) -> bool:
    first, last = _chinesecalendar_years()
    return first <= year <= last


@cache
def _holidays_for(year: int) -> dict[dt.date, str]:
    import holidays

    try:
        found = holidays.country_holidays("CN", years=year, language="zh_CN")
    except NotImplementedError:  # pragma: no cover - depends on the library's range
        return {}
    return {d: name for d, name in found.items() if d.year == year}


# --- overlay files ------------------------------------------------------------------------

_TOP_KEYS = ("overlay", "name", "source", "note", "official_years", "days")
_DAY_KEYS = ("date", "kind", "name", "confirmed", "note")
_KINDS = ("holiday", "workday")


def regional_overlay(region: str) -> Path:
    """The overlay file onething ships for a region (``xinjiang``)."""
    path = OVERLAY_DIR / f"{region}.yaml"
    if not path.is_file():
        shipped = sorted(p.stem for p in OVERLAY_DIR.glob("*.yaml"))
        near = suggest(region, shipped)
        raise CalendarError(
            _("no shipped calendar overlay for region {region}").format(region=region),
            _("did you mean {name}?").format(name=near) if near else
            _("shipped overlays: {names}").format(names=", ".join(shipped)),
        )
    return path


def load_overlay(path: Path) -> Overlay:
    """Read and check an overlay file; every problem raises :class:`CalendarError` with its place."""
    loaded = load_file(path)
    if not loaded.ok:
        first = next(d for d in loaded.diagnostics if d.is_error)
        raise CalendarError(first.message, first.hint, str(first.location))
    data = loaded.data
    file = loaded.file

    def fail(where: tuple[Any, ...], message: str, hint: str | None = None, key: bool = False) -> CalendarError:
        loc = locate(data, where, key=key)
        return CalendarError(message, hint, str(loc) if loc else file)

    if not isinstance(data, dict):
        raise fail((), _("an overlay file is a mapping with `overlay:` and `days:`"))
    _check_keys(data, _TOP_KEYS, (), fail)
    for required in ("overlay", "days"):
        if required not in data:
            raise fail((), _("missing key `{key}`").format(key=required))
    overlay_id = data["overlay"]
    if not isinstance(overlay_id, str) or not overlay_id:
        raise fail(("overlay",), _("`overlay` is the overlay's id, a name like xinjiang"))
    official: set[int] = set()
    years = data.get("official_years", [])
    if not isinstance(years, list):
        raise fail(("official_years",), _("`official_years` is a list of years like [2027]"))
    for i, year in enumerate(years):
        try:
            official.add(int(str(year)))
        except ValueError:
            raise fail(("official_years", i), _("{value} is not a year").format(value=year)) from None
    if not isinstance(data["days"], list):
        raise fail(("days",), _("`days` is a list of dates"))
    days: dict[dt.date, OverlayDay] = {}
    for i, entry in enumerate(data["days"]):
        day = _overlay_day(entry, ("days", i), fail)
        if day.date in days:
            raise fail(("days", i, "date"), _("{date} is listed twice").format(date=day.date.isoformat()))
        days[day.date] = day
    name = data.get("name") or {}
    return Overlay(
        id=overlay_id, name=dict(name) if isinstance(name, dict) else {"zh": str(name)},
        source=str(data["source"]) if data.get("source") is not None else None,
        official_years=frozenset(official), days=days, path=file,
    )


def _overlay_day(entry: Any, where: tuple[Any, ...], fail: Any) -> OverlayDay:
    if not isinstance(entry, dict):
        raise fail(where, _("each day is a mapping with date, kind, name and confirmed"))
    _check_keys(entry, _DAY_KEYS, where, fail)
    for required in ("date", "kind", "confirmed"):
        if required not in entry:
            raise fail(where, _("missing key `{key}`").format(key=required),
                       _("`confirmed: false` marks a date still to be checked against the official notice")
                       if required == "confirmed" else None)
    try:
        date = dt.date.fromisoformat(str(entry["date"]))
    except ValueError:
        raise fail(where + ("date",), _("{value} is not a date").format(value=entry["date"]),
                   _("write dates as YYYY-MM-DD")) from None
    kind = entry["kind"]
    if kind not in _KINDS:
        near = suggest(str(kind), _KINDS)
        raise fail(where + ("kind",), _("unknown kind {value}").format(value=kind),
                   _("did you mean {name}?").format(name=near) if near else
                   _("kind is holiday or workday"))
    confirmed = entry["confirmed"]
    if not isinstance(confirmed, bool):
        raise fail(where + ("confirmed",), _("`confirmed` is true or false"))
    name = entry.get("name") or {}
    return OverlayDay(
        date=date, kind=kind, confirmed=confirmed,
        name=dict(name) if isinstance(name, dict) else {"zh": str(name)},
        note=str(entry["note"]) if entry.get("note") is not None else None,
    )


def _check_keys(mapping: dict[str, Any], known: tuple[str, ...], where: tuple[Any, ...], fail: Any) -> None:
    for key in mapping:
        if key not in known:
            near = suggest(key, known)
            raise fail(where + (key,), _("unknown key {key}").format(key=key),
                       _("did you mean {name}?").format(name=near) if near else
                       _("known keys: {keys}").format(keys=", ".join(known)), key=True)
