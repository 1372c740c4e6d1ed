"""A small client of the official account's API: access token, media download, template messages, menu.

The access token is kept in the database (`AccessToken`) until shortly before it expires, so the web
processes and the workers share one token instead of each fetching its own (WeChat limits how often
a token may be fetched, and every fetch starts retiring the previous token). Two processes that find
it stale at the same moment may both fetch one; the older stays valid for WeChat's five-minute
overlap, so the loser's call still succeeds. An API answer that says the token is invalid or
expired (40001, 40014, 42001) makes the client fetch a fresh one and retry once.

Every call has a deadline: the callback view may spend at most a few seconds downloading a photo,
because WeChat gives up on a reply after 5 s.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import requests
from django.utils import timezone

from gridgov.wechat.config import Config
from gridgov.wechat.models import AccessToken

TOKEN_EXPIRED = frozenset({40001, 40014, 42001})
# Renew this long before WeChat's stated expiry, so a token never expires on the way.
EARLY = timedelta(minutes=5)
DEFAULT_TIMEOUT = 10.0
MAX_MEDIA_BYTES = 10 * 1024 * 1024
_CHUNK = 64 * 1024
T = TypeVar("T")


class WechatError(Exception):
    """The API answered with an error code, or not as documented."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class Timeout(WechatError):
    """The deadline of the call passed."""

    def __init__(self) -> None:
        super().__init__(-1, "deadline passed")


@dataclass(frozen=True)
class Media:
    """A downloaded media file."""

    data: bytes
    content_type: str


class Client:
    """Call the official account's API at `config.api_base` within a deadline of `budget` seconds."""

    def __init__(self, config: Config, budget: float = DEFAULT_TIMEOUT) -> None:
        self.config = config
        self.deadline = time.monotonic() + budget
        self.http = requests.Session()

    # --- access token ---

    def access_token(self, *, fresh: bool = False) -> str:
        """Return a valid access token: the stored one, or a newly fetched one when it is stale or `fresh`."""
        now = timezone.now()
        if not fresh:
            stored = AccessToken.objects.filter(appid=self.config.appid, expires_at__gt=now + EARLY).first()
            if stored is not None:
                return stored.token
        answer = self._json(
            self.http.get(
                self._url("/cgi-bin/token"),
                params={
                    "grant_type": "client_credential",
                    "appid": self.config.appid,
                    "secret": self.config.secret,
                },
                timeout=self._remaining(),
            )
        )
        token, expires_in = answer.get("access_token"), answer.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int):
            raise WechatError(-1, "the token answer has no access_token/expires_in")
        AccessToken.objects.update_or_create(
            appid=self.config.appid,
            defaults={"token": token, "expires_at": now + timedelta(seconds=expires_in)},
        )
        return token

    # --- calls ---

    def send_template(self, openid: str, template_id: str, data: dict[str, Any], url: str = "") -> int:
        """Send a template message to the follower; return WeChat's msgid."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": data}
        if url:
            body["url"] = url
        answer = self._with_token(
            lambda token: self._json(
                self.http.post(
                    self._url("/cgi-bin/message/template/send"),
                    params={"access_token": token},
                    json=body,
                    timeout=self._remaining(),
                )
            )
        )
        return int(answer.get("msgid", 0))

    def create_menu(self, menu: dict[str, Any]) -> None:
        """Create the account's custom menu from the body `{"button": [...]}`, replacing the current one."""
        # UTF-8 as the documentation asks, not \u escapes: the name limits are counted in bytes, and
        # escaped names are reported refused or shown escaped (wechatpy sends UTF-8 too).
        body = json.dumps(menu, ensure_ascii=False).encode()
        self._with_token(
            lambda token: self._json(
                self.http.post(
                    self._url("/cgi-bin/menu/create"),
                    params={"access_token": token},
                    data=body,
                    headers={"Content-Type": "application/json; charset=utf-8"},
                    timeout=self._remaining(),
                )
            )
        )

    def media(self, media_id: str, max_bytes: int = MAX_MEDIA_BYTES) -> Media:
        """Download a temporary media file (a resident's photo) by its MediaId."""
        return self._with_token(lambda token: self._download(media_id, token, max_bytes))

    def _download(self, media_id: str, token: str, max_bytes: int) -> Media:
        response = self.http.get(
            self._url("/cgi-bin/media/get"),
            params={"access_token": token, "media_id": media_id},
            timeout=self._remaining(),
            stream=True,
        )
        with response:
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            # Errors come as JSON (or text/plain holding JSON); the file comes with its own type.
            if content_type in ("application/json", "text/plain") or response.status_code != 200:
                self._json(response)  # raises the error it holds
                raise WechatError(-1, "the media answer holds no file")
            data = bytearray()
            for chunk in response.iter_content(_CHUNK):
                data.extend(chunk)
                if len(data) > max_bytes:
                    raise WechatError(-1, "the media file is too large")
                self._remaining()
        return Media(bytes(data), content_type)

    def _with_token(self, call: Callable[[str], T]) -> T:
        """Make the call with the access token; fetch a fresh token and retry once if it was stale."""
        token = self.access_token()
        try:
            return call(token)
        except WechatError as exc:
            if exc.errcode not in TOKEN_EXPIRED:
                raise
        return call(self.access_token(fresh=True))

    # --- plumbing ---

    def _url(self, path: str) -> str:
        return f"{self.config.api_base}{path}"

    def _remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Timeout
        return left

    @staticmethod
    def _json(response: requests.Response) -> Any:
        """Return the JSON answer, raising WechatError for a non-zero errcode or an undocumented answer."""
        try:
            answer = response.json()
        except ValueError:
            raise WechatError(-1, f"HTTP {response.status_code}, not JSON") from None
        if not isinstance(answer, dict):
            raise WechatError(-1, "the answer is not a JSON object")
        errcode = answer.get("errcode", 0)
        if not isinstance(errcode, int):
            raise WechatError(-1, f"errcode {errcode!r} is not a number")
        if errcode != 0:
            raise WechatError(errcode, str(answer.get("errmsg", "")))
        if response.status_code != 200:
            raise WechatError(-1, f"HTTP {response.status_code}")
        return answer
