"""Queue notices in the outbox, inside the caller's transaction.

A move and the notices it causes commit together or not at all: an action writes its case row, its
transition row and its outbox rows in one transaction, and the worker (`gridgov worker`) delivers
the rows only once they are committed. Nothing is sent from inside a request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from gridgov.cases.models import Case
from gridgov.notify.models import OutboxMessage
from gridgov.people.models import User

INBOX = OutboxMessage.Channel.INBOX
NOTICE = "notice"


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
    return OutboxMessage.objects.create(
        channel=channel,
        recipient=str(recipient),
        kind=kind,
        payload=payload,
        case=case,
        created_at=now,
        available_at=at or now,
    )


def notify_user(user: User, title: str, body: str = "", case: Case | None = None) -> OutboxMessage:
    """Queue a notice for a staff member's in-app inbox."""
    return enqueue(INBOX, str(user.pk), NOTICE, {"title": title, "body": body}, case=case)


__all__ = ["INBOX", "NOTICE", "enqueue", "notify_user"]
