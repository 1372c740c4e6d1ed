"""The only writers of the open311 app: make and revoke API keys."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.open311 import keys
from gridgov.open311.models import ApiKey

MAX_NAME = ApiKey._meta.get_field("name").max_length or 60


@transaction.atomic
def create_key(name: str) -> tuple[ApiKey, str]:
    """Store a new key for the client name and return it with the key itself (shown this once)."""
    name = _clean_name(name)
    if ApiKey.objects.filter(name=name, revoked_at=None).exists():
        raise ValidationError(_("An active key named “%(name)s” exists; revoke it first.") % {"name": name})
    key = keys.new_key()
    stored = ApiKey.objects.create(
        name=name, prefix=key[: keys.SHOWN], digest=keys.digest_of(key), created_at=timezone.now()
    )
    return stored, key


@transaction.atomic
def revoke_key(name: str) -> ApiKey:
    """Revoke the active key of the client name, at once for every server process."""
    name = _clean_name(name)
    key = ApiKey.objects.select_for_update().filter(name=name, revoked_at=None).first()
    if key is None:
        raise ValidationError(_("No active key is named “%(name)s”.") % {"name": name})
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    return key


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Name the client the key is for."))
    if len(name) > MAX_NAME:
        raise ValidationError(_("A key name has at most %(max)d characters.") % {"max": MAX_NAME})
    return name
