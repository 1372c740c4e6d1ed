"""Make API keys and recognise them; the database keeps only their digests.

Every report checks its key, so the check is one written-out statement on the digest's unique index:
built through the ORM, the same lookup took about a tenth of a report's time in the profile of the
POST path, written out about a fiftieth. It is not cached: a revoked key stops working at once.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db import connection
from django.utils.translation import gettext as _

from gridgov.lib.crypto import new_secret, secret_digest
from gridgov.open311.errors import Forbidden
from gridgov.open311.models import ApiKey

# The prefix tells a gridgov Open311 key apart in a password manager or a leaked-secret scan.
KEY_PREFIX = "o311_"
SHOWN = 10  # characters of the key kept in clear, to recognise it in `gridgov open311-key list`
MAX_KEY = 200  # longer input is not a key; refuse it before hashing


class ActiveKey(NamedTuple):
    """An unrevoked key as a report needs it: its id, and its own hourly limit (None: the default)."""

    id: int
    hourly_limit: int | None


def new_key() -> tuple[str, str]:
    """Return a fresh random key (256 bits) and the digest under which it is stored."""
    return new_secret(KEY_PREFIX)


def active_key(key: str) -> ActiveKey | None:
    """Return the unrevoked API key the text is, or None (one indexed lookup by digest, for every report)."""
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_ACTIVE_SQL, [secret_digest(key)])
        row = cursor.fetchone()
    return ActiveKey(*row) if row is not None else None


def invalid_key() -> Forbidden:
    """Return the refusal of a missing, unknown or revoked key (translated)."""
    return Forbidden([_("Invalid api_key received; ask the district grid centre for a key.")])


_ACTIVE_SQL = f"SELECT id, hourly_limit FROM {ApiKey._meta.db_table} WHERE digest = %s AND revoked_at IS NULL"
