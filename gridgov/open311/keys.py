"""Make API keys and recognise them; the database keeps only their digests.

Every report checks its key, so the check is one written-out statement on the digest's unique index:
built through the ORM, the same lookup took about a tenth of a report's time in the profile of the
POST path, written out about a fiftieth. It is not cached: a revoked key stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import connection

from gridgov.open311.models import ApiKey

# The prefix tells a gridgov Open311 key apart in a password manager or a leaked-secret scan.
KEY_PREFIX = "o311_"
KEY_BYTES = 32
SHOWN = 10  # characters of the key kept in clear, to recognise it in `gridgov open311-key list`
MAX_KEY = 200  # longer input is not a key; refuse it before hashing


def new_key() -> str:
    """Return a fresh random key (256 bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)


def digest_of(key: str) -> str:
    """Return the hex SHA-256 digest under which the key is stored."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def is_active_key(key: str) -> bool:
    """Return whether the text is an unrevoked API key (one indexed lookup by digest, for every report)."""
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY:
        return False
    with connection.cursor() as cursor:
        cursor.execute(_ACTIVE_SQL, [digest_of(key)])
        return cursor.fetchone() is not None


_ACTIVE_SQL = f"SELECT 1 FROM {ApiKey._meta.db_table} WHERE digest = %s AND revoked_at IS NULL"
