"""Working-time arithmetic over a work calendar: workdays, daily working periods and deadlines.

Framework-free. A day is a workday when the calendar overrides it so (a make-up workday on a weekend,
a holiday on a weekday), else when it is Monday to Friday. Working time runs only inside the daily
working periods (e.g. 08:30–12:00 and 14:00–17:30) of workdays, in the calendar's time zone, by the
wall clock.

Units of `WorkCalendar.add`:

- ``work_hours``: the deadline is the first instant at which that much working time has passed. It
  can be the end of a period (12:00, 17:30) but never a rest day or a time outside the periods.
- ``work_days``: started inside a working period, the deadline is the same time of day N workdays
  later. Started outside working hours (before, between or after the periods, or on a rest day) the
  clock starts with the next working instant and N full days of working time are counted, so the
  deadline is the end of the Nth workday's last period (its morning period when started during the
  lunch break). Either way exactly N days of working time lie between start and deadline.
- ``natural_hours`` and ``minutes``: plain elapsed time, night, weekend or holiday alike.

Arithmetic is in integer microseconds and skips whole stretches of days by counting (weeks by
formula, overrides by bisection), so a deadline years away costs the same as one tomorrow.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import accumulate
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
WORK_HOURS = "work_hours"
WORK_DAYS = "work_days"
NATURAL_HOURS = "natural_hours"
MINUTES = "minutes"
UNITS = (WORK_HOURS, WORK_DAYS, NATURAL_HOURS, MINUTES)
NATURAL_UNITS = frozenset({NATURAL_HOURS, MINUTES})

_SECOND = 1_000_000
_HOUR = 3600 * _SECOND


def _micros(moment: time) -> int:
    """Return the microseconds since midnight of a time of day."""
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * _SECOND + moment.microsecond


def _weekly_workday(day: date) -> bool:
    """Tell whether the weekly rule alone makes the day a workday (Monday to Friday)."""
    return day.weekday() < 5


def _weekdays_before(ordinal: int) -> int:
    """Return how many Mondays to Fridays have ordinals in [−6, ordinal)."""
    # Ordinal 1 (0001-01-01) is a Monday, so (ordinal + 6) % 7 is the weekday; shift to count from 0.
    shifted = ordinal + 6
    return (shifted // 7) * 5 + min(shifted % 7, 5)


class WorkCalendar:
    """Workdays and daily working periods in one time zone, with deadline arithmetic."""

    def __init__(
        self,
        overrides: Mapping[date, bool],
        periods: Sequence[tuple[time, time]],
        tz: tzinfo = SHANGHAI,
    ) -> None:
        self.tz = tz
        self._periods = self._check_periods(periods)
        self.day_micros = sum(end - start for start, end in self._periods)
        # Only days that differ from the weekly rule matter; keep them sorted with running deltas
        # (+1 for a make-up workday, −1 for a holiday) so a range is counted by two bisections.
        differing = sorted(
            (day, bool(work)) for day, work in overrides.items() if work != _weekly_workday(day)
        )
        self._overrides = dict(differing)
        self._ordinals = [day.toordinal() for day, _ in differing]
        self._deltas = [0, *accumulate(1 if work else -1 for _, work in differing)]

    @staticmethod
    def _check_periods(periods: Sequence[tuple[time, time]]) -> tuple[tuple[int, int], ...]:
        """Return the periods as sorted microsecond spans, refusing empty, reversed or overlapping ones."""
        spans = sorted((_micros(start), _micros(end)) for start, end in periods)
        if not spans:
            raise ValueError("a work calendar needs at least one working period")
        for (start, end), previous in zip(spans, [(0, 0), *spans], strict=False):
            if end <= start:
                raise ValueError("a working period must end after it starts")
            if start < previous[1]:
                raise ValueError("working periods must not overlap")
        return tuple(spans)

    # --- days ---------------------------------------------------------------------------------------

    def is_workday(self, day: date) -> bool:
        """Tell whether the day is a workday (override first, else Monday to Friday)."""
        return self._overrides.get(day, _weekly_workday(day))

    def workdays_between(self, first: date, last: date) -> int:
        """Return how many workdays lie in [first, last) (0 when last is not after first)."""
        return self._count(first.toordinal(), last.toordinal())

    def _count(self, lo: int, hi: int) -> int:
        """Return how many workdays have ordinals in [lo, hi)."""
        if hi <= lo:
            return 0
        weekly = _weekdays_before(hi) - _weekdays_before(lo)
        delta = self._deltas[bisect_left(self._ordinals, hi)] - self._deltas[bisect_left(self._ordinals, lo)]
        return weekly + delta

    def nth_workday_after(self, day: date, n: int) -> date:
        """Return the nth workday after the day (n ≥ 1; the day itself does not count)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        lo = day.toordinal() + 1
        span = n * 7 // 5 + 7
        while self._count(lo, lo + span) < n:  # long runs of holidays: widen the window
            span *= 2
        first, last = lo, lo + span - 1
        while first < last:  # the smallest ordinal whose count through it reaches n
            middle = (first + last) // 2
            if self._count(lo, middle + 1) >= n:
                last = middle
            else:
                first = middle + 1
        return date.fromordinal(first)

    # --- instants -----------------------------------------------------------------------------------

    def _local(self, moment: datetime) -> tuple[date, int]:
        """Return the local date and microseconds since local midnight of an aware datetime."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("naive datetime: working time needs an aware datetime")
        local = moment.astimezone(self.tz)
        return local.date(), _micros(local.time())

    def _instant(self, day: date, micros: int) -> datetime:
        """Return the aware datetime at the microseconds since midnight of the local day."""
        seconds, micro = divmod(micros, _SECOND)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        return datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=self.tz)

    def _worked_by(self, micros: int) -> int:
        """Return the working time of a workday from midnight to the time of day."""
        return sum(max(0, min(end, micros) - start) for start, end in self._periods)

    def _time_after_work(self, worked: int) -> int:
        """Return the first time of day by which a workday has `worked` working time (0 < worked ≤ day)."""
        for start, end in self._periods:
            if worked <= end - start:
                return start + worked
            worked -= end - start
        raise ValueError("more working time than a day holds")

    def is_working_time(self, moment: datetime) -> bool:
        """Tell whether the instant lies inside a working period of a workday (period ends included)."""
        day, micros = self._local(moment)
        return self.is_workday(day) and any(start <= micros <= end for start, end in self._periods)

    # --- arithmetic ---------------------------------------------------------------------------------

    def add(self, start: datetime, amount: int, unit: str) -> datetime:
        """Return the deadline `amount` units after start (see the module docstring for the rules)."""
        if amount < 0:
            raise ValueError("a time limit cannot be negative")
        if unit == WORK_HOURS:
            return self.add_working_time(start, timedelta(hours=amount))
        if unit == WORK_DAYS:
            return self._add_work_days(start, amount)
        if unit == NATURAL_HOURS:
            return self._add_natural(start, timedelta(hours=amount))
        if unit == MINUTES:
            return self._add_natural(start, timedelta(minutes=amount))
        raise ValueError(f"unknown time unit {unit!r}; expected one of {', '.join(UNITS)}")

    def _add_natural(self, start: datetime, delta: timedelta) -> datetime:
        """Return start plus elapsed time (by the UTC clock, so a DST change cannot skew it)."""
        self._local(start)  # refuse naive datetimes here too
        return (start.astimezone(UTC) + delta).astimezone(self.tz)

    def add_working_time(self, start: datetime, delta: timedelta) -> datetime:
        """Return the first instant at which `delta` of working time has passed since start."""
        remaining = delta // timedelta(microseconds=1)
        if remaining < 0:
            raise ValueError("working time to add cannot be negative")
        day, micros = self._local(start)
        if remaining == 0:
            return start
        if self.is_workday(day):
            worked = self._worked_by(micros)
            if remaining <= self.day_micros - worked:
                return self._instant(day, self._time_after_work(worked + remaining))
            remaining -= self.day_micros - worked
        whole_days, rest = divmod(remaining, self.day_micros)
        if rest == 0:
            return self._instant(
                self.nth_workday_after(day, whole_days), self._time_after_work(self.day_micros)
            )
        return self._instant(self.nth_workday_after(day, whole_days + 1), self._time_after_work(rest))

    def _add_work_days(self, start: datetime, days: int) -> datetime:
        """Return the deadline `days` workdays after start (same time of day when started in hours)."""
        day, micros = self._local(start)
        if days == 0:
            return start
        inside = self.is_workday(day) and any(s <= micros < e for s, e in self._periods)
        if inside:
            return self._instant(self.nth_workday_after(day, days), micros)
        return self.add_working_time(start, timedelta(microseconds=days * self.day_micros))

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Return the working time from a to b (negative when b is before a)."""
        return timedelta(microseconds=self._work_between(a, b))

    def working_seconds_between(self, a: datetime, b: datetime) -> float:
        """Return the working seconds from a to b (negative when b is before a)."""
        return self._work_between(a, b) / _SECOND

    def _work_between(self, a: datetime, b: datetime) -> int:
        """Return the working microseconds from a to b (negative when b is before a)."""
        day_a, micros_a = self._local(a)
        day_b, micros_b = self._local(b)
        if b < a:
            return -self._work_between(b, a)
        worked_a = self._worked_by(micros_a) if self.is_workday(day_a) else None
        worked_b = self._worked_by(micros_b) if self.is_workday(day_b) else None
        if day_a == day_b:
            return 0 if worked_a is None or worked_b is None else worked_b - worked_a
        total = self._count(day_a.toordinal() + 1, day_b.toordinal()) * self.day_micros
        if worked_a is not None:
            total += self.day_micros - worked_a
        if worked_b is not None:
            total += worked_b
        return total

    def elapsed_fraction(
        self,
        start: datetime,
        due: datetime,
        now: datetime,
        held_seconds: float = 0.0,
        *,
        natural: bool = False,
    ) -> float:
        """Return the share of the time from start to due used by now, less time spent on hold.

        Time is working time, or elapsed time when `natural` (limits in natural hours or minutes);
        `held_seconds` is measured the same way. Past the due the share exceeds 1.
        """
        total = self._measure(start, due, natural)
        used = self._measure(start, now, natural) - round(held_seconds * _SECOND)
        if total <= 0:  # a limit with no working time in it: all or nothing
            return 0.0 if now < due else (1.0 if now == due else math.inf)
        return used / total

    def _measure(self, a: datetime, b: datetime, natural: bool) -> int:
        """Return the microseconds from a to b: elapsed when natural, else working time."""
        if natural:
            self._local(a)  # refuse naive datetimes
            self._local(b)
            return (b - a) // timedelta(microseconds=1)
        return self._work_between(a, b)


__all__ = ["NATURAL_UNITS", "SHANGHAI", "UNITS", "WorkCalendar"]
