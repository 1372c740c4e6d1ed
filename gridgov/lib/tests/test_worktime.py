from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.lib.worktime import SHANGHAI, WorkCalendar

PERIODS = [(time(8, 30), time(12, 0)), (time(14, 0), time(17, 30))]
DAY = 7 * 3600  # working seconds of a day with the periods above


def statutory_overrides() -> dict[date, bool]:
    """Return every day the statutory calendar marks, as workday or not."""
    overrides = dict.fromkeys(chinese_calendar.holidays, False)
    overrides.update(dict.fromkeys(chinese_calendar.workdays, True))
    return overrides


CALENDAR = WorkCalendar(statutory_overrides(), PERIODS)


def at(*args: int) -> datetime:
    """Return the Shanghai datetime of the arguments (year, month, day, hour, minute)."""
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


instants = st.datetimes(
    min_value=datetime(2004, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(SHANGHAI)
).map(lambda moment: moment.replace(microsecond=0))


def inside_hours(moment: datetime) -> bool:
    """Tell whether the instant is on a workday within a working period (ends included)."""
    local = moment.astimezone(SHANGHAI)
    return CALENDAR.is_workday(local.date()) and any(s <= local.time() <= e for s, e in PERIODS)


# --- days -----------------------------------------------------------------------------------------


def test_it_follows_the_weekly_rule_where_nothing_is_overridden() -> None:
    calendar = WorkCalendar({}, PERIODS)
    assert [calendar.is_workday(date(2030, 3, day)) for day in range(4, 11)] == [True] * 5 + [False] * 2


def test_it_knows_national_day_and_its_make_up_workdays() -> None:
    assert not any(CALENDAR.is_workday(date(2026, 10, day)) for day in range(1, 8))
    # The package's 2026 notice: Sunday 20 September and Saturday 10 October are worked.
    assert CALENDAR.is_workday(date(2026, 9, 20))
    assert CALENDAR.is_workday(date(2026, 10, 10))
    # Mid-Autumn (25–27 September) falls on Friday to Sunday: the Sunday is a holiday, not worked.
    assert not CALENDAR.is_workday(date(2026, 9, 27))


def test_it_counts_workdays_in_a_range_as_a_day_by_day_walk_does() -> None:
    first, last = date(2025, 12, 1), date(2026, 12, 31)
    walked = sum(CALENDAR.is_workday(first + timedelta(days=n)) for n in range((last - first).days))
    assert CALENDAR.workdays_between(first, last) == walked


@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31)), st.integers(1, 400))
def test_the_nth_workday_after_a_day_is_the_one_a_walk_reaches(day: date, n: int) -> None:
    found = CALENDAR.nth_workday_after(day, n)
    assert CALENDAR.is_workday(found)
    assert CALENDAR.workdays_between(day + timedelta(days=1), found + timedelta(days=1)) == n


def test_it_crosses_a_long_run_of_holidays() -> None:
    closed = {date(2031, 1, 1) + timedelta(days=n): False for n in range(120)}
    calendar = WorkCalendar(closed, PERIODS)
    assert calendar.nth_workday_after(date(2030, 12, 31), 1) == date(2031, 5, 1)


# --- work hours -----------------------------------------------------------------------------------


def test_a_friday_afternoon_work_hour_deadline_lands_on_monday() -> None:
    assert CALENDAR.add(at(2026, 6, 12, 16, 30), 2, "work_hours") == at(2026, 6, 15, 9, 30)


def test_work_hours_skip_the_lunch_break() -> None:
    assert CALENDAR.add(at(2026, 6, 10, 11, 0), 2, "work_hours") == at(2026, 6, 10, 15, 0)


def test_work_hours_ending_with_the_morning_end_at_noon() -> None:
    assert CALENDAR.add(at(2026, 6, 10, 10, 0), 2, "work_hours") == at(2026, 6, 10, 12, 0)


def test_a_work_hour_deadline_across_national_day_resumes_after_the_holiday() -> None:
    # Wednesday 30 September 16:00: 1.5 hours that day, then 1 to 7 October are off.
    assert CALENDAR.add(at(2026, 9, 30, 16, 0), 4, "work_hours") == at(2026, 10, 8, 11, 0)


def test_a_work_hour_deadline_can_fall_on_a_make_up_sunday() -> None:
    assert CALENDAR.add(at(2026, 9, 18, 16, 30), 2, "work_hours") == at(2026, 9, 20, 9, 30)


def test_work_hours_started_at_night_count_from_the_next_morning() -> None:
    assert CALENDAR.add(at(2026, 6, 10, 22, 0), 1, "work_hours") == at(2026, 6, 11, 9, 30)


# --- work days ------------------------------------------------------------------------------------


def test_work_days_started_in_hours_end_at_the_same_time_of_day() -> None:
    assert CALENDAR.add(at(2026, 6, 10, 14, 0), 3, "work_days") == at(2026, 6, 15, 14, 0)


def test_work_days_started_outside_hours_end_with_the_last_period() -> None:
    # Reported Saturday evening: Monday is the first full working day.
    assert CALENDAR.add(at(2026, 6, 13, 19, 0), 1, "work_days") == at(2026, 6, 15, 17, 30)
    # Reported before office hours on a workday: that day counts.
    assert CALENDAR.add(at(2026, 6, 10, 7, 0), 1, "work_days") == at(2026, 6, 10, 17, 30)


def test_work_days_across_spring_festival() -> None:
    # 2026: holidays 15–23 February, make-up workdays Saturday 14 and Saturday 28 February.
    start = at(2026, 2, 12, 10, 0)  # Thursday
    assert CALENDAR.add(start, 1, "work_days") == at(2026, 2, 13, 10, 0)
    assert CALENDAR.add(start, 2, "work_days") == at(2026, 2, 14, 10, 0)
    assert CALENDAR.add(start, 3, "work_days") == at(2026, 2, 24, 10, 0)
    assert CALENDAR.add(start, 7, "work_days") == at(2026, 2, 28, 10, 0)


def test_work_days_across_national_day() -> None:
    assert CALENDAR.add(at(2026, 9, 30, 9, 0), 5, "work_days") == at(2026, 10, 13, 9, 0)


# --- natural time ---------------------------------------------------------------------------------


def test_natural_hours_and_minutes_ignore_the_calendar() -> None:
    start = at(2026, 10, 1, 23, 50)
    assert CALENDAR.add(start, 2, "natural_hours") == at(2026, 10, 2, 1, 50)
    assert CALENDAR.add(start, 15, "minutes") == at(2026, 10, 2, 0, 5)


def test_it_returns_deadlines_in_its_time_zone_whatever_the_start_zone() -> None:
    start = datetime(2026, 6, 12, 8, 30, tzinfo=UTC)  # 16:30 in Shanghai, a Friday
    deadline = CALENDAR.add(start, 2, "work_hours")
    assert deadline == at(2026, 6, 15, 9, 30)
    assert deadline.utcoffset() == timedelta(hours=8)


# --- refusals -------------------------------------------------------------------------------------


def test_it_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        CALENDAR.add(datetime(2026, 6, 10, 9, 0), 1, "work_hours")
    with pytest.raises(ValueError, match="naive"):
        CALENDAR.working_seconds_between(datetime(2026, 6, 10, 9, 0), at(2026, 6, 10, 10, 0))


def test_it_refuses_unknown_units_and_negative_amounts() -> None:
    with pytest.raises(ValueError, match="unknown time unit"):
        CALENDAR.add(at(2026, 6, 10, 9, 0), 1, "fortnights")
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add(at(2026, 6, 10, 9, 0), -1, "work_hours")


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ([], "at least one"),
        ([(time(12, 0), time(8, 30))], "end after"),
        ([(time(8, 0), time(12, 0)), (time(11, 0), time(13, 0))], "overlap"),
    ],
)
def test_it_refuses_bad_working_periods(periods: list[tuple[time, time]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkCalendar({}, periods)


# --- measuring ------------------------------------------------------------------------------------


def test_it_measures_working_time_over_a_holiday() -> None:
    assert CALENDAR.working_seconds_between(at(2026, 9, 30, 16, 0), at(2026, 10, 8, 9, 30)) == 2.5 * 3600
    assert CALENDAR.working_seconds_between(at(2026, 10, 8, 9, 30), at(2026, 9, 30, 16, 0)) == -2.5 * 3600


def test_a_whole_year_holds_its_working_days() -> None:
    seconds = CALENDAR.working_seconds_between(at(2026, 1, 1, 0, 0), at(2027, 1, 1, 0, 0))
    assert seconds == CALENDAR.workdays_between(date(2026, 1, 1), date(2027, 1, 1)) * DAY


def test_elapsed_fraction_counts_working_time_less_the_hold() -> None:
    start, due = at(2026, 6, 12, 15, 0), at(2026, 6, 15, 12, 0)  # 2.5 h Friday + 3.5 h Monday
    assert CALENDAR.elapsed_fraction(start, due, at(2026, 6, 14, 12, 0)) == pytest.approx(2.5 / 6)
    assert CALENDAR.elapsed_fraction(start, due, at(2026, 6, 15, 10, 0), held_seconds=3600) == pytest.approx(
        3 / 6
    )
    assert CALENDAR.elapsed_fraction(start, due, at(2026, 6, 15, 14, 30)) > 1


def test_elapsed_fraction_in_natural_time_for_natural_limits() -> None:
    start, due = at(2026, 10, 1, 22, 0), at(2026, 10, 1, 23, 0)
    assert CALENDAR.elapsed_fraction(start, due, at(2026, 10, 1, 22, 45), natural=True) == 0.75
    assert CALENDAR.elapsed_fraction(start, due, at(2026, 10, 1, 22, 45)) == 0.0
    assert CALENDAR.elapsed_fraction(start, due, at(2026, 10, 1, 23, 5)) == math.inf


# --- properties -----------------------------------------------------------------------------------


@given(instants, st.integers(1, 2000))
def test_a_work_hour_deadline_is_always_within_working_hours(start: datetime, hours: int) -> None:
    deadline = CALENDAR.add(start, hours, "work_hours")
    assert inside_hours(deadline)
    assert CALENDAR.working_seconds_between(start, deadline) == hours * 3600


@given(instants, st.integers(1, 300))
def test_a_work_day_deadline_is_always_within_working_hours(start: datetime, days: int) -> None:
    deadline = CALENDAR.add(start, days, "work_days")
    assert inside_hours(deadline)
    assert CALENDAR.working_seconds_between(start, deadline) == days * DAY


@given(instants, st.integers(0, 500), st.integers(0, 500))
def test_work_hours_add_up(start: datetime, x: int, y: int) -> None:
    once = CALENDAR.add(start, x + y, "work_hours")
    assert once == CALENDAR.add(CALENDAR.add(start, x, "work_hours"), y, "work_hours")


@given(
    instants, instants, st.integers(0, 500), st.integers(0, 500), st.sampled_from(["work_hours", "work_days"])
)
def test_adding_is_monotonic(a: datetime, b: datetime, x: int, y: int, unit: str) -> None:
    a, b = min(a, b), max(a, b)
    x, y = min(x, y), max(x, y)
    assert CALENDAR.add(a, x, unit) <= CALENDAR.add(a, y, unit)
    assert CALENDAR.add(a, x, unit) <= CALENDAR.add(b, x, unit)


@settings(max_examples=50)
@given(instants, st.integers(1, 100))
def test_deadlines_agree_in_any_time_zone_of_the_start(start: datetime, hours: int) -> None:
    elsewhere = start.astimezone(ZoneInfo("America/New_York"))
    assert CALENDAR.add(elsewhere, hours, "work_hours") == CALENDAR.add(start, hours, "work_hours")


def test_a_deadline_years_away_is_found_by_bisection_not_by_walking_the_days(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Counted, not timed: the number of workday counts grows with the logarithm of the distance.
    calls = 0
    count = CALENDAR._count

    def counted(lo: int, hi: int) -> int:
        nonlocal calls
        calls += 1
        return count(lo, hi)

    monkeypatch.setattr(CALENDAR, "_count", counted)
    start = at(2026, 9, 30, 16, 0)
    for amount, unit in [(2000, "work_days"), (20000, "work_days"), (4000, "work_hours")]:
        calls = 0
        CALENDAR.add(start, amount, unit)
        assert 0 < calls <= 40, (amount, unit, calls)
