"""The only writers of API tokens: issue one (shown once), revoke one, note when one was used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.api.models import ApiToken
from gridgov.lib.crypto import new_secret, secret_digest
from gridgov.people.models import User

# Secret scanners and people recognise a gridgov token by its start.
SCHEME = "gg_"
PREFIX_LENGTH = len(SCHEME) + 6
MAX_NAME = 100
# Writing "last used" on every request would turn each read into a write; a minute is precise enough.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued: its row, and the token itself (never stored, shown once)."""

    token: ApiToken
    secret: str


@transaction.atomic
def issue_token(user: User, name: str, *, at: datetime | None = None) -> IssuedToken:
    """Create a token for the staff member and return it with its secret (which only the caller sees)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name (what it is for).")})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": _("At most %(max)d characters.") % {"max": MAX_NAME}})
    if not user.is_active:
        raise ValidationError({"user": _("The account %(user)s is not active.") % {"user": user.username}})
    secret, digest = new_secret(SCHEME)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        key_hash=digest,
        created_at=at or timezone.now(),
    )
    return IssuedToken(token, secret)


def revoke_token(token: ApiToken, *, at: datetime | None = None) -> bool:
    """Revoke the token from now on; tell whether it was active (revoking twice changes nothing)."""
    at = at or timezone.now()
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=at) == 1
    if revoked:
        token.revoked_at = at
    return revoked


def user_for_secret(secret: str, *, at: datetime | None = None) -> User | None:
    """Return the active staff member whose active token this is (noting the use), or None."""
    if not secret.startswith(SCHEME) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=secret_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    _touch(token, at or timezone.now())
    return token.user


def _touch(token: ApiToken, at: datetime) -> None:
    """Record the use, at most once a minute per token."""
    if token.last_used_at is not None and at - token.last_used_at < TOUCH_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)
