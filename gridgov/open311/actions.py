"""The only writers of the open311 app: make, limit and revoke API keys, and file a report under a key."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases.models import Case
from gridgov.lib import rows
from gridgov.open311 import intake, keys, limits
from gridgov.open311.models import ApiKey, Filing

MAX_NAME = ApiKey._meta.get_field("name").max_length or 60
_FILING_FIELDS = ("case", "key", "filed_at")


@transaction.atomic
def create_key(name: str, *, hourly_limit: int | None = None) -> tuple[ApiKey, str]:
    """Store a new key for the client name and return it with the key itself (shown this once).

    `hourly_limit` is the key's own limit of reports an hour (0: none); None leaves it at the default.
    """
    name = _clean_name(name)
    if hourly_limit is not None and hourly_limit < 0:
        raise ValidationError(_("A key's limit is a number of reports an hour, 0 for no limit."))
    if ApiKey.objects.filter(name=name, revoked_at=None).exists():
        raise ValidationError(_("An active key named “%(name)s” exists; revoke it first.") % {"name": name})
    key, digest = keys.new_key()
    stored = ApiKey.objects.create(
        name=name,
        prefix=key[: keys.SHOWN],
        digest=digest,
        created_at=timezone.now(),
        hourly_limit=hourly_limit,
    )
    return stored, key


@transaction.atomic
def set_limit(name: str, hourly_limit: int | None) -> ApiKey:
    """Give the active key of the client name its own hourly limit (0: none), or the default again (None).

    The key stays the same, so the client changes nothing; the next report counts against the new limit.
    """
    name = _clean_name(name)
    if hourly_limit is not None and hourly_limit < 0:
        raise ValidationError(_("A key's limit is a number of reports an hour, 0 for no limit."))
    key = ApiKey.objects.select_for_update().filter(name=name, revoked_at=None).first()
    if key is None:
        raise ValidationError(_("No active key is named “%(name)s”.") % {"name": name})
    key.hourly_limit = hourly_limit
    key.save(update_fields=["hourly_limit"])
    return key


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


def file_report(key: keys.ActiveKey, form: QueryDict) -> intake.Filed:
    """Store the form's report filed with the key, with the filing its hourly limit counts, in one transaction.

    Raises TooManyRequests when the key has filed its limit in the last hour, BadRequest for a bad
    form; either way nothing is written.
    """
    # A key past its limit is refused before any work; the count that decides is the one below.
    limits.check(key, timezone.now(), lock=False)

    def record(case: Case) -> None:
        # In the report's transaction, after its writes: a refusal here undoes them.
        limits.check(key, case.created_at, lock=True)
        rows.insert(Filing, _FILING_FIELDS, [(case.pk, key.id, case.created_at)])

    return intake.file_report(form, on_stored=record)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Name the client the key is for."))
    if len(name) > MAX_NAME:
        raise ValidationError(_("A key name has at most %(max)d characters.") % {"max": MAX_NAME})
    return name
