"""WeChat's callback protocol: signatures, the safe-mode envelope, incoming messages and passive replies.

The crypto and the message parsing are wechatpy's (`WeChatCrypto`, `parse_message`, `TextReply`);
this module puts them behind a small interface that turns every way a request can be wrong into one
of two exceptions, `BadSignature` (answered 403) and `Malformed` (answered 400), and every message
into an `Incoming` whose fields have been checked once, here.

WeChat never sends a document type, so any XML that declares one is refused before parsing: entity
expansion ("billion laughs") never reaches the parser.
"""

from __future__ import annotations

import binascii
import hmac
import math
import struct
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.parsers.expat import ExpatError

from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

from gridgov.lib.xmlguard import declares_entities
from gridgov.wechat.config import Config

MAX_ID = 64
# What can go wrong inside wechatpy and xmltodict with input that is not what WeChat sends.
_PARSE_ERRORS = (ExpatError, KeyError, TypeError, AttributeError, ValueError, IndexError)
_DECRYPT_ERRORS = (*_PARSE_ERRORS, binascii.Error, struct.error, UnicodeDecodeError, AssertionError)


class BadSignature(Exception):
    """The request is not signed with the account's token (or not encrypted for its AppID)."""


class Malformed(Exception):
    """The request is not a message WeChat could have sent."""


@dataclass(frozen=True)
class Incoming:
    """A message or event from a resident, as far as the conversation needs it."""

    key: str  # what makes it unique: the MsgId, or the sender, time and event of an event
    openid: str
    account: str  # the official account's own id (ToUserName), the sender of the reply
    kind: str  # text, image, location, event, or WeChat's name of another type
    created: int
    text: str = ""
    media_id: str = ""
    lon: float | None = None
    lat: float | None = None
    label: str = ""
    event: str = ""
    event_key: str = ""
    precision: float | None = None  # metres, of a LOCATION event's position


def sign(*parts: str) -> str:
    """Return WeChat's signature of the parts: SHA-1 of their sorted concatenation."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def check_signature(token: str, query: Mapping[str, str]) -> None:
    """Check the `signature` of the token, timestamp and nonce, or raise BadSignature."""
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    given = query.get("signature", "")
    if not (timestamp and nonce and given) or not _same(sign(token, timestamp, nonce), given):
        raise BadSignature


def crypto(config: Config) -> WeChatCrypto:
    """Return the safe-mode cipher of the account (its settings checked by `Config.safe_mode_problem`)."""
    return WeChatCrypto(config.token, config.aes_key, config.appid)


def verify_url(config: Config, query: Mapping[str, str]) -> str:
    """Return the `echostr` to answer WeChat's URL verification, or raise BadSignature/Malformed.

    In plain mode (and in safe mode as WeChat's console sends it) the echo string comes in clear
    under `signature`; a verification carrying `msg_signature` has it encrypted.
    """
    echo = query.get("echostr", "")
    if not echo:
        raise Malformed
    if "msg_signature" not in query or not config.aes_key:
        check_signature(config.token, query)
        return echo
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    if not _same(sign(config.token, timestamp, nonce, echo), query.get("msg_signature", "")):
        raise BadSignature
    try:
        return str(PrpCrypto(crypto(config).key).decrypt(echo, config.appid))
    except InvalidAppIdException:
        raise BadSignature from None
    except _DECRYPT_ERRORS:
        raise Malformed from None


def _refuse_doctype(xml: str) -> str:
    if declares_entities(xml):
        raise Malformed
    return xml


def open_envelope(config: Config, body: bytes, query: Mapping[str, str]) -> tuple[str, bool]:
    """Return the message's XML and whether it came encrypted (safe mode), or raise."""
    try:
        xml = _refuse_doctype(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise Malformed from None
    if query.get("encrypt_type", "raw").lower() != "aes":
        return xml, False
    if not config.aes_key:
        raise Malformed
    try:
        inner = crypto(config).decrypt_message(
            xml, query.get("msg_signature", ""), query.get("timestamp", ""), query.get("nonce", "")
        )
    except (InvalidSignatureException, InvalidAppIdException):
        raise BadSignature from None
    except _DECRYPT_ERRORS:
        raise Malformed from None
    return _refuse_doctype(str(inner)), True


def parse(xml: str) -> Incoming:
    """Return the message the XML holds, or raise Malformed."""
    try:
        message = parse_message(_refuse_doctype(xml))
        if message is None:
            raise Malformed
        return _incoming(message)
    except _PARSE_ERRORS:
        raise Malformed from None


def _text(value: Any, limit: int | None = None) -> str:
    """Return the field's text; a missing field is empty; nested elements or overlong ids are refused."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Malformed
    if limit is not None and len(value) > limit:
        raise Malformed
    return value


def _incoming(message: Any) -> Incoming:
    # The raw fields, not wechatpy's class: an event or type it does not know is still answered.
    data = message._data
    openid = _text(data.get("FromUserName"), MAX_ID)
    account = _text(data.get("ToUserName"), MAX_ID)
    created = int(_text(data.get("CreateTime")) or 0)
    kind = _text(data.get("MsgType"), MAX_ID).lower()
    if not (openid and account and created > 0):
        raise Malformed
    common: dict[str, Any] = {"openid": openid, "account": account, "created": created, "kind": kind}
    if kind == "event":
        event = _text(data.get("Event"), MAX_ID).lower()
        key = _text(data.get("EventKey"), 200)
        place = _reported_position(data) if event == "location" else {}
        return Incoming(
            key=f"event:{openid}:{created}:{event}", event=event, event_key=key, **common, **place
        )
    msgid = int(message.id or 0)
    if msgid <= 0:
        raise Malformed
    fields: dict[str, Any] = {}
    if kind == "text":
        fields["text"] = _text(message.content)
    elif kind == "image":
        fields["media_id"] = _text(message.media_id, 128)
        if not fields["media_id"]:
            raise Malformed
    elif kind == "location":
        # Location_X is the latitude and Location_Y the longitude, in GCJ-02.
        fields["lat"], fields["lon"] = float(message.location_x), float(message.location_y)
        if not (math.isfinite(fields["lat"]) and math.isfinite(fields["lon"])):
            raise Malformed
        fields["label"] = _text(message.label)
    return Incoming(key=f"msg:{msgid}", **common, **fields)


def _reported_position(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the position of a LOCATION event (GCJ-02, as WeChat sends it), or raise Malformed."""
    lat, lon = _number(data.get("Latitude")), _number(data.get("Longitude"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Malformed
    precision = _number(data.get("Precision"))
    if precision is not None and precision < 0:
        raise Malformed
    return {"lat": lat, "lon": lon, "precision": precision}


def _number(value: Any) -> float | None:
    """Return the field as a finite number, None when it is missing, or raise Malformed."""
    text = _text(value, MAX_ID).strip()
    if not text:
        return None
    number = float(text)  # a ValueError is Malformed, as every parse error
    if not math.isfinite(number):
        raise Malformed
    return number


def reply_xml(incoming: Incoming, text: str) -> str:
    """Return the passive text reply to the message."""
    # The content goes into CDATA, which cannot hold its own terminator.
    content = text.replace("]]>", "]] >")
    reply = TextReply(source=incoming.account, target=incoming.openid, content=content, time=int(time.time()))
    return str(reply.render())


def seal(config: Config, xml: str, nonce: str) -> str:
    """Return the reply encrypted and signed for safe mode."""
    return str(crypto(config).encrypt_message(xml, nonce, str(int(time.time()))))
