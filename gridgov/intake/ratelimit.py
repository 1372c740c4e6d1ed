"""Public-page rate limits: per phone, address and tracking number in the database, per network in the cache.

A resident may report freely, but one phone number or one address cannot flood the dispatchers.
Those limits are counted in the cases table (`reporter_phone_hash` and `address`, each with
`created_at`), so they hold across processes and restarts with no table of their own. A count and
the report that follows it are not one transaction: two reports sent in the same instant may both
pass the last free place, which a limit of this kind can afford.

Bursts from one network (a script posting in a loop, someone guessing tracking digits) are stopped
earlier, before any work, by a counter per client address in Django's cache, in fixed windows. The
default cache is local memory, one per process: with N processes a network gets up to N times the
limit. `GRIDGOV_CACHE_URL=redis://…` gives every process one shared cache and makes it exact.
Chinese mobile networks put many phones behind one address, so these limits are generous.

Tracking numbers are sequential and the phone's last four digits have only 10,000 values, so whoever
has enough addresses could still guess the digits of a given case. Failed lookups of one number are
therefore limited as well (`GRIDGOV_TRACK_LIMIT_NUMBER` in `GRIDGOV_TRACK_LIMIT_NUMBER_WINDOW`
seconds, from any network): past the limit every lookup of that number is refused, the right
digits too, until the oldest counted failure leaves the window. They are counted per normalised
number whether or not a case has it, and a locked made-up number is refused like a locked real
one, so the answers still do not tell whether a number exists. This count lives in the database
(`FailedLookup`, one row per failure, expired rows deleted as new ones come), not in the cache: a
district office runs several gunicorn processes, often without Redis, and a count per process would
give a guesser the limit once per process and a fresh one at every restart, while failed lookups
are few enough that one small insert each costs nothing. Refused lookups are not recorded, so a
locked number gains no rows. The count and the insert are not one transaction: W lookups served in
the same instant may each pass the last free place, so a guesser gets at most limit + W − 1 tries a
window, which leaves the 10,000 values out of reach.

Every limit is a setting (`GRIDGOV_REPORT_LIMIT_*`, `GRIDGOV_TRACK_LIMIT_*`), read from Django's
settings when the lead defines it there, else from the environment; 0 turns a limit off.
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from gridgov.cases import actions
from gridgov.cases.models import Case, FailedLookup
from gridgov.cases.queries import normalise_tracking_no
from gridgov.lib.crypto import cipher_for
from gridgov.lib.env import env_bool

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def setting(name: str, default: int) -> int:
    """Return the integer setting (read from the environment in gridgov/settings.py)."""
    return int(getattr(settings, name, default))


# --- per phone and per address, counted in the cases table --------------------------------------------


def phone_hash(phone: str) -> str:
    """Return the keyed hash under which cases store the (normalised) reporter phone."""
    return cipher_for(settings.FIELD_ENCRYPTION_KEY).lookup_hash(phone)


def report_refusal(phone: str, address: str, now: datetime) -> str | None:
    """Return why a report from the phone about the address is refused now (translated), or None."""
    if phone:
        reason = _phone_refusal(phone_hash(phone), now)
        if reason:
            return reason
    if address:
        return _address_refusal(address, now)
    return None


def _phone_refusal(digest: str, now: datetime) -> str | None:
    mine = Case.objects.filter(reporter_phone_hash=digest)
    per_hour = setting("GRIDGOV_REPORT_LIMIT_PHONE_HOUR", 5)
    if per_hour and mine.filter(created_at__gt=now - HOUR).count() >= per_hour:
        return _(
            "This phone number has sent %(count)d reports in the last hour. Please wait a while before "
            "sending another; urgent matters can be reported by calling 12345."
        ) % {"count": per_hour}
    per_day = setting("GRIDGOV_REPORT_LIMIT_PHONE_DAY", 20)
    if per_day and mine.filter(created_at__gt=now - DAY).count() >= per_day:
        return _(
            "This phone number has sent %(count)d reports in the last 24 hours. Please try again "
            "tomorrow; urgent matters can be reported by calling 12345."
        ) % {"count": per_day}
    return None


def _address_refusal(address: str, now: datetime) -> str | None:
    per_hour = setting("GRIDGOV_REPORT_LIMIT_ADDRESS_HOUR", 10)
    if not per_hour:
        return None
    count = Case.objects.filter(address=address, created_at__gt=now - HOUR).count()
    if count >= per_hour:
        return _(
            "This address has been reported %(count)d times in the last hour, so the matter is most "
            "likely known already. Please try again later."
        ) % {"count": per_hour}
    return None


# --- per tracking number, counted in the database -------------------------------------------------------


def _number_limit() -> tuple[int, timedelta]:
    count = setting("GRIDGOV_TRACK_LIMIT_NUMBER", 10)
    window = max(1, setting("GRIDGOV_TRACK_LIMIT_NUMBER_WINDOW", 86400))
    return count, timedelta(seconds=window)


def tracking_refusal(tracking_no: str, now: datetime) -> str | None:
    """Return why lookups of the tracking number are refused now (translated), or None.

    A number no case has is refused the same way, so the refusal does not tell whether it exists.
    """
    number = normalise_tracking_no(tracking_no)
    count, window = _number_limit()
    if not number or count <= 0:
        return None
    recent = FailedLookup.objects.filter(tracking_no=number, at__gt=now - window).order_by("-at")
    # The count-th newest failure of the window, if there is one: the lock holds until it leaves the window.
    reached = list(recent.values_list("at", flat=True)[count - 1 : count])
    if not reached:
        return None
    minutes = math.ceil((reached[0] + window - now).total_seconds() / 60)
    return _(
        "This tracking number has been entered with wrong digits too many times, so to protect the "
        "reporter it cannot be looked up for the next %(wait)s. Please try again then, or call 12345 to "
        "ask about the report."
    ) % {"wait": timeuntil(now + timedelta(minutes=minutes), now)}


def count_failed_lookup(tracking_no: str, now: datetime) -> None:
    """Count a failed lookup of the tracking number toward its limit, whether or not a case has it."""
    number = normalise_tracking_no(tracking_no)
    count, window = _number_limit()
    if number and count > 0:
        actions.record_failed_lookup(number, now, window)


# --- per network, counted in the cache ------------------------------------------------------------------


def client_network(request: HttpRequest) -> str:
    """Return the client's network: its IPv4 address, or the /64 of an IPv6 one (one household's line).

    Behind a reverse proxy (`BEHIND_PROXY`), the address is the last one the proxy added to
    X-Forwarded-For; earlier entries come from the client and prove nothing.
    """
    raw = request.META.get("REMOTE_ADDR", "")
    if env_bool("BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        raw = forwarded.rsplit(",", 1)[-1].strip() or raw
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


@dataclass(frozen=True)
class NetworkLimit:
    """At most `count` hits per client network in `window` seconds, in Django's cache (fixed windows)."""

    scope: str
    count_setting: str
    default_count: int
    window_setting: str
    default_window: int

    @property
    def count(self) -> int:
        return setting(self.count_setting, self.default_count)

    @property
    def window(self) -> int:
        return max(1, setting(self.window_setting, self.default_window))

    def _key(self, request: HttpRequest) -> str:
        window = int(time.time() // self.window)
        return f"gridgov:ratelimit:{self.scope}:{client_network(request)}:{window}"

    def blocked(self, request: HttpRequest) -> bool:
        """Return whether the client's network used up the current window."""
        count = self.count
        return count > 0 and int(cache.get(self._key(request), 0)) >= count

    def hit(self, request: HttpRequest) -> int:
        """Count one hit of the client's network and return the window's count so far."""
        key = self._key(request)
        # add() is atomic where the cache is shared; incr() then counts without a lost update.
        cache.add(key, 0, self.window + 5)
        try:
            return cache.incr(key)
        except ValueError:  # the window expired between add() and incr()
            cache.set(key, 1, self.window + 5)
            return 1


# Reports sent from one network (every attempt counts, so a script posting junk is stopped too).
REPORTS = NetworkLimit("report", "GRIDGOV_REPORT_LIMIT_IP", 30, "GRIDGOV_REPORT_LIMIT_IP_WINDOW", 600)
# Failed lookups on /track/ from one network: 10,000 possible last-four digits cannot be tried out.
TRACKING = NetworkLimit("track", "GRIDGOV_TRACK_LIMIT_IP", 20, "GRIDGOV_TRACK_LIMIT_IP_WINDOW", 600)


def network_refusal() -> str:
    """Return the message for a network that used up its window (translated)."""
    return _("Too many attempts from your network in a short time. Please wait a few minutes and try again.")
