"""The hourly limit of an API key: at most so many reports in any hour, counted in the database.

Each report filed with a key leaves a `Filing` row in the report's own transaction, so the count
holds across server processes and restarts, and a refused or failed report counts for nothing. The
limit is the key's own (`gridgov open311-key create NAME --limit N`), else
`GRIDGOV_OPEN311_KEY_LIMIT_HOUR`; 0 is no limit, and then nothing is counted at all.

A key is counted twice per report: before any work, so that a key past its limit is refused at
once, and in the report's transaction after its writes, under a lock of the key's row, so that two
reports of one key in the same instant cannot both take its last free place (on SQLite the write
transaction already queues every writer). Only reports of a limited key queue so; at a limit of
hundreds an hour they never meet.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from gridgov.open311.errors import TooManyRequests
from gridgov.open311.keys import ActiveKey, invalid_key
from gridgov.open311.models import ApiKey, Filing

WINDOW = timedelta(hours=1)


def hourly_limit(own: int | None) -> int:
    """Return how many reports a key with its own limit (None: none set) may file in any hour (0: no limit)."""
    return max(0, own if own is not None else settings.GRIDGOV_OPEN311_KEY_LIMIT_HOUR)


def check(key: ActiveKey, now: datetime, *, lock: bool) -> None:
    """Refuse a report when the key filed its limit in the hour before now.

    Raises TooManyRequests with the seconds until the oldest of those reports leaves the hour. With
    `lock` (inside the report's transaction) the key's row is locked first, so that the count holds
    until the transaction ends, and a key revoked meanwhile is refused.
    """
    limit = hourly_limit(key.hourly_limit)
    if not limit:
        return
    if lock:
        # The day's tracking counter happens to queue reports as well; this lock keeps the count exact
        # whatever becomes of the counter.
        locked = ApiKey.objects.select_for_update().filter(pk=key.id, revoked_at=None).order_by()
        if not list(locked.values_list("pk", flat=True)):
            raise invalid_key()  # revoked since it was read: the revocation wins
    # The limit-th newest filing of the hour, if there is one, is the place a new report would exceed.
    recent = Filing.objects.filter(key_id=key.id, filed_at__gt=now - WINDOW).order_by("-filed_at")
    reached = list(recent.values_list("filed_at", flat=True)[limit - 1 : limit])
    if not reached:
        return
    wait = max(1, math.ceil((reached[0] + WINDOW - now).total_seconds()))
    message = _(
        "This api_key may file %(limit)d reports an hour and has filed them; try again in %(seconds)d seconds."
    )
    raise TooManyRequests([message % {"limit": limit, "seconds": wait}], retry_after=wait)
