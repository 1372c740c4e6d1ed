"""The work calendar in the database: seeding from the statutory calendar, and the cached `WorkCalendar`.

Only days that differ from the weekly rule are stored: holidays on weekdays (named 国庆节, 春节 …) and
make-up workdays on weekends (调休上班). The `chinese_calendar` package knows the State Council's notices
for the years it ships; next year's notice is entered by hand in the admin (source "manual"), and a
reseed never overwrites a manual day.
"""

from __future__ import annotations

import threading
import time as clock
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, Generic, TypeVar

import chinese_calendar
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from gridgov.cases.models import CalendarDay, WorkPeriod
from gridgov.lib.worktime import WorkCalendar

# Chinese government office hours; the data migration installs them, administrators may change them.
DEFAULT_PERIODS = ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30)))
MAKE_UP_WORKDAY = "调休上班"
# The package's English names (its own Chinese ones are abbreviated, e.g. 清明, 端午).
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
# Another process sees a calendar edit within this many seconds (the saving process at once).
CACHE_SECONDS = 60.0

T = TypeVar("T")
_CACHES: list[TableCache[Any]] = []


# --- the statutory calendar -----------------------------------------------------------------------


@dataclass(frozen=True)
class SeedDay:
    date: date
    is_workday: bool
    name: str


def holiday_name(english: str) -> str:
    """Return the Chinese name of a holiday named in English by the `chinese_calendar` package."""
    if english in HOLIDAY_NAMES:
        return HOLIDAY_NAMES[english]
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return english


def known_years() -> range:
    """Return the years the installed `chinese_calendar` package knows."""
    years = [day.year for day in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def statutory_days(year: int) -> list[SeedDay]:
    """Return the days of the year that differ from the weekly rule, per the statutory calendar."""
    days = [
        SeedDay(day, False, holiday_name(name))
        for day, name in chinese_calendar.holidays.items()
        if day.year == year and day.weekday() < 5
    ]
    days += [
        SeedDay(day, True, MAKE_UP_WORKDAY)
        for day in chinese_calendar.workdays
        if day.year == year and day.weekday() >= 5
    ]
    return sorted(days, key=lambda seed: seed.date)


# --- seeding --------------------------------------------------------------------------------------


@dataclass
class SeedReport:
    years: list[int]
    created: list[SeedDay] = field(default_factory=list)
    updated: list[SeedDay] = field(default_factory=list)
    removed: list[date] = field(default_factory=list)
    manual_kept: list[date] = field(default_factory=list)
    unchanged: int = 0
    periods_created: int = 0

    @property
    def changes(self) -> int:
        """Return how many rows the seeding writes or deletes."""
        return len(self.created) + len(self.updated) + len(self.removed) + self.periods_created


def seed_calendar(
    years: Iterable[int],
    *,
    commit: bool,
    day_model: Any = CalendarDay,
    period_model: Any = WorkPeriod,
    using: str = "default",
) -> SeedReport:
    """Bring the seeded days of the years in line with the statutory calendar; never touch manual days.

    The model classes are parameters so the data migration can pass its historical models. Without
    working periods the default office hours are installed too.
    """
    report = SeedReport(years=sorted(set(years)))
    days, periods = day_model.objects.using(using), period_model.objects.using(using)
    with transaction.atomic(using=using):
        for year in report.years:
            _seed_year(year, report, days, commit)
        if not periods.exists():
            report.periods_created = len(DEFAULT_PERIODS)
            if commit:
                periods.bulk_create(period_model(start=s, end=e) for s, e in DEFAULT_PERIODS)
    if commit:
        clear_caches()  # bulk writes send no signals
    return report


def _seed_year(year: int, report: SeedReport, days: Any, commit: bool) -> None:
    """Plan (and with commit, write) the changes of one year's seeded days (`days`: the model's manager)."""
    stored = {row.date: row for row in days.filter(date__year=year)}
    wanted = {seed.date: seed for seed in statutory_days(year)}
    created, updated = [], []
    for seed in wanted.values():
        row = stored.get(seed.date)
        if row is None:
            created.append(seed)
        elif row.source == CalendarDay.Source.MANUAL:
            report.manual_kept.append(seed.date)
        elif (row.is_workday, row.name) != (seed.is_workday, seed.name):
            updated.append(seed)
        else:
            report.unchanged += 1
    stale = [
        day for day, row in stored.items() if day not in wanted and row.source == CalendarDay.Source.SEEDED
    ]
    report.created += created
    report.updated += updated
    report.removed += stale
    if commit:
        days.bulk_create(
            days.model(date=s.date, is_workday=s.is_workday, name=s.name, source=CalendarDay.Source.SEEDED)
            for s in created
        )
        for seed in updated:
            days.filter(date=seed.date).update(is_workday=seed.is_workday, name=seed.name)
        days.filter(date__in=stale, source=CalendarDay.Source.SEEDED).delete()


# --- the cached calendar --------------------------------------------------------------------------


class TableCache(Generic[T]):
    """A value built from a small table, kept per process, rebuilt when stale or cleared."""

    def __init__(self, build: Callable[[], T], seconds: float = CACHE_SECONDS) -> None:
        self._build = build
        self._seconds = seconds
        self._lock = threading.Lock()
        self._value: T | None = None
        self._built_at = 0.0
        _CACHES.append(self)

    def get(self) -> T:
        """Return the value, building it when absent or older than the cache's lifetime."""
        with self._lock:
            if self._value is None or clock.monotonic() - self._built_at > self._seconds:
                self._value = self._build()
                self._built_at = clock.monotonic()
            return self._value

    def clear(self) -> None:
        """Forget the value; the next `get` rebuilds it."""
        with self._lock:
            self._value = None

    def clear_on_change(self) -> None:
        """Forget the value now (this transaction sees its own change) and again after commit."""
        self.clear()
        transaction.on_commit(self.clear, robust=True)


def clear_caches() -> None:
    """Forget every cached table of this process (tests call this between cases)."""
    for cache in _CACHES:
        cache.clear()


def _build_calendar() -> WorkCalendar:
    """Return the work calendar of the stored days and periods (default periods when none are stored)."""
    overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
    periods = list(WorkPeriod.objects.values_list("start", "end")) or list(DEFAULT_PERIODS)
    return WorkCalendar(overrides, periods)


_calendar = TableCache(_build_calendar)


def current_calendar() -> WorkCalendar:
    """Return the work calendar; cached per process and rebuilt after a calendar edit."""
    return _calendar.get()


@receiver([post_save, post_delete], sender=CalendarDay, dispatch_uid="calendar_day_changed")
@receiver([post_save, post_delete], sender=WorkPeriod, dispatch_uid="work_period_changed")
def _calendar_changed(**kwargs: Any) -> None:
    _calendar.clear_on_change()


__all__ = [
    "DEFAULT_PERIODS",
    "HOLIDAY_NAMES",
    "MAKE_UP_WORKDAY",
    "SeedDay",
    "SeedReport",
    "TableCache",
    "clear_caches",
    "current_calendar",
    "known_years",
    "seed_calendar",
    "statutory_days",
]
