"""Fixtures of the WeChat tests: the API stub on loopback, the account's settings, WeChat calling the callback."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode
from PIL import Image

from gridgov.lib.coords import from_wgs84
from gridgov.wechat.stub import ApiStub, Sender

TOKEN = "gridgov-wechat-test-token"
AES_KEY = base64.b64encode(b"gridgov wechat test aes key 32by").decode().rstrip("=")
# Open ids are 28 characters; one resident per test usually does.
RESIDENT = "oRESIDENT000000000000000000A"
NEIGHBOUR = "oNEIGHBOUR00000000000000000B"
# Grid A1 of the test district, as WeChat sends it: GCJ-02.
A1_WGS84 = (113.105, 27.865)
A1_GCJ02 = from_wgs84(*A1_WGS84, "gcj02")
OUTSIDE_GCJ02 = from_wgs84(113.3, 27.95, "gcj02")


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    """Return a small real JPEG made with Pillow."""
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format="JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
def stub() -> Iterator[ApiStub]:
    with ApiStub() as running:
        yield running


@pytest.fixture
def account(settings: Any, stub: ApiStub, tmp_path: Any) -> ApiStub:
    """Configure the official account against the stub; answers in English (the msgids); media in tmp."""
    settings.GRIDGOV_WECHAT_TOKEN = TOKEN
    settings.GRIDGOV_WECHAT_AES_KEY = AES_KEY
    settings.GRIDGOV_WECHAT_APPID = stub.appid
    settings.GRIDGOV_WECHAT_SECRET = stub.secret
    settings.GRIDGOV_WECHAT_TEMPLATE_ID = stub.template_id
    settings.GRIDGOV_WECHAT_API_BASE = stub.base_url
    settings.GRIDGOV_PUBLIC_URL = "https://gridgov.example.org"
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    return stub


@dataclass
class Wechat:
    """WeChat's servers posting to the callback through the test client."""

    sender: Sender
    client: Client
    safe: bool = False

    def post(self, xml: str, **extra_query: str) -> Any:
        query, body = self.sender.envelope(xml, safe=self.safe)
        query.update(extra_query)
        return self.post_raw(query, body)

    def post_raw(self, query: dict[str, str], body: bytes) -> Any:
        url = f"{reverse('wechat:callback')}?{urlencode(query)}"
        return self.client.post(url, body, content_type="text/xml")

    def say(self, xml: str) -> str:
        """Post the message and return the reply's text ("" for "success")."""
        response = self.post(xml)
        assert response.status_code == 200, response.content
        return str(self.sender.open_reply(response.content).get("Content", ""))

    def text(self, content: str, openid: str = RESIDENT, **kwargs: Any) -> str:
        return self.say(self.sender.text(openid, content, **kwargs))

    def image(self, media_id: str, openid: str = RESIDENT) -> str:
        return self.say(self.sender.image(openid, media_id))

    def location(
        self, lon_lat: tuple[float, float] = A1_GCJ02, openid: str = RESIDENT, label: str = ""
    ) -> str:
        return self.say(
            self.sender.location(openid, lon_lat[0], lon_lat[1], label or "湖南省株洲市石峰区清水塘路1号")
        )


@pytest.fixture
def wechat(account: ApiStub) -> Wechat:
    return Wechat(Sender(TOKEN, AES_KEY, account.appid), Client())


@pytest.fixture
def safe_wechat(account: ApiStub) -> Wechat:
    return Wechat(Sender(TOKEN, AES_KEY, account.appid), Client(), safe=True)
