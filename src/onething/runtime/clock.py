"""The one source of time for the runtime, injectable so tests can set "today".

Every timestamp the runtime stores comes from ``clock.now()`` (an aware UTC datetime);
every calendar date (acceptance day, due dates) is ``clock.today()``: the date in China
Standard Time (UTC+8, no daylight saving), where the windows are.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA_TIME = timezone(timedelta(hours=8), "CST")


class Clock:
    """Base clock: subclasses give ``now()``; ``today()`` follows from it."""

    def now(self) -> datetime:  # pragma: no cover - abstract
        raise NotImplementedError

    def today(self) -> date:
        return self.now().astimezone(CHINA_TIME).date()


class SystemClock(Clock):
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock(Clock):
    """A clock that stands still until told to move (tests, simulations, benchmarks)."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _aware(at)

    def advance(self, delta: timedelta) -> datetime:
        self._at += delta
        return self._at


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("a clock needs an aware datetime (give tzinfo=UTC or CHINA_TIME)")
    return at.astimezone(UTC)
