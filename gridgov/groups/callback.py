"""The WeCom app's callback (接收消息): URL verification and the messages grid workers forward to the app.

WeCom signs every request (msg_signature over token, timestamp, nonce and the ciphertext) and
encrypts the message with the EncodingAESKey; wechatpy's `WeChatCrypto` for WeCom checks and opens
both. A forwarded text or photo is stored in the sender's grid inbox (`actions.receive`) and
answered with a short encrypted reply; events are acknowledged with an empty answer, as WeCom
expects. Nothing leaves the server while WeCom waits (it gives up after five seconds): a photo is
fetched only when someone makes a report of it.

Errors are plain text with the matching status: 403 for a bad signature, 400 for malformed input,
404 while the callback is not configured. Nothing is written for any of them.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from wechatpy.enterprise import parse_message
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.enterprise.replies import TextReply
from wechatpy.exceptions import InvalidSignatureException

from gridgov.groups import actions, config
from gridgov.groups.models import GroupMessage
from gridgov.lib.xmlguard import declares_entities

log = logging.getLogger("gridgov.groups")

MAX_BODY = 64 * 1024  # a forwarded text is at most 2,048 bytes; the envelope adds little
MAX_PARAM = 128
MAX_FIELD = 500


class Malformed(Exception):
    """The request is not what WeCom sends; the message says what is wrong."""


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def _crypto() -> WeChatCrypto | None:
    """Return the callback's crypto, or None while the token, key or corp id is missing."""
    token, key, corp = config.callback_token(), config.aes_key(), config.corp_id()
    if not (token and key and corp):
        return None
    return WeChatCrypto(token, key, corp)


@csrf_exempt
@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def wecom_callback(request: HttpRequest) -> HttpResponse:
    """Answer WeCom's URL verification (GET) or store a forwarded message (POST)."""
    try:
        crypto = _crypto()
    except Exception:  # a key of the wrong length or alphabet: the operator's error, not WeCom's
        log.exception("GRIDGOV_WECOM_AES_KEY is not a valid EncodingAESKey")
        return _plain(_("The WeCom callback is misconfigured."), 503)
    if crypto is None:
        return _plain(_("The WeCom callback is not configured."), 404)
    # Replies reach staff in WeCom: the site's language, whatever WeCom's servers ask for.
    with translation.override(settings.LANGUAGE_CODE):
        signature, timestamp, nonce = (
            request.GET.get(name, "") for name in ("msg_signature", "timestamp", "nonce")
        )
        signed = (signature, timestamp, nonce)
        if not all(signed) or any(len(value) > MAX_PARAM for value in signed):
            return _plain(_("The request lacks its signature, timestamp or nonce."), 400)
        try:
            if request.method == "POST":
                return _receive(request, crypto, signature, timestamp, nonce)
            return _verify(crypto, signature, timestamp, nonce, request.GET.get("echostr", ""))
        except (InvalidSignatureException, InvalidCorpIdException):
            return _plain(_("The signature is not valid."), 403)
        except Malformed as exc:
            return _plain(str(exc), 400)


def _verify(crypto: WeChatCrypto, signature: str, timestamp: str, nonce: str, echostr: str) -> HttpResponse:
    """Answer the URL verification with the decrypted echostr, as WeCom requires."""
    if not echostr or len(echostr) > 1024:
        raise Malformed(_("The verification has no echostr."))
    try:
        plain = crypto.check_signature(signature, timestamp, nonce, echostr)
    except (InvalidSignatureException, InvalidCorpIdException):
        raise
    except Exception:
        raise Malformed(_("The echostr cannot be decrypted.")) from None
    return _plain(str(plain), 200)


def _receive(
    request: HttpRequest, crypto: WeChatCrypto, signature: str, timestamp: str, nonce: str
) -> HttpResponse:
    """Open the message, store it in the inbox, and answer with an encrypted reply."""
    body = _body(request)
    try:
        xml = crypto.decrypt_message(body, signature, timestamp, nonce)
    except (InvalidSignatureException, InvalidCorpIdException):
        raise
    except Exception:
        raise Malformed(_("The message is not encrypted XML as WeCom sends it.")) from None
    sender, message = _parse(xml)
    if message is None:
        return _plain("", 200)  # an event (entering the app, a menu click): nothing to keep
    if isinstance(message, str):
        return _reply(crypto, nonce, timestamp, message, to=sender)
    try:
        stored, _new = actions.receive(message)
    except ValidationError as exc:
        return _reply(crypto, nonce, timestamp, " ".join(exc.messages), to=sender)
    return _reply(crypto, nonce, timestamp, _receipt(stored), to=sender)


def _body(request: HttpRequest) -> bytes:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise Malformed(_("The message is too large."))
    body = request.body
    if len(body) > MAX_BODY:
        raise Malformed(_("The message is too large."))
    # WeCom never declares entities; a document that does is refused before any parser sees it.
    if declares_entities(body):
        raise Malformed(_("The message is not encrypted XML as WeCom sends it."))
    return body


def _parse(xml: str) -> tuple[str, actions.Inbound | str | None]:
    """Return the sender and the forwarded text or photo, None for an event, or the reply for a kind not kept."""
    if declares_entities(xml):  # the decrypted document gets the same check as the envelope
        raise Malformed(_("The decrypted message is not a WeCom message."))
    try:
        message: Any = parse_message(xml)
        kind = message.type
        if kind == "event":
            return "", None
        msg_id, sender, sent = str(message.id), str(message.source or ""), int(message.time)
        agent = int(message.agent) if getattr(message, "agent", None) else None
    except Exception:
        raise Malformed(_("The decrypted message is not a WeCom message.")) from None
    if not msg_id.isdigit() or msg_id == "0" or len(msg_id) > 32 or not sender or len(sender) > 64:
        raise Malformed(_("The message has no MsgId or sender."))
    if kind not in GroupMessage.Kind.values:
        return sender, _("Only texts and photos are kept; send the matter as text or as a photo.")
    values: dict[str, Any] = {
        "msg_id": msg_id,
        "sender_userid": sender,
        "kind": kind,
        "sent_at": _moment(sent),
        "agent_id": agent,
    }
    if kind == GroupMessage.Kind.TEXT:
        values["text"] = str(message.content or "")
    else:
        values["media_id"], values["pic_url"] = str(message.media_id or ""), str(message.image or "")
        if not values["media_id"] or len(values["media_id"]) > 200 or len(values["pic_url"]) > MAX_FIELD:
            raise Malformed(_("The photo message has no valid MediaId."))
    return sender, actions.Inbound(**values)


def _moment(seconds: int) -> datetime:
    """Return WeCom's CreateTime as a moment; an absurd one is taken as now."""
    now = time.time()
    if not 0 < seconds <= now + 86400:
        seconds = int(now)
    return datetime.fromtimestamp(seconds, tz=timezone.get_current_timezone())


def _receipt(message: GroupMessage) -> str:
    if message.case_id is not None:
        return _("Received earlier and already reported.")
    if message.grid is None:
        return _(
            "Received. Your WeCom account is not linked to a grid, so the district's dispatchers will read it."
        )
    return _("Received: it is in the message inbox of %(grid)s.") % {"grid": message.grid.name}


def _reply(crypto: WeChatCrypto, nonce: str, timestamp: str, text: str, *, to: str) -> HttpResponse:
    """Answer with an encrypted passive text reply to the sender."""
    reply = TextReply(source=config.corp_id(), target=to, content=text)
    envelope = crypto.encrypt_message(reply.render(), nonce, timestamp)
    return HttpResponse(envelope, content_type="text/xml; charset=utf-8")
