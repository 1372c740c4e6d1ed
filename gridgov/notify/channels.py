"""Delivery channels: a registry from channel name to the function that delivers a message.

A deliverer raises `PermanentError` when retrying cannot help (unknown recipient, malformed payload),
any other exception for a transient failure, which the worker retries with backoff. `inbox` and
`email` are here; SMS, WeChat template messages and the WeCom group robot come with intake and
register themselves the same way (`@register("sms")`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.notify.models import InboxMessage, OutboxMessage
from gridgov.people.models import User

Deliverer = Callable[[OutboxMessage], None]
DELIVERERS: dict[str, Deliverer] = {}


class PermanentError(Exception):
    """A delivery that will never succeed; the message is marked failed without retrying."""


def register(name: str) -> Callable[[Deliverer], Deliverer]:
    """Register the decorated function as the deliverer of the channel."""

    def decorate(deliver: Deliverer) -> Deliverer:
        DELIVERERS[name] = deliver
        return deliver

    return decorate


@contextmanager
def registered(name: str, deliver: Deliverer) -> Iterator[None]:
    """Register a deliverer for the duration of a block (tests, stubs of outside services)."""
    previous = DELIVERERS.get(name)
    DELIVERERS[name] = deliver
    try:
        yield
    finally:
        if previous is None:
            DELIVERERS.pop(name, None)
        else:
            DELIVERERS[name] = previous


def deliver(message: OutboxMessage) -> None:
    """Deliver the message through its channel, or raise (`PermanentError` for an unknown channel)."""
    deliverer = DELIVERERS.get(message.channel)
    if deliverer is None:
        raise PermanentError(
            _("No deliverer is registered for the channel “%(channel)s”.") % {"channel": message.channel}
        )
    deliverer(message)


def _text(message: OutboxMessage, key: str, *, required: bool) -> str:
    """Return a text field of the payload, refusing a missing required one."""
    value = message.payload.get(key, "") if isinstance(message.payload, dict) else ""
    if required and not value:
        raise PermanentError(_("The message has no “%(key)s”.") % {"key": key})
    return str(value)


@register(OutboxMessage.Channel.INBOX)
def deliver_inbox(message: OutboxMessage) -> None:
    """Put the notice into the recipient staff member's in-app inbox."""
    user_id = int(message.recipient) if message.recipient.isdigit() else None
    if user_id is None or not User.objects.filter(pk=user_id, is_active=True).exists():
        raise PermanentError(_("No active staff member has the id “%(id)s”.") % {"id": message.recipient})
    InboxMessage.objects.create(
        user_id=user_id,
        case_id=message.case_id,
        title=_text(message, "title", required=True)[:200],
        body=_text(message, "body", required=False),
        created_at=timezone.now(),
    )


@register(OutboxMessage.Channel.EMAIL)
def deliver_email(message: OutboxMessage) -> None:
    """Send the notice by e-mail through Django's mail settings (EMAIL_BACKEND, EMAIL_HOST …)."""
    if "@" not in message.recipient:
        raise PermanentError(_("“%(address)s” is not an e-mail address.") % {"address": message.recipient})
    subject = _text(message, "subject", required=False) or _text(message, "title", required=True)
    send_mail(subject, _text(message, "body", required=False), None, [message.recipient])


__all__ = ["DELIVERERS", "PermanentError", "deliver", "register", "registered"]
