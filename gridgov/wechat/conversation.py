"""The conversation with a resident: one message in, one passive reply out, a report once the draft is whole.

A resident tells a matter in several messages — a photo, the location, a few words — within a
10-minute window counted from the first. When photo, location and description are all there the
report is filed at once; "完成" (or 提交, 好了, done) files it with at least the description and the
location. The reply always says what happened and what is still missing.

A follower who allows it reports their phone's position whenever they open the account (the LOCATION
event, answered with nothing). A draft filed without a location message uses that position if it is at
most 10 minutes old and in the district, and the reply says so. It is where the resident is, not
necessarily where the matter is, so it never completes a draft by itself: "完成" files it.

Each message is answered once: its key is stored, in the same transaction as what it changed, with
the reply given, and a copy WeChat resends gets that reply again. Input that cannot be used (too long,
a place outside the district, a photo that did not come through) is refused with a reason and
changes nothing, not even the record of the message, so sending it again tries again.

The only outside call is downloading a photo, before the transaction and within a few seconds: WeChat
stops waiting for a reply after 5 s.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.cases import evidence
from gridgov.lib.phone import InvalidPhone, normalise_phone
from gridgov.territory.locator import get_locator
from gridgov.territory.models import Grid
from gridgov.wechat import actions
from gridgov.wechat.client import Client, WechatError
from gridgov.wechat.config import MENU_KEY, Config
from gridgov.wechat.models import WINDOW, Draft, ReportedPosition
from gridgov.wechat.protocol import Incoming

log = logging.getLogger(__name__)

DONE_WORDS = frozenset({"完成", "提交", "好了", "done"})
# Seconds for downloading a photo, access token included, inside WeChat's 5 s.
MEDIA_BUDGET = 3.0
# A message of digits, spaces, dashes and brackets only is read as a phone number, not a description.
_PHONE_LIKE = re.compile(r"\+?[0-9][0-9\s\-()（）]{6,19}")
_TRAILING = "。.!！~～ \u3000"
SUBSCRIBE_EVENTS = frozenset({"subscribe", "subscribe_scan"})

WELCOME = gettext_lazy(
    "Welcome! Report a problem in your neighbourhood here (随手拍): send a photo, your location "
    "(tap + and choose Location) and a few words about the matter, within 10 minutes. When all three "
    "are here we file the report and reply with its tracking number; reply “done” to file it without a "
    "photo. Send your mobile number too if you want to follow the report on the web."
)
INSTRUCTIONS = gettext_lazy(
    "To report a matter, send within 10 minutes: a photo, your location (tap + and choose Location) "
    "and a few words describing it. Reply “done” to file it once the description and location are here."
)


@dataclass(frozen=True)
class Reported:
    """A fresh position the follower reported on opening the account, and the grid it lies in."""

    position: ReportedPosition
    grid: str


class Refused(Exception):
    """The message cannot be used; the reply says why and nothing is written."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


@dataclass(frozen=True)
class Context:
    """What the conversation needs from the request: the time, the tracking link, photo downloads."""

    now: datetime
    track_url: Callable[[str], str]
    fetch_photo: Callable[[str], evidence.Photo]


def receive(incoming: Incoming, context: Context) -> str:
    """Return the reply to the message ("" for none), doing what it asks once however often it comes."""
    with translation.override(settings.LANGUAGE_CODE):
        replayed = actions.stored_reply(incoming.key)
        if replayed is not None:
            return replayed
        try:
            photo = context.fetch_photo(incoming.media_id) if incoming.kind == "image" else None
            return _answer(incoming, photo, context)
        except Refused as exc:
            return exc.reply
        except actions.AlreadySeen:
            return actions.stored_reply(incoming.key) or ""


def _answer(incoming: Incoming, photo: evidence.Photo | None, context: Context) -> str:
    # One transaction; a report filed in it and rolled back with it leaves no photo in storage.
    with evidence.removed_on_failure(), transaction.atomic():
        seen = actions.claim(incoming, context.now)
        reply, tracking_no = _respond(incoming, photo, context)
        actions.record_reply(seen, reply, tracking_no)
        return reply


def _respond(incoming: Incoming, photo: evidence.Photo | None, context: Context) -> tuple[str, str]:
    """Return the reply and the tracking number of a report it filed (or "")."""
    if incoming.kind == "event":
        return _event(incoming, context.now), ""
    draft, dropped = actions.current_draft(incoming.openid, context.now)
    if incoming.kind == "text" and is_done(incoming.text):
        reply, tracking_no = _finish(draft, context)
    else:
        reply, tracking_no = _add(draft, incoming, photo, context)
    return _lines(_dropped(dropped) if dropped else "", reply), tracking_no


def _event(incoming: Incoming, now: datetime) -> str:
    if incoming.event == "location":
        # WeChat expects no reply to it; the position is kept for a report filed soon after.
        assert incoming.lon is not None and incoming.lat is not None
        actions.remember_position(incoming.openid, incoming.lon, incoming.lat, incoming.precision, now)
        return ""
    if incoming.event in SUBSCRIBE_EVENTS:
        return str(WELCOME)
    if incoming.event == "click" and incoming.event_key == MENU_KEY:
        return str(INSTRUCTIONS)
    if incoming.event == "unsubscribe":
        actions.drop_draft(incoming.openid)
    return ""


def is_done(text: str) -> bool:
    """Tell whether the text says the report is complete."""
    return text.strip().rstrip(_TRAILING).lower() in DONE_WORDS


def _add(
    draft: Draft | None, incoming: Incoming, photo: evidence.Photo | None, context: Context
) -> tuple[str, str]:
    """Add the message to the resident's draft (starting one); file it if it is now whole."""
    if incoming.kind not in ("text", "image", "location"):
        raise Refused(_("Sorry, only text, photos and locations can make a report."))
    grid_name = _grid_name(incoming) if incoming.kind == "location" else ""
    draft = draft or actions.start_draft(incoming.openid, context.now)
    try:
        note = _apply(draft, incoming, photo, grid_name, context.now)
    except ValidationError as exc:
        raise Refused(exc.messages[0]) from None
    if draft.description and draft.has_location and draft.photos.exists():
        return _submit(draft, context)
    return _lines(note, _progress(draft, _reported(draft, context.now))), ""


def _apply(
    draft: Draft, incoming: Incoming, photo: evidence.Photo | None, grid_name: str, now: datetime
) -> str:
    """Change the draft by the message and return what to say about it."""
    if incoming.kind == "image":
        assert photo is not None
        count = actions.add_photo(draft, photo, incoming.media_id, now)
        return _("Photo %(count)d received.") % {"count": count}
    if incoming.kind == "location":
        assert incoming.lon is not None and incoming.lat is not None
        actions.set_location(draft, incoming.lon, incoming.lat, incoming.label, now)
        return _("Location noted: %(grid)s.") % {"grid": grid_name}
    phone = _phone(incoming.text)
    if phone:
        actions.set_phone(draft, phone, now)
        return _("Phone number ending in %(last4)s noted; with it you can follow the report on the web.") % {
            "last4": phone[-4:]
        }
    actions.add_text(draft, incoming.text, now)
    return _("Description noted.")


def _grid_name(incoming: Incoming) -> str:
    """Return the name of the grid the location falls in, or refuse a place outside the district."""
    name = _grid_at(incoming.lon, incoming.lat)
    if name is None:
        raise Refused(_("That place is not in this district. Please send the location of the matter."))
    return name


def _grid_at(lon: float | None, lat: float | None) -> str | None:
    """Return the name of the grid a GCJ-02 point falls in, or None outside the district."""
    try:
        located = get_locator().locate(lon, lat, crs="gcj02")  # type: ignore[arg-type]
    except (TypeError, ValueError):
        located = None
    if located is None:
        return None
    return Grid.objects.filter(pk=located.grid_id).values_list("name", flat=True).first() or located.grid_code


def _reported(draft: Draft, now: datetime) -> Reported | None:
    """Return the follower's reported position that can place a draft without a location, if any."""
    if draft.has_location:
        return None
    position = ReportedPosition.objects.filter(openid=draft.openid).first()
    if position is None or not position.fresh(now):
        return None
    # Located now, not when it was reported: the boundaries in force when the report is filed decide.
    grid = _grid_at(position.lon, position.lat)
    return Reported(position, grid) if grid is not None else None


def _phone(text: str) -> str:
    """Return the phone number the text consists of (normalised), or "" for any other text."""
    text = text.strip()
    if not _PHONE_LIKE.fullmatch(text):
        return ""
    try:
        return normalise_phone(text)
    except InvalidPhone:
        return ""


def _finish(draft: Draft | None, context: Context) -> tuple[str, str]:
    """File the draft the resident says is complete, or say what it still lacks."""
    if draft is None:
        return _(
            "There is no report in progress. Send a photo, your location and a description to start one."
        ), ""
    reported = _reported(draft, context.now)
    if not (draft.description and (draft.has_location or reported)):
        return _lines(_("The report cannot be filed yet."), _progress(draft, reported)), ""
    return _submit(draft, context, reported)


def _submit(draft: Draft, context: Context, reported: Reported | None = None) -> tuple[str, str]:
    with_phone = bool(draft.phone_encrypted)
    try:
        case = actions.submit(draft, context.now, reported.position if reported else None)
    except ValidationError as exc:
        return _("The report could not be filed: %(reason)s") % {"reason": " ".join(exc.messages)}, ""
    params = {"no": case.tracking_no, "url": context.track_url(case.tracking_no)}
    if with_phone:
        text = _(
            "Your report is filed. Tracking number: %(no)s. Follow it at %(url)s with the last four "
            "digits of your phone; we will also message you here when its status changes."
        )
    else:
        text = _(
            "Your report is filed. Tracking number: %(no)s. We will message you here when its status "
            "changes. To follow a report on the web as well (%(url)s), send your mobile number before "
            "filing it."
        )
    filed = text % params
    if reported:
        filed = _lines(_("The position you reported when you opened the account was used."), filed)
    return filed, case.tracking_no


def _progress(draft: Draft, reported: Reported | None = None) -> str:
    """Say what the draft still needs (a fresh reported position stands in for the location)."""
    missing = []
    if not draft.description:
        missing.append(_("a few words describing the matter"))
    if not draft.has_location and reported is None:
        missing.append(_("the location (tap + and choose Location)"))
    if draft.has_location and not missing:
        return _("Send a photo too, or reply “done” to file the report without one.")
    hint = "" if draft.photos.exists() else _("A photo helps, too.")
    fallback = ""
    if reported is not None:
        fallback = _(
            "Without a location message, the position you reported when you opened the account "
            "(%(grid)s) will be used."
        ) % {"grid": reported.grid}
    if not missing:
        return _lines(fallback, _("Reply “done” to file the report."), hint)
    return _lines(_("Still needed:"), *(f"· {item}" for item in missing), fallback, hint)


def _dropped(draft: Draft) -> str:
    return _(
        "Your unfinished report begun at %(time)s was not completed within %(minutes)d minutes and has been dropped."
    ) % {
        "time": timezone.localtime(draft.started_at).strftime("%H:%M"),
        "minutes": int(WINDOW.total_seconds() // 60),
    }


def _lines(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


def fetch_photo(config: Config, media_id: str) -> evidence.Photo:
    """Download the resident's photo through the media API and check it, or refuse with the reason."""
    if not config.api_ready:
        raise Refused(
            _("Sorry, photos cannot be received at the moment. Please describe the matter in words.")
        )
    try:
        media = Client(config, budget=MEDIA_BUDGET).media(media_id)
    except (WechatError, requests.RequestException) as exc:
        log.warning("wechat media %s could not be fetched: %s", media_id, exc)
        raise Refused(_("Sorry, the photo did not come through. Please send it again.")) from None
    try:
        return evidence.check_photo(media.data)
    except ValidationError as exc:
        raise Refused(_("That image cannot be used: %(reason)s") % {"reason": exc.messages[0]}) from None
