"""Tracking numbers (工单号): prefix, the report's date in Shanghai, a per-day sequence (SF20260621-0001)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from gridgov.cases.models import TrackingCounter

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_PREFIX = "SF"


def tracking_prefix() -> str:
    """Return the prefix of new tracking numbers (setting GRIDGOV_TRACKING_PREFIX, default SF)."""
    return str(getattr(settings, "GRIDGOV_TRACKING_PREFIX", DEFAULT_PREFIX) or DEFAULT_PREFIX)


def format_tracking_no(day: date, number: int) -> str:
    """Return the tracking number of the day's n-th case (four digits, more past 9,999)."""
    return f"{tracking_prefix()}{day:%Y%m%d}-{number:04d}"


def next_tracking_no(at: datetime) -> str:
    """Take the next number of the day the moment falls on in Shanghai; call inside the report's transaction.

    The counter row is bumped with one UPDATE … SET last = last + 1, which takes the row lock, so two
    concurrent reports never read the same value; the second waits for the first to commit. The
    first report of a day creates the row; if two race to create it, the loser retries the update.
    """
    day = at.astimezone(SHANGHAI).date()
    if not TrackingCounter.objects.filter(day=day).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                TrackingCounter.objects.create(day=day, last=1)
            return format_tracking_no(day, 1)
        except IntegrityError:
            TrackingCounter.objects.filter(day=day).update(last=F("last") + 1)
    last = TrackingCounter.objects.filter(day=day).values_list("last", flat=True).get()
    return format_tracking_no(day, last)
