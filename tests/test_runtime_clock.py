"""The injectable clock: UTC instants, China-time dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from onething.runtime.clock import CHINA_TIME, FixedClock, SystemClock


def test_today_is_the_date_at_the_window_in_china_time():
    clock = FixedClock(datetime(2026, 12, 1, 15, 59, tzinfo=UTC))
    assert clock.today() == date(2026, 12, 1)
    clock.advance(timedelta(minutes=1))  # 16:00 UTC is midnight in Beijing
    assert clock.today() == date(2026, 12, 2)
    assert clock.now() == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


def test_a_fixed_clock_keeps_utc_and_refuses_naive_times():
    clock = FixedClock(datetime(2026, 12, 2, 9, 0, tzinfo=CHINA_TIME))
    assert clock.now().tzinfo is UTC and clock.now().hour == 1
    with pytest.raises(ValueError, match="aware"):
        FixedClock(datetime(2026, 12, 2, 9, 0))
    with pytest.raises(ValueError, match="aware"):
        clock.set(datetime(2026, 12, 2, 9, 0))


def test_the_system_clock_is_aware_utc():
    assert SystemClock().now().tzinfo is UTC
