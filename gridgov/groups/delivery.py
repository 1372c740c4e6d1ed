"""The deliverer of channel "wecom": post queued group messages through the grid's robot.

Registered with the notify worker when the app is ready. WeCom's errcodes decide what happens to
a message that did not go out: 45009 (a robot takes 20 messages a minute) and network failures are
retried with the worker's backoff; 93000 (the webhook key is no longer valid) and other refusals
that no retry can change fail for good, with the reason on the outbox row.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from gridgov.cases.models import Case
from gridgov.groups import posting, texts, wecom
from gridgov.groups.models import GroupRobot, ServiceNotice
from gridgov.notify.channels import PermanentError, register
from gridgov.notify.models import OutboxMessage


@register(OutboxMessage.Channel.WECOM)
def deliver_group_post(message: OutboxMessage) -> None:
    """Post the message through the robot it is addressed to; raise as the worker expects on failure."""
    robot = _robot(message.recipient)
    body = {"msgtype": "text", "text": {"content": _text(message, robot)}}
    try:
        wecom.send_robot(robot.key, body)
    except wecom.WecomError as exc:
        if exc.transient:
            raise
        raise PermanentError(str(exc)) from None


def _robot(recipient: str) -> GroupRobot:
    robot = (
        GroupRobot.objects.select_related("grid").filter(pk=int(recipient)).first()
        if recipient.isdigit()
        else None
    )
    if robot is None or not robot.active or not robot.key:
        raise PermanentError(_("No active group robot has the id “%(id)s”.") % {"id": recipient})
    return robot


def _payload(message: OutboxMessage, key: str) -> Any:
    value = message.payload.get(key) if isinstance(message.payload, dict) else None
    if value in (None, ""):
        raise PermanentError(_("The message has no “%(key)s”.") % {"key": key})
    return value


def _text(message: OutboxMessage, robot: GroupRobot) -> str:
    """Return the words of the post, written now from the case or notice it is about."""
    if message.kind in texts.HEADINGS:
        case = (
            Case.objects.select_related("category", "grid").filter(pk=message.case_id).first()
            if message.case_id is not None
            else None
        )
        if case is None:
            raise PermanentError(_("The case of the message no longer exists."))
        return texts.case_post(case, message.kind, str(_payload(message, "status")))
    if message.kind in (posting.NOTICE, posting.WITHDRAWN):
        notice = ServiceNotice.objects.filter(pk=_payload(message, "notice")).first()
        if notice is None:
            raise PermanentError(_("The notice of the message no longer exists."))
        if message.kind == posting.WITHDRAWN:
            return texts.withdrawal_post(notice)
        if notice.withdrawn_at is not None:
            raise PermanentError(_("The notice was withdrawn before it was posted."))
        return texts.notice_post(notice)
    if message.kind == posting.TEST:
        return texts.trial_post(robot.grid)
    raise PermanentError(_("Unknown kind of group message “%(kind)s”.") % {"kind": message.kind})
