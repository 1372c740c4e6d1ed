"""The only writers of the wechat app: answered messages, drafts and reported positions.

Reports go through `cases.actions`.

Every function runs inside the transaction `conversation.receive` opens for one message, so a message
is remembered together with what it changed, or not at all (WeChat then sends it again). A draft is
locked while a message changes it: two messages of one resident arriving together (a photo and a
location sent a moment apart) are applied one after the other, not over each other.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils.translation import gettext as _

from gridgov.cases import actions as case_actions
from gridgov.cases.evidence import Photo
from gridgov.cases.models import Case, Channel
from gridgov.lib.crypto import cipher_for
from gridgov.wechat.models import MAX_PHOTOS, POSITION_FRESH, Draft, DraftPhoto, ReportedPosition, SeenMessage
from gridgov.wechat.protocol import Incoming

log = logging.getLogger(__name__)

# How long an expired draft is kept (to tell its resident it was dropped) and a message key remembered.
KEEP = timedelta(days=1)
ADDRESS_LENGTH = 200
MAX_DESCRIPTION = Case._meta.get_field("description").max_length or 4000


class AlreadySeen(Exception):
    """The message was answered before (WeChat resent it, or another process is answering it)."""


def stored_reply(key: str) -> str | None:
    """Return the reply given to the message with the key, or None if it was not answered yet."""
    return SeenMessage.objects.filter(key=key).values_list("reply", flat=True).first()


def claim(incoming: Incoming, at: datetime) -> SeenMessage:
    """Remember the message as being answered, or raise AlreadySeen if another copy got there first.

    The unique key decides: on PostgreSQL a second copy's insert waits for the first copy's
    transaction and fails once it commits; SQLite runs one writing transaction at a time.
    """
    try:
        with transaction.atomic():
            return SeenMessage.objects.create(key=incoming.key, openid=incoming.openid, received_at=at)
    except IntegrityError:
        raise AlreadySeen from None


def record_reply(seen: SeenMessage, reply: str, tracking_no: str = "") -> None:
    """Store the reply given, so that a resent copy of the message gets the same one."""
    seen.reply = reply
    seen.tracking_no = tracking_no
    seen.save(update_fields=["reply", "tracking_no"])


def current_draft(openid: str, at: datetime) -> tuple[Draft | None, Draft | None]:
    """Return the resident's open draft (locked) and, separately, a draft that expired and was dropped."""
    draft = Draft.objects.select_for_update().filter(openid=openid).first()
    if draft is None or not draft.expired(at):
        return draft, None
    draft.delete()
    return None, draft


def start_draft(openid: str, at: datetime) -> Draft:
    """Start a draft for the resident; once this commits, forget old drafts and message keys of everyone."""
    # After the commit, outside this message's locks: purging old rows inside it could wait on, or
    # deadlock with, another message that holds one of them.
    transaction.on_commit(lambda: purge(at))
    try:
        with transaction.atomic():
            return Draft.objects.create(openid=openid, started_at=at, updated_at=at)
    except IntegrityError:
        # Another message of the same resident started one a moment ago; carry on with that one.
        return Draft.objects.select_for_update().get(openid=openid)


def purge(at: datetime) -> None:
    """Delete drafts and message keys older than a day, and positions too old to use; housekeeping only."""
    try:
        Draft.objects.filter(started_at__lt=at - KEEP).delete()
        # Resends come within seconds.
        SeenMessage.objects.filter(received_at__lt=at - KEEP).delete()
        # Where a resident was is kept no longer than it can be used.
        ReportedPosition.objects.filter(reported_at__lt=at - POSITION_FRESH).delete()
    except DatabaseError:
        # Another process purging the same rows at the same moment; the next draft purges again.
        log.warning("wechat purge failed", exc_info=True)


def add_text(draft: Draft, text: str, at: datetime) -> None:
    """Add a piece of the description, refusing an empty one or one that makes it too long."""
    text = text.strip()
    if not text:
        raise ValidationError(_("Please describe the matter in words."))
    description = f"{draft.description}\n{text}" if draft.description else text
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError(
            _(
                "The description is too long: a report holds at most %(max)d characters, and this "
                "message would make it %(count)d. Please shorten it and send it again."
            )
            % {"max": MAX_DESCRIPTION, "count": len(description)}
        )
    draft.description = description
    draft.updated_at = at
    draft.save(update_fields=["description", "updated_at"])


def add_photo(draft: Draft, photo: Photo, media_id: str, at: datetime) -> int:
    """Add a checked photo to the draft and return how many it has now, refusing one too many."""
    count = draft.photos.count()
    if count >= MAX_PHOTOS:
        raise ValidationError(
            _("A report holds at most %(max)d photos; this one was not added.") % {"max": MAX_PHOTOS}
        )
    DraftPhoto.objects.create(draft=draft, media_id=media_id, data=photo.data, added_at=at)
    draft.updated_at = at
    draft.save(update_fields=["updated_at"])
    return count + 1


def set_location(draft: Draft, lon: float, lat: float, label: str, at: datetime) -> None:
    """Set the place of the draft (GCJ-02, as WeChat sends it); a later location replaces it."""
    draft.lon, draft.lat = lon, lat
    draft.place_label = label.strip()[:ADDRESS_LENGTH]
    draft.updated_at = at
    draft.save(update_fields=["lon", "lat", "place_label", "updated_at"])


def set_phone(draft: Draft, phone: str, at: datetime) -> None:
    """Keep the phone number the resident gave (normalised), encrypted."""
    draft.phone_encrypted = cipher_for(settings.FIELD_ENCRYPTION_KEY).encrypt(phone)
    draft.updated_at = at
    draft.save(update_fields=["phone_encrypted", "updated_at"])


def draft_phone(draft: Draft) -> str:
    """Return the phone number the resident gave, or ""."""
    if not draft.phone_encrypted:
        return ""
    return cipher_for(settings.FIELD_ENCRYPTION_KEY).decrypt(draft.phone_encrypted)


def drop_draft(openid: str) -> None:
    """Forget the resident's draft and reported position (they unfollowed the account)."""
    Draft.objects.filter(openid=openid).delete()
    ReportedPosition.objects.filter(openid=openid).delete()


def remember_position(openid: str, lon: float, lat: float, precision: float | None, at: datetime) -> None:
    """Keep the position the follower's phone reported (GCJ-02), replacing an older one.

    Conditional on time, so that of two events handled out of order the later position stays.
    """
    fields = {"lon": lon, "lat": lat, "precision": precision, "reported_at": at}
    if ReportedPosition.objects.filter(openid=openid, reported_at__lte=at).update(**fields):
        return
    try:
        with transaction.atomic():
            ReportedPosition.objects.create(openid=openid, **fields)
    except IntegrityError:
        # A row came in between: another event of the follower created it a moment ago.
        ReportedPosition.objects.filter(openid=openid, reported_at__lte=at).update(**fields)


def submit(draft: Draft, at: datetime, position: ReportedPosition | None = None) -> Case:
    """Report the draft as a case on the WeChat channel and delete it; raise ValidationError for bad input.

    A draft without a location is placed at `position`, the follower's reported position.
    `report_case` runs in a savepoint: when it refuses, the draft stays as it was for the resident
    to put right.
    """
    # On PostgreSQL a binary column reads back as a memoryview.
    photos = [bytes(data) for data in draft.photos.values_list("data", flat=True)]
    place = draft if draft.has_location or position is None else position
    case = case_actions.report_case(
        Channel.WECHAT,
        draft.description,
        lon=place.lon,
        lat=place.lat,
        crs="gcj02",
        address=draft.place_label if place is draft else "",
        reporter_contact=f"wechat:{draft.openid}",
        reporter_phone=draft_phone(draft),
        photos=photos,
        at=at,
    )
    draft.delete()
    return case
