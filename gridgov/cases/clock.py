"""Deadlines and the traffic-light colour of a case, derived from the time limits and the work calendar.

The case row stores facts (`stage`, `stage_started_at`, `due_at`, `case_due_at`, `held_since`); the
colour is computed from them and the time now, never stored:

- the share of the stage's limit used = (limit − time left until `due_at`) / limit, time counted as
  working time for limits in working hours or days, as elapsed time for natural hours and minutes;
- green under 80%, yellow from 80% to 100% (the due instant itself), red once the due has passed;
- on hold the clock is paused: the share is the one at `held_since`; on resuming, `due_at` moves by
  the paused time (`resume_changes`), so the time left is what it was when the hold began. An approved
  extension moves `due_at` later (`extend`), which gives back time and can turn red into yellow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from gridgov.cases import workflow
from gridgov.cases.calendar import TableCache, current_calendar
from gridgov.cases.models import Case, Category, Stage, Status, TimeLimit, TimeUnit
from gridgov.lib.worktime import NATURAL_UNITS

GREEN, YELLOW, RED = "green", "yellow", "red"
WARN_AT = 0.8  # the share of the limit at which a case turns yellow

LimitKey = tuple[int | None, str, str]


class NoTimeLimit(LookupError):
    """No time limit is set for the stage, neither for the category nor as the default."""


def _build_limits() -> dict[LimitKey, TimeLimit]:
    """Return every time limit by (category id or None, urgency, stage)."""
    return {(limit.category_id, limit.urgency, limit.stage): limit for limit in TimeLimit.objects.all()}


_limits = TableCache(_build_limits)


@receiver([post_save, post_delete], sender=TimeLimit, dispatch_uid="time_limit_changed")
def _limits_changed(**kwargs: Any) -> None:
    _limits.clear_on_change()


def limit_for(category: Category | int | None, urgency: str, stage: str) -> TimeLimit:
    """Return the stage's time limit: the category's own row first, else the default row for the urgency."""
    category_id = category.pk if isinstance(category, Category) else category
    table = _limits.get()
    for key in ((category_id, urgency, stage), (None, urgency, stage)):
        if key in table:
            return table[key]
    raise NoTimeLimit(
        _("No time limit is set for the stage “%(stage)s” at urgency “%(urgency)s”.")
        % {"stage": stage, "urgency": urgency}
    )


def deadline(category: Category | int | None, urgency: str, stage: str, start: datetime) -> datetime:
    """Return when the stage started at `start` is due, by its time limit and the work calendar."""
    limit = limit_for(category, urgency, stage)
    return current_calendar().add(start, limit.amount, limit.unit)


def extend(due: datetime, amount: int, unit: str) -> datetime:
    """Return the due moved later by an approved extension of `amount` units."""
    return current_calendar().add(due, amount, unit)


def _is_natural(limit: TimeLimit | None) -> bool:
    """Tell whether the limit is counted in elapsed time rather than working time."""
    return limit is not None and limit.unit in NATURAL_UNITS


def _limit_or_none(case: Case, stage: str) -> TimeLimit | None:
    """Return the case's time limit for the stage, or None when none is set."""
    try:
        return limit_for(case.category_id, case.urgency, stage)
    except NoTimeLimit:
        return None


def _limit_length(limit: TimeLimit) -> timedelta:
    """Return the length of a limit: working time for working units, elapsed time otherwise."""
    if limit.unit == TimeUnit.WORK_DAYS:
        return timedelta(microseconds=limit.amount * current_calendar().day_micros)
    if limit.unit == TimeUnit.MINUTES:
        return timedelta(minutes=limit.amount)
    return timedelta(hours=limit.amount)


def _time_between(a: datetime, b: datetime, natural: bool) -> timedelta:
    """Return the time from a to b: elapsed when natural, else working time."""
    return b - a if natural else current_calendar().working_time_between(a, b)


# --- the colour -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """How much of a limit is used at an instant; `used` exceeds `limit` once the due has passed."""

    used: timedelta
    limit: timedelta
    overdue: bool

    @property
    def fraction(self) -> float:
        """Return the share of the limit used (above 1 when overdue)."""
        if self.limit <= timedelta(0):  # a limit without working time in it: all or nothing
            return float("inf") if self.overdue else 1.0
        return self.used / self.limit

    @property
    def colour(self) -> str:
        """Return green, yellow or red for the share used."""
        if self.overdue:
            return RED
        # timedelta × float rounds to whole microseconds, so exactly 80% is yellow.
        return YELLOW if self.used >= self.limit * WARN_AT else GREEN


def _usage(case: Case, due: datetime | None, stage: str, now: datetime) -> Usage | None:
    """Return the usage of the stage's limit at now (paused at `held_since`), or None without a clock."""
    if case.status not in workflow.OPEN or due is None:
        return None
    at = case.held_since or now  # on hold the clock stands still
    limit = _limit_or_none(case, stage)
    natural = _is_natural(limit)
    if limit is not None:
        length = _limit_length(limit)
    elif case.stage_started_at is not None:  # no limit any more: measure against the stage's own span
        length = _time_between(case.stage_started_at, due, natural)
    else:
        length = timedelta(0)
    left = _time_between(at, due, natural)
    return Usage(used=length - left, limit=length, overdue=at > due)


def stage_usage(case: Case, now: datetime) -> Usage | None:
    """Return how much of the current stage's limit the case has used, or None when no clock runs."""
    if not case.stage:
        return None
    return _usage(case, case.due_at, case.stage, now)


def colour(case: Case, now: datetime) -> str:
    """Return "green", "yellow" or "red" for the case's current stage, or "" when no clock runs."""
    usage = stage_usage(case, now)
    return usage.colour if usage else ""


def case_colour(case: Case, now: datetime) -> str:
    """Return the colour of the whole-case deadline (`case_due_at`), or "" when none runs."""
    usage = _usage(case, case.case_due_at, TimeLimit.Stage.WHOLE, now)
    return usage.colour if usage else ""


# --- moving the clock -----------------------------------------------------------------------------


def _moved_by_hold(case: Case, due: datetime | None, stage: str, resumed_at: datetime) -> datetime | None:
    """Return the due moved later by the time the case spent on hold."""
    if due is None or case.held_since is None:
        return due
    natural = _is_natural(_limit_or_none(case, stage))
    paused = _time_between(case.held_since, resumed_at, natural)
    if paused <= timedelta(0):
        return due
    return due + paused if natural else current_calendar().add_working_time(due, paused)


def hold_resumed_due(case: Case, resumed_at: datetime) -> datetime | None:
    """Return the stage's new due after the hold that began at `case.held_since` ends at `resumed_at`."""
    return _moved_by_hold(case, case.due_at, case.stage or Stage.HANDLE, resumed_at)


def resume_changes(case: Case, resumed_at: datetime) -> dict[str, Any]:
    """Return the clock fields a resume move writes: both dues moved by the hold, the hold cleared."""
    return {
        "due_at": hold_resumed_due(case, resumed_at),
        "case_due_at": _moved_by_hold(case, case.case_due_at, TimeLimit.Stage.WHOLE, resumed_at),
        "held_since": None,
    }


def stage_changes(case: Case, status: str, at: datetime) -> dict[str, Any]:
    """Return the clock fields of a move into `status`: its stage, start, due, and a fresh urging.

    A case on a new stage may be urged again when that stage runs late, so `overdue_urged_at` is
    cleared. A stage without a time limit has no due.
    """
    stage = workflow.STAGE_OF.get(status, Stage.NONE)
    due = None
    if stage:
        try:
            due = deadline(case.category_id, case.urgency, stage, at)
        except NoTimeLimit:
            due = None
    return {"stage": stage, "stage_started_at": at, "due_at": due, "overdue_urged_at": None}


def is_overdue(case: Case, now: datetime) -> bool:
    """Tell whether the case's running clock has passed its due (a held case is never overdue)."""
    return (
        case.status in workflow.OPEN
        and case.status != Status.ON_HOLD
        and case.held_since is None
        and case.due_at is not None
        and case.due_at < now
    )


__all__ = [
    "GREEN",
    "RED",
    "YELLOW",
    "NoTimeLimit",
    "Usage",
    "case_colour",
    "colour",
    "deadline",
    "extend",
    "hold_resumed_due",
    "is_overdue",
    "limit_for",
    "resume_changes",
    "stage_changes",
    "stage_usage",
]
