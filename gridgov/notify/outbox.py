"""Queue notices in the outbox, inside the caller's transaction.

A move and the notices it causes commit together or not at all: an action writes its case row, its
transition row and its outbox rows in one transaction, and the worker (`gridgov worker`) delivers
the rows only once they are committed. Nothing is sent from inside a request.

Every move queues notices, so the rows are written with one written-out INSERT per call
(`gridgov.lib.rows`) rather than one `Model.save` each; nothing listens for their signals.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connections, router
from django.utils import timezone

from gridgov.cases.models import Case
from gridgov.lib import rows
from gridgov.notify.models import OutboxMessage
from gridgov.people.models import User

INBOX = OutboxMessage.Channel.INBOX
NOTICE = "notice"
# The fields a new message sets; the others (attempts, sent_at, failed_at, last_error) take their defaults.
_FIELDS = ("channel", "recipient", "case", "kind", "payload", "created_at", "available_at")
_DEFAULTS = {"attempts": 0, "sent_at": None, "failed_at": None, "last_error": ""}
_NAMES = (*_FIELDS, *_DEFAULTS)


def enqueue(
    channel: str,
    recipient: str,
    kind: str,
    payload: dict[str, Any],
    case: Case | None = None,
    at: datetime | None = None,
) -> OutboxMessage:
    """Queue a message for the channel's recipient, to be delivered at `at` (now by default).

    Call it inside the transaction of the change the message is about. A channel that no deliverer
    is registered for is accepted here and fails permanently at delivery, with the reason.
    """
    now = timezone.now()
    message = OutboxMessage(
        channel=channel,
        recipient=str(recipient),
        kind=kind,
        payload=payload,
        case=case,
        created_at=now,
        available_at=at or now,
        **_DEFAULTS,
    )
    alias = router.db_for_write(OutboxMessage)
    if not connections[alias].features.can_return_columns_from_insert:
        message.save(force_insert=True)
        return message
    values = [getattr(message, "case_id" if name == "case" else name) for name in _NAMES]
    (message.pk,) = rows.insert(OutboxMessage, _NAMES, [values], returning=True)
    message._state.adding = False
    message._state.db = alias
    return message


def enqueue_many(
    channel: str,
    recipients: Iterable[str],
    kind: str,
    payload: dict[str, Any],
    case: Case | None = None,
    at: datetime | None = None,
) -> int:
    """Queue the same message for each recipient (one statement) and return how many were queued."""
    now = timezone.now()
    case_id = case.pk if case is not None else None
    values = [
        [channel, str(recipient), case_id, kind, payload, now, at or now, *_DEFAULTS.values()]
        for recipient in recipients
    ]
    rows.insert(OutboxMessage, _NAMES, values)
    return len(values)


def enqueue_selected(
    channel: str,
    source: str,
    params: list[Any],
    column: str,
    kind: str,
    payload: dict[str, Any],
    case: Case | None = None,
    at: datetime | None = None,
) -> int | None:
    """Queue the same message for each recipient the source query selects (in its `column`, in order).

    One statement reads the recipients and writes the messages; return how many were queued (None
    inside `rows.atomic` on PostgreSQL, where the statement joins the move's and is sent later).
    """
    now = timezone.now()
    values = {
        "channel": channel,
        "recipient": rows.Selected(column),
        "case": case.pk if case is not None else None,
        "kind": kind,
        "payload": payload,
        "created_at": now,
        "available_at": at or now,
        **_DEFAULTS,
    }
    return rows.insert_from(OutboxMessage, values, source, params, column)


def notify_user(user: User, title: str, body: str = "", case: Case | None = None) -> OutboxMessage:
    """Queue a notice for a staff member's in-app inbox."""
    return enqueue(INBOX, str(user.pk), NOTICE, {"title": title, "body": body}, case=case)


__all__ = ["INBOX", "NOTICE", "enqueue", "enqueue_many", "enqueue_selected", "notify_user"]
