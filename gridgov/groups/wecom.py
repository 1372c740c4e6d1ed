"""A small client of WeCom's server API (企业微信): group-robot webhooks, access tokens, media.

Only the three calls gridgov needs, over `requests`, against the configured API base
(`GRIDGOV_WECOM_API_BASE`; tests and demos point it at `gridgov.groups.stub`). Errors come back as
`WecomError` with WeCom's errcode; `transient` tells whether another attempt later may succeed.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests

from gridgov.groups import config

# Seconds to connect and to read: the worker waits on the robot, the report form on the media.
TIMEOUT = (3.05, 10)
# Documented errcodes (https://developer.work.weixin.qq.com/document/path/90313).
OK = 0
BUSY = -1
INVALID_TOKEN = 40014
TOKEN_EXPIRED = 42001
RATE_LIMITED = 45009  # a robot takes at most 20 messages a minute
INVALID_WEBHOOK = 93000
# Errcodes after which the same request can never succeed.
PERMANENT = frozenset(
    {
        INVALID_WEBHOOK,
        40007,  # invalid media_id
        40008,  # invalid message type
        40013,  # invalid corpid
        40001,  # invalid secret
        40058,  # invalid parameter
        44004,  # empty text
        45002,  # content too long
    }
)
# Largest image the media call reads (WeCom's own limit for images is 10 MB).
MAX_MEDIA = 10 * 1024 * 1024
# Refresh the token this long before WeCom says it expires.
TOKEN_MARGIN = 300


class WecomError(Exception):
    """A failed WeCom call: errcode (None for a network or protocol failure) and the reason."""

    def __init__(self, errcode: int | None, errmsg: str) -> None:
        super().__init__(errcode, errmsg)
        self.errcode = errcode
        self.errmsg = errmsg

    def __str__(self) -> str:
        return f"WeCom errcode {self.errcode}: {self.errmsg}" if self.errcode is not None else self.errmsg

    @property
    def transient(self) -> bool:
        return self.errcode not in PERMANENT


def _json(response: requests.Response) -> dict[str, Any]:
    """Return the JSON object of a WeCom answer, or raise a transient WecomError."""
    if response.status_code != 200:
        raise WecomError(None, f"HTTP {response.status_code} from WeCom")
    try:
        data = response.json()
    except ValueError:
        raise WecomError(None, "WeCom answered with something other than JSON") from None
    if not isinstance(data, dict):
        raise WecomError(None, "WeCom answered with JSON that is not an object")
    return data


def _check(data: dict[str, Any]) -> dict[str, Any]:
    """Return WeCom's answer if its errcode says ok; raise WecomError otherwise."""
    try:
        errcode = int(data.get("errcode", OK))
    except (TypeError, ValueError):
        raise WecomError(None, f"WeCom answered with an errcode that is not a number: {data!r}") from None
    if errcode != OK:
        raise WecomError(errcode, str(data.get("errmsg", "")))
    return data


def _get(path: str, params: dict[str, str], *, stream: bool = False) -> requests.Response:
    try:
        return requests.get(f"{config.api_base()}{path}", params=params, timeout=TIMEOUT, stream=stream)
    except requests.RequestException as exc:
        raise WecomError(None, f"WeCom is not reachable: {type(exc).__name__}") from None


def send_robot(key: str, message: dict[str, Any]) -> None:
    """Post the message (WeCom's robot JSON: msgtype text or markdown) through the robot with the key."""
    url = f"{config.api_base()}/cgi-bin/webhook/send"
    try:
        response = requests.post(url, params={"key": key}, json=message, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise WecomError(None, f"WeCom is not reachable: {type(exc).__name__}") from None
    _check(_json(response))


class TokenCache:
    """The app's access token, shared by the threads of a process and fetched again before it expires."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token = ""
        self._expires = 0.0
        self._for: tuple[str, str, str] = ("", "", "")

    def get(self, *, fresh: bool = False) -> str:
        """Return a valid access token, fetching one when none is cached (or `fresh` is asked)."""
        who = (config.api_base(), config.corp_id(), config.app_secret())
        with self._lock:
            if fresh or who != self._for or time.monotonic() >= self._expires:
                self._token, lifetime = _fetch_token(who[1], who[2])
                self._expires = time.monotonic() + max(lifetime - TOKEN_MARGIN, 60)
                self._for = who
            return self._token

    def forget(self) -> None:
        with self._lock:
            self._token, self._expires = "", 0.0


def _fetch_token(corp_id: str, secret: str) -> tuple[str, int]:
    if not corp_id or not secret:
        raise WecomError(40013, "GRIDGOV_WECOM_CORPID and GRIDGOV_WECOM_SECRET are not configured")
    data = _check(_json(_get("/cgi-bin/gettoken", {"corpid": corp_id, "corpsecret": secret})))
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        raise WecomError(None, "WeCom gave no access token")
    try:
        lifetime = int(data.get("expires_in", 7200))
    except (TypeError, ValueError):
        lifetime = 7200
    return token, lifetime


tokens = TokenCache()


def media(media_id: str) -> bytes:
    """Return the bytes of a temporary media file (a forwarded photo); WeCom keeps them three days."""
    for attempt in (1, 2):
        response = _get(
            "/cgi-bin/media/get", {"access_token": tokens.get(fresh=attempt == 2), "media_id": media_id}
        )
        kind = response.headers.get("Content-Type", "")
        if response.status_code == 200 and not kind.startswith(("application/json", "text/")):
            return _read_limited(response)
        try:
            _check(_json(response))
        except WecomError as exc:
            if exc.errcode in (INVALID_TOKEN, TOKEN_EXPIRED) and attempt == 1:
                continue  # the cached token was revoked or ran out: fetch a new one, once
            raise
        raise WecomError(None, "WeCom sent no media")
    raise AssertionError("unreachable")


def _read_limited(response: requests.Response) -> bytes:
    data = b""
    for chunk in response.iter_content(64 * 1024):
        data += chunk
        if len(data) > MAX_MEDIA:
            raise WecomError(45002, "the media file is larger than 10 MB")
    return data


__all__ = ["WecomError", "media", "send_robot", "tokens"]
