"""A stand-in for WeChat's servers, for tests and the demo: both sides of the official-account protocol.

`ApiStub` is WeChat's API as its documentation describes it, served over HTTP on loopback from a
thread: `GET /cgi-bin/token`, `POST /cgi-bin/message/template/send`, `GET /cgi-bin/media/get`,
`POST /cgi-bin/menu/create` and `GET /cgi-bin/menu/get`, with their documented error codes (40001
invalid token, 42001 token expired, 40003 invalid openid, 43004 not following, 40007 invalid media
id, 40037 invalid template id, 400xx for a menu over the limits, 46003 no menu). Point
`GRIDGOV_WECHAT_API_BASE` at `stub.base_url`.

`Sender` plays WeChat calling our callback: it signs messages with the token and, in safe mode,
encrypts them for the AppID the way WeChat does, and opens the (possibly encrypted) replies.

    python -m gridgov.wechat.stub --port 8765     # serve the API stub for the demo
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import xmltodict
from wechatpy.crypto import PrpCrypto, WeChatCrypto

from gridgov.wechat.protocol import sign

TOKEN_LIFETIME = 7200
# Open ids are 28 characters of the URL-safe base64 alphabet.
OPENID = re.compile(r"[A-Za-z0-9_-]{28}")
# menu/create: the button types and the field each needs, and its error codes (first level, sub-button).
MENU_TYPES = {
    "click": "key",
    "view": "url",
    "scancode_push": "key",
    "scancode_waitmsg": "key",
    "pic_sysphoto": "key",
    "pic_photo_or_album": "key",
    "pic_weixin": "key",
    "location_select": "key",
    "media_id": "media_id",
    "view_limited": "media_id",
    "article_id": "article_id",
    "article_view_limited": "article_id",
    "miniprogram": "pagepath",
}
_MENU_ERRORS = {
    "type": ((40017, "invalid button type"), (40024, "invalid sub button type")),
    "name": ((40018, "invalid button name size"), (40025, "invalid sub button name size")),
    "key": ((40019, "invalid button key size"), (40026, "invalid sub button key size")),
    "url": ((40020, "invalid button url size"), (40027, "invalid sub button url size")),
}
_MENU_LIMITS = {"name": (16, 60), "key": (128, 128), "url": (1024, 1024)}


@dataclass
class SentTemplate:
    """A template message the stub accepted."""

    touser: str
    template_id: str
    url: str
    data: dict[str, Any]


@dataclass
class _State:
    tokens: dict[str, bool] = field(default_factory=dict)  # token → still valid (False: expired)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    sent: list[SentTemplate] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    failures: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    unfollowed: set[str] = field(default_factory=set)
    delay: float = 0.0
    menu: dict[str, Any] | None = None
    menu_bodies: list[bytes] = field(default_factory=list)


class ApiStub:
    """WeChat's API (token, template messages, media) on a loopback port, in a thread."""

    def __init__(
        self,
        appid: str = "wx00stub00000000",
        secret: str = "stub-app-secret",
        template_id: str = "stub-status-template",
        port: int = 0,
    ) -> None:
        self.appid, self.secret, self.template_id = appid, secret, template_id
        self.state = _State()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="wechat-api-stub", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> ApiStub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what tests arrange and inspect ---

    def add_media(self, media_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        """Hold a media file as if a follower had sent it."""
        with self.lock:
            self.state.media[media_id] = (data, content_type)

    def expire_tokens(self) -> None:
        """Let every token issued so far expire (calls with them get 42001)."""
        with self.lock:
            self.state.tokens = dict.fromkeys(self.state.tokens, False)

    def fail_next(self, path: str, errcode: int, errmsg: str = "") -> None:
        """Answer the next call of the path with the error code (and message)."""
        with self.lock:
            self.state.failures.setdefault(path, []).append((errcode, errmsg))

    def unfollow(self, openid: str) -> None:
        """Make the follower one who no longer follows the account (43004)."""
        with self.lock:
            self.state.unfollowed.add(openid)

    def slow_down(self, seconds: float) -> None:
        """Wait this long before every answer."""
        self.state.delay = seconds

    @property
    def sent(self) -> list[SentTemplate]:
        with self.lock:
            return list(self.state.sent)

    @property
    def menu(self) -> dict[str, Any] | None:
        """Return the menu created last (the body of menu/create as received), or None."""
        with self.lock:
            return self.state.menu

    @property
    def menu_bodies(self) -> list[bytes]:
        """Return the raw bodies menu/create was given, whether it accepted them or not."""
        with self.lock:
            return list(self.state.menu_bodies)

    @property
    def calls(self) -> list[str]:
        """Return the paths called, in order."""
        with self.lock:
            return list(self.state.calls)

    @property
    def tokens_issued(self) -> int:
        with self.lock:
            return len(self.state.tokens)

    # --- the API ---

    def answer(self, method: str, path: str, params: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        """Return status, content type and body of the API's answer to a call."""
        time.sleep(self.state.delay)
        with self.lock:
            self.state.calls.append(path)
            queued = self.state.failures.get(path)
            if queued:
                return _error(*queued.pop(0))
            if path == "/cgi-bin/token" and method == "GET":
                return self._token(params)
            problem = self._token_problem(params.get("access_token", ""))
            if problem:
                return _error(problem)
            if path == "/cgi-bin/message/template/send" and method == "POST":
                return self._template(body)
            if path == "/cgi-bin/media/get" and method == "GET":
                return self._media(params.get("media_id", ""))
            if path == "/cgi-bin/menu/create" and method == "POST":
                return self._create_menu(body)
            if path == "/cgi-bin/menu/get" and method == "GET":
                return self._menu()
        return _error(48001, "api unauthorized")

    def _token(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        if params.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        if params.get("appid") != self.appid:
            return _error(40013, "invalid appid")
        if params.get("secret") != self.secret:
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        token = secrets.token_urlsafe(48)
        self.state.tokens[token] = True
        return _json({"access_token": token, "expires_in": TOKEN_LIFETIME})

    def _token_problem(self, token: str) -> int:
        valid = self.state.tokens.get(token)
        if valid is None:
            return 40001
        return 0 if valid else 42001

    def _template(self, body: bytes) -> tuple[int, str, bytes]:
        try:
            message = json.loads(body)
            touser, template_id, data = message["touser"], message["template_id"], message["data"]
        except (ValueError, KeyError, TypeError):
            return _error(47001, "data format error")
        if not isinstance(touser, str) or not OPENID.fullmatch(touser):
            return _error(40003, "invalid openid")
        if touser in self.state.unfollowed:
            return _error(43004, "require subscribe")
        if template_id != self.template_id:
            return _error(40037, "invalid template_id")
        self.state.sent.append(SentTemplate(touser, template_id, str(message.get("url", "")), data))
        return _json({"errcode": 0, "errmsg": "ok", "msgid": len(self.state.sent)})

    def _media(self, media_id: str) -> tuple[int, str, bytes]:
        if media_id not in self.state.media:
            return _error(40007, "invalid media_id")
        data, content_type = self.state.media[media_id]
        return 200, content_type, data

    def _create_menu(self, body: bytes) -> tuple[int, str, bytes]:
        self.state.menu_bodies.append(body)
        try:
            menu = json.loads(body.decode("utf-8"))
            buttons = menu["button"]
        except (ValueError, KeyError, TypeError):
            return _error(47001, "data format error")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return _error(40016, "invalid button size")
        for button in buttons:
            subs = button.get("sub_button") if isinstance(button, dict) else None
            if subs is not None and not isinstance(subs, list):
                return _error(47001, "data format error")
            if subs and not 1 <= len(subs) <= 5:
                return _error(40023, "invalid sub button size")
            for item, level in [(button, 0)] + [(sub, 1) for sub in subs or []]:
                problem = _menu_problem(item, level, grouped=level == 0 and bool(subs))
                if problem:
                    return _error(*problem)
        self.state.menu = menu
        return _json({"errcode": 0, "errmsg": "ok"})

    def _menu(self) -> tuple[int, str, bytes]:
        if self.state.menu is None:
            return _error(46003, "menu no exist")
        # As WeChat answers: every button with its (possibly empty) list of sub-buttons.
        buttons = [
            {**button, "sub_button": [{**sub, "sub_button": []} for sub in button.get("sub_button", [])]}
            for button in self.state.menu["button"]
        ]
        return _json({"menu": {"button": buttons}})


def _menu_problem(button: Any, level: int, grouped: bool) -> tuple[int, str] | None:
    """Return the error code and message of menu/create for a button over the limits, or None."""
    if not isinstance(button, dict):
        return _MENU_ERRORS["type"][level]
    name = button.get("name")
    if not isinstance(name, str) or not name or len(name.encode()) > _MENU_LIMITS["name"][level]:
        return _MENU_ERRORS["name"][level]
    if grouped:
        return None
    kind = button.get("type")
    needed = MENU_TYPES.get(kind) if isinstance(kind, str) else None
    if needed is None or not isinstance(button.get(needed), str) or not button[needed]:
        return _MENU_ERRORS["type"][level]
    for field_name in ("key", "url"):
        value = button.get(field_name, "")
        if not isinstance(value, str) or len(value.encode()) > _MENU_LIMITS[field_name][level]:
            return _MENU_ERRORS[field_name][level]
    return None


def _json(answer: dict[str, Any]) -> tuple[int, str, bytes]:
    return 200, "application/json; encoding=utf-8", json.dumps(answer).encode()


def _error(errcode: int, errmsg: str = "") -> tuple[int, str, bytes]:
    # WeChat answers errors with HTTP 200 and the code in the body.
    return _json({"errcode": errcode, "errmsg": errmsg or f"error {errcode}"})


def _handler(stub: ApiStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, content_type, payload = stub.answer(self.command, parts.path, params, body)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
            pass

    return Handler


# --- WeChat calling the callback -------------------------------------------------------------------


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


class Sender:
    """WeChat's servers calling the callback: signed (and in safe mode encrypted) messages, replies opened."""

    def __init__(
        self, token: str, aes_key: str = "", appid: str = "", account: str = "gh_0000stub0000"
    ) -> None:
        self.token, self.aes_key, self.appid, self.account = token, aes_key, appid, account
        self._ids = itertools.count(int(time.time()) * 1000)

    def next_id(self) -> int:
        """Return a new MsgId."""
        return next(self._ids)

    def _query(self) -> dict[str, str]:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        return {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}

    def verify_query(self, echostr: str, *, encrypted: bool = False) -> dict[str, str]:
        """Return the query of WeChat's URL verification (with the echo string encrypted in safe mode)."""
        query = {**self._query(), "echostr": echostr}
        if encrypted:
            sealed = PrpCrypto(self._crypto().key).encrypt(echostr, self.appid).decode()
            query["echostr"] = sealed
            query["msg_signature"] = sign(self.token, query["timestamp"], query["nonce"], sealed)
        return query

    def _xml(
        self, openid: str, kind: str, fields: Mapping[str, str | int | float], created: int | None
    ) -> str:
        values: dict[str, str | int | float] = {
            "ToUserName": self.account,
            "FromUserName": openid,
            "CreateTime": created or int(time.time()),
            "MsgType": kind,
            **fields,
        }
        nodes = "".join(
            f"<{name}>{_cdata(value) if isinstance(value, str) else value}</{name}>"
            for name, value in values.items()
        )
        return f"<xml>{nodes}</xml>"

    def text(self, openid: str, content: str, msgid: int | None = None, created: int | None = None) -> str:
        return self._xml(openid, "text", {"Content": content, "MsgId": msgid or self.next_id()}, created)

    def image(self, openid: str, media_id: str, msgid: int | None = None) -> str:
        fields: dict[str, str | int] = {
            "PicUrl": f"http://mmbiz.qpic.cn/stub/{media_id}",
            "MediaId": media_id,
            "MsgId": msgid or self.next_id(),
        }
        return self._xml(openid, "image", fields, None)

    def location(self, openid: str, lon: float, lat: float, label: str = "", msgid: int | None = None) -> str:
        """Return a location message; WeChat sends GCJ-02, latitude as Location_X."""
        fields: dict[str, str | int] = {
            "Location_X": f"{lat:.6f}",
            "Location_Y": f"{lon:.6f}",
            "Scale": 15,
            "Label": label,
            "MsgId": msgid or self.next_id(),
        }
        return self._xml(openid, "location", fields, None)

    def event(self, openid: str, event: str, key: str = "", created: int | None = None) -> str:
        fields: dict[str, str | int] = {"Event": event, "EventKey": key} if key else {"Event": event}
        return self._xml(openid, "event", fields, created)

    def location_event(
        self, openid: str, lon: float, lat: float, precision: float = 30.0, created: int | None = None
    ) -> str:
        """Return the LOCATION event of a follower who opens the account and allows it (GCJ-02, numbers bare)."""
        fields: dict[str, str | int | float] = {
            "Event": "LOCATION",
            "Latitude": round(lat, 6),
            "Longitude": round(lon, 6),
            "Precision": round(precision, 6),
        }
        return self._xml(openid, "event", fields, created)

    def envelope(self, xml: str, *, safe: bool = False) -> tuple[dict[str, str], bytes]:
        """Return the query and body WeChat posts for the message (encrypted in safe mode)."""
        query = self._query()
        openid = xmltodict.parse(xml)["xml"]["FromUserName"]
        query["openid"] = openid
        if not safe:
            return query, xml.encode()
        encrypt = PrpCrypto(self._crypto().key).encrypt(xml, self.appid).decode()
        query["encrypt_type"] = "aes"
        query["msg_signature"] = sign(self.token, query["timestamp"], query["nonce"], encrypt)
        body = (
            f"<xml><ToUserName>{_cdata(self.account)}</ToUserName><Encrypt>{_cdata(encrypt)}</Encrypt></xml>"
        )
        return query, body.encode()

    def open_reply(self, body: bytes) -> dict[str, Any]:
        """Return the fields of a reply, decrypting and checking a safe-mode one; {} for "success"."""
        text = body.decode()
        if text in ("", "success"):
            return {}
        outer = xmltodict.parse(text)["xml"]
        if "Encrypt" in outer:
            text = self._crypto().decrypt_message(
                text, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]
            )
        return dict(xmltodict.parse(text)["xml"])

    def _crypto(self) -> WeChatCrypto:
        return WeChatCrypto(self.token, self.aes_key, self.appid)


def demo_photo() -> bytes:
    """Return a small JPEG (a grey street with a red mark) for the demo's media id `demo-photo`."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (150, 150, 150))
    ImageDraw.Draw(image).rectangle((120, 80, 200, 160), fill=(200, 40, 40))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    """Serve the API stub until interrupted, printing the settings that point gridgov at it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    with ApiStub(port=args.port) as stub:
        stub.add_media("demo-photo", demo_photo())
        print(f"GRIDGOV_WECHAT_API_BASE={stub.base_url}")
        print(f"GRIDGOV_WECHAT_APPID={stub.appid}")
        print(f"GRIDGOV_WECHAT_SECRET={stub.secret}")
        print(f"GRIDGOV_WECHAT_TEMPLATE_ID={stub.template_id}")
        print("media id with a photo: demo-photo; Ctrl-C stops", flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
