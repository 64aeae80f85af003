"""Working days: the official calendar, partial and unknown years, overlays, pauses."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onething.runtime.calendar import (
    Coverage,
    WorkingCalendar,
    load_overlay,
    regional_overlay,
)
from onething.runtime.errors import CalendarError

OVERLAYS = Path(__file__).parent / "fixtures" / "runtime" / "overlays"
NATIONAL = WorkingCalendar()


def kinds(due) -> list[str]:
    return [w.kind for w in due.warnings]


def test_national_day_holiday_is_skipped():
    # 2026: 1–7 October off; the 30 September acceptance's first working day is 8 October
    assert NATIONAL.day(date(2026, 10, 1)).working is False
    assert NATIONAL.day(date(2026, 10, 1)).name == "National Day"
    due = NATIONAL.add_working_days(date(2026, 9, 30), 1)
    assert due.date == date(2026, 10, 8)
    assert due.warnings == ()
    assert NATIONAL.add_working_days(date(2026, 9, 28), 5).date == date(2026, 10, 10)


def test_make_up_saturday_counts_as_a_working_day():
    saturday = date(2026, 10, 10)
    assert saturday.weekday() == 5
    assert NATIONAL.is_working_day(saturday)
    assert NATIONAL.day(saturday).name == "make-up workday (调休)"
    assert NATIONAL.add_working_days(date(2026, 10, 9), 1).date == saturday
    # an ordinary Saturday is not
    assert not NATIONAL.is_working_day(date(2026, 10, 17))
    assert NATIONAL.add_working_days(date(2026, 10, 16), 1).date == date(2026, 10, 19)


def test_clock_starts_the_working_day_after_and_zero_days_is_the_same_day():
    friday = date(2026, 11, 6)
    assert NATIONAL.add_working_days(friday, 1).date == date(2026, 11, 9)
    assert NATIONAL.add_working_days(friday, 0).date == friday
    with pytest.raises(ValueError, match="negative"):
        NATIONAL.add_working_days(friday, -1)


def test_partial_year_uses_public_holidays_and_warns_on_each_due_date_it_affects():
    assert NATIONAL.coverage(2026) is Coverage.OFFICIAL
    assert NATIONAL.coverage(2027) is Coverage.PARTIAL
    # 2027 National Day from the `holidays` library: 1–5 October (no make-up days known)
    due = NATIONAL.add_working_days(date(2027, 9, 30), 1)
    assert due.date == date(2027, 10, 6)
    assert kinds(due) == ["partial_year"]
    assert "2027" in due.warnings[0].message
    # a due date counted across the new year is affected; one inside 2026 is not
    assert kinds(NATIONAL.add_working_days(date(2026, 12, 28), 5)) == ["partial_year"]
    assert NATIONAL.add_working_days(date(2026, 12, 1), 5).warnings == ()


def test_year_without_data_falls_back_to_weekends_with_a_warning():
    assert NATIONAL.coverage(2200) is Coverage.NONE
    due = NATIONAL.add_working_days(date(2200, 1, 1), 3)  # a Wednesday
    assert due.date == date(2200, 1, 6)
    assert kinds(due) == ["no_data"]


def test_fixture_xinjiang_holiday_moves_the_due_date():
    xinjiang = WorkingCalendar([load_overlay(OVERLAYS / "xinjiang_confirmed.yaml")])
    # 肉孜节 2026-03-20 (a Friday) confirmed: Thursday + 1 working day is the Monday
    assert NATIONAL.add_working_days(date(2026, 3, 19), 1).date == date(2026, 3, 20)
    due = xinjiang.add_working_days(date(2026, 3, 19), 1)
    assert due.date == date(2026, 3, 23)
    assert due.warnings == ()
    assert xinjiang.day(date(2026, 3, 20)).source == "xinjiang_fixture"


def test_unconfirmed_overlay_day_counts_and_warns():
    xinjiang = WorkingCalendar([load_overlay(OVERLAYS / "xinjiang_confirmed.yaml")])
    due = xinjiang.add_working_days(date(2026, 5, 26), 1)  # 古尔邦节 2026-05-27, unconfirmed
    assert due.date == date(2026, 5, 28)
    assert kinds(due) == ["unconfirmed"]
    assert "2026-05-27" in due.warnings[0].message and "annual notice" in due.warnings[0].message


def test_shipped_xinjiang_overlay_marks_every_date_to_be_confirmed():
    overlay = load_overlay(regional_overlay("xinjiang"))
    assert overlay.id == "xinjiang"
    names = {d.name["zh"] for d in overlay.days.values()}
    assert names == {"肉孜节", "古尔邦节"}
    assert all(not d.confirmed and "annual notice" in (d.note or "") for d in overlay.days.values())


def test_unknown_region_suggests_the_shipped_one():
    with pytest.raises(CalendarError) as info:
        regional_overlay("xinjang")
    assert info.value.hint == "did you mean xinjiang?"


def test_overlay_with_official_years_makes_a_year_official():
    calendar = WorkingCalendar([load_overlay(OVERLAYS / "national_2027.yaml")])
    assert calendar.coverage(2027) is Coverage.OFFICIAL
    due = calendar.add_working_days(date(2027, 9, 30), 1)
    assert due.date == date(2027, 10, 6)
    assert due.warnings == ()
    assert calendar.add_working_days(date(2027, 10, 8), 1).date == date(2027, 10, 9)  # make-up Saturday


def test_later_overlay_wins_local_overrides():
    calendar = WorkingCalendar([load_overlay(OVERLAYS / "xinjiang_confirmed.yaml"),
                                load_overlay(OVERLAYS / "local_override.yaml")])
    assert calendar.is_working_day(date(2026, 3, 20))
    assert not calendar.is_working_day(date(2026, 3, 23))
    assert calendar.add_working_days(date(2026, 3, 19), 2).date == date(2026, 3, 24)


def test_pauses_stop_the_clock():
    start = date(2026, 11, 2)  # a Monday
    assert NATIONAL.add_working_days(start, 3).date == date(2026, 11, 5)
    paused = [(date(2026, 11, 3), date(2026, 11, 4))]
    assert NATIONAL.add_working_days(start, 3, paused).date == date(2026, 11, 9)
    assert NATIONAL.working_days_between(start, date(2026, 11, 9), paused) == 3
    with pytest.raises(ValueError, match="before it begins"):
        NATIONAL.add_working_days(start, 1, [(date(2026, 11, 4), date(2026, 11, 3))])


@settings(max_examples=60, deadline=None)
@given(start=st.dates(date(2025, 1, 1), date(2027, 12, 31)), days=st.integers(1, 40))
def test_due_date_is_a_working_day_that_many_working_days_on(start, days):
    due = NATIONAL.add_working_days(start, days)
    assert NATIONAL.is_working_day(due.date)
    assert NATIONAL.working_days_between(start, due.date) == days
    assert NATIONAL.working_days_between(start, due.date - timedelta(days=1)) == days - 1


@pytest.mark.parametrize(("fixture", "where", "message", "hint"), [
    ("bad_unknown_key.yaml", ":5:5", "unknown key confimed", "did you mean confirmed?"),
    ("bad_date.yaml", ":3:12", "2026-02-30 is not a date", "write dates as YYYY-MM-DD"),
    ("bad_kind.yaml", ":3:30", "unknown kind holyday", "did you mean holiday?"),
    ("bad_missing_confirmed.yaml", ":3:5", "missing key `confirmed`", "`confirmed: false` marks"),
    ("bad_duplicate.yaml", ":4:12", "2026-03-20 is listed twice", None),
    ("bad_syntax.yaml", ":3:5", "", None),  # where the unclosed { opens
])
def test_bad_overlay_files_name_the_place_and_the_fix(fixture, where, message, hint):
    with pytest.raises(CalendarError) as info:
        load_overlay(OVERLAYS / fixture)
    problem = info.value
    assert problem.where is not None and problem.where.endswith(fixture + where), problem.where
    assert message in problem.message
    if hint:
        assert problem.hint is not None and problem.hint.startswith(hint)
    assert str(problem).startswith(problem.where)
