"""The official account's callback (`/intake/wechat/`): URL verification and messages, plain or safe mode.

WeChat's servers call it, not a browser: no login, no CSRF token; the signature made with the shared
token proves the sender. Answers that are not a reply are plain text with the status that says what
was wrong (403 signature, 400 malformed, 413 too large, 404 not configured); "success" tells WeChat a
message needs no reply.
"""

from __future__ import annotations

import logging
from functools import partial

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from gridgov.wechat import conversation, protocol
from gridgov.wechat.config import Config, config

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # WeChat's messages are a few kilobytes


class TooLarge(Exception):
    """The request body is over MAX_BODY."""


def _plain(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def callback(request: HttpRequest) -> HttpResponse:
    """Answer WeChat's URL verification (GET) or a resident's message (POST)."""
    settings_now = config()
    if not settings_now.callback_ready:
        if settings_now.token:
            log.error("wechat callback refused: %s", settings_now.safe_mode_problem())
        return _plain(_("The WeChat channel is not configured."), 404)
    query = request.GET.dict()
    try:
        if request.method != "POST":
            return _plain(protocol.verify_url(settings_now, query))
        protocol.check_signature(settings_now.token, query)
        xml, sealed = protocol.open_envelope(settings_now, _body(request), query)
        incoming = protocol.parse(xml)
    except protocol.BadSignature:
        return _plain(_("The signature is not valid."), 403)
    except protocol.Malformed:
        return _plain(_("The request is not a WeChat message."), 400)
    except TooLarge:
        return _plain(_("The message is larger than 1 MB."), 413)
    return _reply(request, settings_now, query, incoming, sealed)


def _body(request: HttpRequest) -> bytes:
    """Return the request body, refusing more than MAX_BODY bytes without reading them all."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY:
        raise TooLarge
    body = request.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise TooLarge
    return body


def _reply(
    request: HttpRequest,
    settings_now: Config,
    query: dict[str, str],
    incoming: protocol.Incoming,
    sealed: bool,
) -> HttpResponse:
    context = conversation.Context(
        now=timezone.now(),
        track_url=partial(settings_now.track_url, base=request.build_absolute_uri("/")),
        fetch_photo=partial(conversation.fetch_photo, settings_now),
    )
    text = conversation.receive(incoming, context)
    if not text:
        return _plain("success")
    xml = protocol.reply_xml(incoming, text)
    if sealed:
        xml = protocol.seal(settings_now, xml, query.get("nonce", ""))
    return HttpResponse(xml, content_type="application/xml; charset=utf-8")
