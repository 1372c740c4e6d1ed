"""A local stand-in for WeCom's server API, over real HTTP, for tests and demos.

It speaks the documented calls gridgov makes (https://developer.work.weixin.qq.com/document/):

- `POST /cgi-bin/webhook/send?key=KEY` — a group robot's message (msgtype text or markdown, JSON);
  answers `{"errcode": 0, "errmsg": "ok"}`, 93000 for an unknown key, 45009 past 20 messages a
  minute per robot, 40008 for another msgtype, 44004 for empty and 45002 for overlong content;
- `GET /cgi-bin/gettoken?corpid=ID&corpsecret=SECRET` — an access token valid 7,200 s;
- `GET /cgi-bin/media/get?access_token=TOKEN&media_id=ID` — a temporary media file, or 40014
  (invalid token), 42001 (expired token), 40007 (unknown media id).

    with WecomStub() as stub:            # listens on 127.0.0.1, a free port
        stub.add_robot("k1")
        settings.GRIDGOV_WECOM_API_BASE = stub.url
        ...
        stub.posts("k1")                 # the messages the robot received, as JSON objects
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

RATE_LIMIT = 20  # messages per robot per minute
TEXT_LIMIT = 2048
MARKDOWN_LIMIT = 4096


class WecomStub:
    """The fake WeCom server: robots by key, one corporation's app, its media files."""

    def __init__(self, corp_id: str = "wwstubcorp", secret: str = "stub-app-secret") -> None:
        self.corp_id, self.secret = corp_id, secret
        self.lock = threading.Lock()
        self.received: dict[str, list[dict[str, Any]]] = {}
        self.sent_at: dict[str, deque[float]] = defaultdict(deque)
        self.forced: dict[str, deque[int]] = defaultdict(deque)
        self.files: dict[str, tuple[bytes, str]] = {}
        self.tokens: dict[str, bool] = {}  # token → still valid
        self.token_requests = 0
        self.server: ThreadingHTTPServer | None = None

    # --- set-up and inspection -------------------------------------------------------------------

    def add_robot(self, key: str) -> str:
        """Create a group robot; return its webhook address as WeCom shows it."""
        with self.lock:
            self.received.setdefault(key, [])
        return f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={key}"

    def posts(self, key: str) -> list[dict[str, Any]]:
        """Return the messages the robot accepted, oldest first."""
        with self.lock:
            return list(self.received.get(key, []))

    def texts(self, key: str) -> list[str]:
        """Return the content of the robot's accepted messages."""
        return [post[post["msgtype"]]["content"] for post in self.posts(key)]

    def fail_next(self, key: str, *errcodes: int) -> None:
        """Answer the robot's next requests with these errcodes, in order."""
        with self.lock:
            self.forced[key].extend(errcodes)

    def add_media(self, media_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        with self.lock:
            self.files[media_id] = (data, content_type)

    def expire_tokens(self) -> None:
        """Let every issued access token run out (the next media call gets 42001)."""
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, False)

    # --- the server ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self.server is not None, "start the stub first"
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> WecomStub:
        stub = self

        class Handler(_Handler):
            owner = stub

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, name="wecom-stub", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> WecomStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the API ---------------------------------------------------------------------------------

    def webhook(self, key: str, body: bytes) -> dict[str, Any]:
        with self.lock:
            if key not in self.received:
                return _error(93000, "invalid webhook url")
            if self.forced[key]:
                return _error(self.forced[key].popleft(), "forced by the test")
            now = time.monotonic()
            recent = self.sent_at[key]
            while recent and now - recent[0] >= 60:
                recent.popleft()
            if len(recent) >= RATE_LIMIT:
                return _error(45009, "api freq out of limit")
            try:
                message = json.loads(body)
            except ValueError:
                return _error(40058, "invalid json")
            problem = _check_message(message)
            if problem:
                return problem
            recent.append(now)
            self.received[key].append(message)
        return _error(0, "ok")

    def gettoken(self, corp_id: str, secret: str) -> dict[str, Any]:
        with self.lock:
            self.token_requests += 1
            if corp_id != self.corp_id:
                return _error(40013, "invalid corpid")
            if secret != self.secret:
                return _error(40001, "invalid credential")
            token = secrets.token_hex(16)
            self.tokens[token] = True
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}

    def media(self, token: str, media_id: str) -> tuple[bytes, str] | dict[str, Any]:
        with self.lock:
            if token not in self.tokens:
                return _error(40014, "invalid access_token")
            if not self.tokens[token]:
                return _error(42001, "access_token expired")
            if media_id not in self.files:
                return _error(40007, "invalid media_id")
            return self.files[media_id]


def _error(errcode: int, errmsg: str) -> dict[str, Any]:
    return {"errcode": errcode, "errmsg": errmsg}


def _check_message(message: Any) -> dict[str, Any] | None:
    """Return WeCom's error for a malformed robot message, or None."""
    kind = message.get("msgtype") if isinstance(message, dict) else None
    limits = {"text": TEXT_LIMIT, "markdown": MARKDOWN_LIMIT}
    if kind not in limits:
        return _error(40008, "invalid message type")
    content = message.get(kind, {}).get("content") if isinstance(message.get(kind), dict) else None
    if not isinstance(content, str) or not content.strip():
        return _error(44004, "empty content")
    if len(content.encode()) > limits[kind]:
        return _error(45002, "content size out of limit")
    return None


class _Handler(BaseHTTPRequestHandler):
    owner: WecomStub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        return

    def _query(self) -> dict[str, str]:
        return {name: values[0] for name, values in parse_qs(urlsplit(self.path).query).items()}

    def _json(self, data: dict[str, Any]) -> None:
        self._send(json.dumps(data).encode(), "application/json; charset=utf-8")

    def _send(self, body: bytes, content_type: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        path, query = urlsplit(self.path).path, self._query()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path == "/cgi-bin/webhook/send":
            self._json(self.owner.webhook(query.get("key", ""), body))
        else:
            self._send(b"not found", "text/plain", 404)

    def do_GET(self) -> None:
        path, query = urlsplit(self.path).path, self._query()
        if path == "/cgi-bin/gettoken":
            self._json(self.owner.gettoken(query.get("corpid", ""), query.get("corpsecret", "")))
        elif path == "/cgi-bin/media/get":
            found = self.owner.media(query.get("access_token", ""), query.get("media_id", ""))
            if isinstance(found, dict):
                self._json(found)
            else:
                self._send(*found)
        else:
            self._send(b"not found", "text/plain", 404)


__all__ = ["WecomStub"]
