"""Helpers the moves share: the clock fields of a new status, notices, reasons, photos, pending requests."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.cases import clock, evidence, workflow
from gridgov.cases.actions.base import MoveRefused
from gridgov.cases.models import Case, Transition
from gridgov.cases.permissions import HOLDER, department_handlers, holders_query, refusal
from gridgov.groups.posting import post_case_event
from gridgov.notify import outbox
from gridgov.notify.models import OutboxMessage
from gridgov.people.models import User

Move = workflow.Move
# The SMS channel finds the reporter's phone on the case (encrypted there) when it delivers, so the
# outbox never holds a resident's phone number in clear.
REPORTER_PHONE = "reporter-phone"
MAX_NOTE = 2000
# Whole-case clock: TimeLimit's stage for the deadline of closing the case.
WHOLE = "whole"
Upload = IO[bytes] | bytes


def acting_role(user: User, case: Case, move: str) -> str:
    """Return the role in which the user makes the move on the case, or refuse with the reason."""
    role, reason = refusal(user, case, move)
    if role is None:
        raise MoveRefused(reason)
    return role


def moment(at: datetime | None) -> datetime:
    """Return the given moment, or now."""
    return at or timezone.now()


def clock_changes(case: Case, status: str, at: datetime) -> dict[str, Any]:
    """Return the clock fields for a case entering the status: its stage, start and deadline."""
    changes = clock.stage_changes(case, status, at)
    if status not in workflow.OPEN:
        changes["held_since"] = None
    return changes


def whole_case_due(case: Case, at: datetime) -> datetime | None:
    """Return the deadline for closing the case, counted from its registration (None without a limit)."""
    try:
        return clock.deadline(case.category_id, case.urgency, WHOLE, at)
    except clock.NoTimeLimit:
        return None


def require_text(text: str, what: str) -> str:
    """Return the trimmed text, refusing an empty or overlong one (`what` names it in the message)."""
    text = (text or "").strip()
    if not text:
        raise MoveRefused(_("%(what)s is required.") % {"what": what})
    if len(text) > MAX_NOTE:
        raise MoveRefused(_("%(what)s is longer than %(max)d characters.") % {"what": what, "max": MAX_NOTE})
    return text


def optional_text(text: str) -> str:
    """Return the trimmed note, refusing an overlong one."""
    text = (text or "").strip()
    if len(text) > MAX_NOTE:
        raise MoveRefused(_("The note is longer than %(max)d characters.") % {"max": MAX_NOTE})
    return text


def refuse_past(due: datetime, at: datetime) -> None:
    """Refuse a deadline a user gave that is not in the future."""
    if timezone.is_naive(due):
        raise MoveRefused(_("The deadline needs a time zone."))
    if due <= at:
        raise MoveRefused(
            _("The deadline %(due)s is in the past.")
            % {"due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")}
        )


def photos_or_refuse(uploads: Sequence[Upload], *, required: bool = False) -> list[evidence.Photo]:
    """Return the uploads checked as photos; a bad one (or none when required) refuses the move."""
    if required and not uploads:
        raise MoveRefused(_("An evidence photo is required."))
    try:
        return evidence.check_photos(list(uploads))
    except ValidationError as exc:
        raise MoveRefused(exc.messages[0]) from None


def outcome_or_refuse(quantity: int | None) -> int | None:
    """Return the outcome quantity ("3 trees felled"), refusing a negative or absurd one."""
    if quantity is None:
        return None
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= 1_000_000:
        raise MoveRefused(_("The outcome quantity must be a whole number from 0 to 1,000,000."))
    return quantity


# --- pending requests, derived from the log ---------------------------------------------------------

# kind → (request, approve, deny, moves after which an unanswered request lapses)
_LAPSE_WITH_THE_TASK = (Move.RETURN, Move.DISPATCH, Move.REPORT_DONE, Move.ESCALATE)
REQUESTS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "extension": (Move.REQUEST_EXTENSION, Move.APPROVE_EXTENSION, Move.DENY_EXTENSION, _LAPSE_WITH_THE_TASK),
    "hold": (Move.REQUEST_HOLD, Move.APPROVE_HOLD, Move.DENY_HOLD, _LAPSE_WITH_THE_TASK),
    "void": (Move.REQUEST_VOID, Move.APPROVE_VOID, Move.DENY_VOID, (Move.VERIFY_PASS, Move.SOLVE_IN_GRID)),
}


def pending_request(case: Case, kind: str) -> Transition | None:
    """Return the open request of the kind (extension, hold, void), derived from the log.

    A request is open when it is the last of its kind's moves and no move since then made it moot:
    a request for more time lapses when the task is returned, re-dispatched, escalated or reported
    done; a request to void lapses when the case is closed.
    """
    request, approve, deny, lapse = REQUESTS[kind]
    last = (
        Transition.objects.filter(case=case, move__in=(request, approve, deny, *lapse))
        .order_by("-seq")
        .first()
    )
    return last if last is not None and last.move == request else None


# --- notices ----------------------------------------------------------------------------------------


def _reporter_address(case: Case) -> tuple[str, str] | None:
    """Return the channel and address to answer the reporter on, or None for an anonymous report."""
    contact = case.reporter_contact.strip()
    if contact:
        scheme, colon, rest = contact.partition(":")
        if colon and scheme in OutboxMessage.Channel.values and rest:
            return scheme, rest
        if "@" in contact:
            return OutboxMessage.Channel.EMAIL, contact
    if case.reporter_phone_encrypted:
        return OutboxMessage.Channel.SMS, REPORTER_PHONE
    return None


# What the reporter is told, by kind. Rendered in the site's language whoever acts: a clerk reading
# the English pages still answers a resident of the district in Chinese.
REPORTER_NOTICES: dict[str, Promise] = {
    "acknowledge": gettext_lazy("We received your report; its tracking number is %(no)s."),
    "accepted": gettext_lazy("Your report %(no)s has been registered."),
    "taken_in_grid": gettext_lazy("Your report %(no)s is being handled by the grid worker."),
    "rejected": gettext_lazy("Your report %(no)s was not accepted: %(reason)s"),
    "merged": gettext_lazy("Your report %(no)s concerns the same matter as %(into)s; it is followed there."),
    "merged_in": gettext_lazy("Another report (%(other)s) of your matter %(no)s joined it."),
    "closed": gettext_lazy("Your report %(no)s is resolved. Please rate the result on the tracking page."),
    "voided": gettext_lazy("Your report %(no)s was withdrawn as registered in error."),
}


@functools.lru_cache(maxsize=64)
def _reporter_notice(kind: str, language: str) -> str:
    """Return the text of a notice kind in the language (translated once per process)."""
    with translation.override(language):
        return str(REPORTER_NOTICES[kind])


def tell_reporter(case: Case, kind: str, at: datetime, text: str = "", **params: str) -> None:
    """Queue a notice to the reporter (in the move's transaction): a notice of the kind, or the text.

    A new matter and a closure are also posted to the grid's group (one statement, none for other kinds).
    """
    post_case_event(case, kind, at)
    address = _reporter_address(case)
    if address is None:
        return
    if kind in REPORTER_NOTICES:
        text = _reporter_notice(kind, settings.LANGUAGE_CODE) % {"no": case.tracking_no, **params}
    payload = {"tracking_no": case.tracking_no, "status": case.status, "text": text}
    outbox.enqueue_many(address[0], [address[1]], kind, payload, case=case, at=at)


def tell_users(user_ids: Iterable[int | None], case: Case, title: str, body: str = "") -> None:
    """Queue an in-app notice about the case to each user (by id, once each), in one statement."""
    recipients = [str(user_id) for user_id in dict.fromkeys(user_ids) if user_id is not None]
    outbox.enqueue_many(outbox.INBOX, recipients, outbox.NOTICE, {"title": title, "body": body}, case=case)


def tell_holders(
    scope: str, scope_id: int, roles: tuple[str, ...], case: Case, title: str, body: str = ""
) -> None:
    """Queue an in-app notice about the case to the active holders of the roles on the scope (grid or department).

    One statement finds them and queues the notices (see `permissions.holders_query`).
    """
    source, params = holders_query(scope, scope_id, roles)
    payload = {"title": title, "body": body}
    outbox.enqueue_selected(outbox.INBOX, source, params, HOLDER, outbox.NOTICE, payload, case=case)


def lead_people(case: Case) -> list[int]:
    """Return the ids of who answers for the case now: the lead person, or the lead department's handlers."""
    if case.lead_user_id is not None:
        return [case.lead_user_id]
    if case.lead_department_id is not None:
        return department_handlers(case.lead_department_id)
    return []


def case_title(case: Case, what: str) -> str:
    """Return a notice title: the tracking number and what happened."""
    return f"{case.tracking_no} {what}"
