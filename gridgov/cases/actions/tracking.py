"""Tracking numbers (工单号): prefix, the report's date in Shanghai, a per-day sequence (SF20260621-0001).

Also the record of failed lookups of a number, which the public tracking limit counts.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F

from gridgov.cases.models import FailedLookup, TrackingCounter

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
    taken = _bump_returning(day)
    if taken is not None:
        return format_tracking_no(day, taken)
    if not TrackingCounter.objects.filter(day=day).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                TrackingCounter.objects.create(day=day, last=1)
            return format_tracking_no(day, 1)
        except IntegrityError:
            TrackingCounter.objects.filter(day=day).update(last=F("last") + 1)
    last = TrackingCounter.objects.filter(day=day).values_list("last", flat=True).get()
    return format_tracking_no(day, last)


def _bump_returning(day: date) -> int | None:
    """Bump the day's counter and read it back in one statement; None when the row is missing or the
    database cannot return columns from an UPDATE (then the general path above does it in steps).

    Every report takes a number, so this is one statement instead of two on the hot path of intake.
    """
    connection = connections[router.db_for_write(TrackingCounter)]
    if not connection.features.can_return_columns_from_insert:  # SQLite ≥ 3.35 and PostgreSQL can
        return None
    quote = connection.ops.quote_name
    table = quote(TrackingCounter._meta.db_table)
    last, key = quote("last"), quote("day")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last} = {last} + 1 WHERE {key} = %s RETURNING {last}",
            [connection.ops.adapt_datefield_value(day)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


@transaction.atomic
def record_failed_lookup(tracking_no: str, at: datetime, keep: timedelta) -> None:
    """Record a failed lookup of the (normalised) tracking number, and forget those older than `keep`.

    Deleting the expired rows here keeps the table at most one window of failures long with no sweep
    of its own; the `at` index finds them.
    """
    FailedLookup.objects.filter(at__lte=at - keep).delete()
    FailedLookup.objects.create(tracking_no=tracking_no, at=at)
