"""Status changes back to the resident: the outbox's "wechat" channel, delivered as template messages.

`cases.actions.common.tell_reporter` queues a message for a case whose reply address is
`wechat:<openid>`, with the payload {tracking_no, status, text}; the worker hands it to
`deliver_template`, which sends it through the API client. The template configured as
`GRIDGOV_WECHAT_TEMPLATE_ID` has fields for what happened, the tracking number, the status and the
time — by default `first`, `keyword1`, `keyword2`, `keyword3`; `GRIDGOV_WECHAT_TEMPLATE_FIELDS` names
a newer template's fields (e.g. `text=thing1,tracking_no=character_string2,status=phrase3,time=time4`) —
and opens the /track/ page when tapped.

The acknowledgement of a new report is not sent again: the resident got its tracking number in the
reply to the message that filed it (and a resent message gets that reply again).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gridgov.cases.models import Status
from gridgov.notify.channels import PermanentError, register
from gridgov.notify.models import OutboxMessage
from gridgov.wechat.client import Client, WechatError
from gridgov.wechat.config import config

ACKNOWLEDGE = "acknowledge"
# The follower's open id is wrong for this account (40003) or they unfollowed it (43004): retrying cannot help.
INVALID_RECIPIENT = frozenset({40003, 43004})
# WeChat cuts long template values; keep the notice readable rather than cut mid-word by them.
MAX_VALUE = 200


@register(OutboxMessage.Channel.WECHAT)
def deliver_template(message: OutboxMessage) -> None:
    """Send the notice to the follower as a template message; raise PermanentError when retrying cannot help."""
    if message.kind == ACKNOWLEDGE:
        return
    settings_now = config()
    missing = [
        name
        for name, value in (
            ("GRIDGOV_WECHAT_APPID", settings_now.appid),
            ("GRIDGOV_WECHAT_SECRET", settings_now.secret),
            ("GRIDGOV_WECHAT_TEMPLATE_ID", settings_now.template_id),
        )
        if not value
    ]
    if missing:
        raise PermanentError(
            _("WeChat template messages are not configured: %(missing)s not set.")
            % {"missing": ", ".join(missing)}
        )
    tracking_no, status, text = _payload(message)
    try:
        fields = settings_now.template_fields()
    except ValueError as exc:
        raise PermanentError(str(exc)) from None
    data = template_data(tracking_no, status, text, message.created_at, fields)
    try:
        Client(settings_now).send_template(
            message.recipient, settings_now.template_id, data, url=settings_now.track_url(tracking_no)
        )
    except WechatError as exc:
        if exc.errcode in INVALID_RECIPIENT:
            raise PermanentError(
                _("WeChat refused the follower “%(openid)s”: %(error)s")
                % {"openid": message.recipient, "error": exc}
            ) from None
        raise


def _payload(message: OutboxMessage) -> tuple[str, str, str]:
    payload = message.payload if isinstance(message.payload, dict) else {}
    values = tuple(str(payload.get(key) or "") for key in ("tracking_no", "status", "text"))
    if not (values[0] and values[2] and message.recipient):
        raise PermanentError(_("The message has no tracking number, text or recipient."))
    return values  # type: ignore[return-value]


def template_data(
    tracking_no: str, status: str, text: str, at: datetime, fields: dict[str, str] | None = None
) -> dict[str, Any]:
    """Return the template's fields (named by `fields`, value → field), in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        label = str(Status(status).label) if status in Status.values else status
    if len(text) > MAX_VALUE:
        text = text[: MAX_VALUE - 1] + "…"
    values = {
        "text": text,
        "tracking_no": tracking_no,
        "status": label,
        "time": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"),
    }
    fields = fields or {"text": "first", "tracking_no": "keyword1", "status": "keyword2", "time": "keyword3"}
    return {field: {"value": values[name]} for name, field in fields.items()}
