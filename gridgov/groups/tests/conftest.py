"""Fixtures of the groups tests: the WeCom stub on loopback, a robot for grid A1, WeCom's callback crypto."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import escape

import pytest
import xmltodict
from django.test import Client
from wechatpy.enterprise.crypto import WeChatCrypto

from gridgov.groups import wecom
from gridgov.groups.models import GroupRobot, WecomAccount
from gridgov.groups.stub import WecomStub
from gridgov.people.models import User
from gridgov.testing import MiniDistrict

TOKEN = "gridgovtoken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeCom generates them
CORP_ID = "wwstubcorp"
SECRET = "stub-app-secret"
AGENT_ID = 1000002
KEY_A1 = "693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa"
CALLBACK = "/groups/wecom/callback/"


@pytest.fixture
def stub(settings: Any) -> Iterator[WecomStub]:
    """Start the WeCom stub and point gridgov at it, with the callback's token, key and corp id."""
    with WecomStub(corp_id=CORP_ID, secret=SECRET) as server:
        settings.GRIDGOV_WECOM_API_BASE = server.url
        settings.GRIDGOV_WECOM_TOKEN = TOKEN
        settings.GRIDGOV_WECOM_AES_KEY = AES_KEY
        settings.GRIDGOV_WECOM_CORPID = CORP_ID
        settings.GRIDGOV_WECOM_SECRET = SECRET
        settings.GRIDGOV_PUBLIC_URL = "https://gridgov.example"
        wecom.tokens.forget()
        yield server
    wecom.tokens.forget()


@pytest.fixture
def robot_a1(mini: MiniDistrict, stub: WecomStub) -> GroupRobot:
    """Give grid A1 a group robot the stub knows."""
    from django.utils import timezone

    url = stub.add_robot(KEY_A1)
    return GroupRobot.objects.create(grid=mini.grid_a1, webhook_url=url, updated_at=timezone.now())


@pytest.fixture
def accounts(mini: MiniDistrict) -> dict[str, User]:
    """Link the grid workers of A1 and B1 to their WeCom userids."""
    WecomAccount.objects.create(user=mini.worker_a, userid="zhangwangge")
    WecomAccount.objects.create(user=mini.worker_b, userid="liwangge")
    return {"zhangwangge": mini.worker_a, "liwangge": mini.worker_b}


def crypto() -> WeChatCrypto:
    return WeChatCrypto(TOKEN, AES_KEY, CORP_ID)


def message_xml(
    sender: str, msg_id: int, *, text: str | None = None, media_id: str = "", created: int = 1781000000
) -> str:
    """Return a message as WeCom's server writes it before encrypting (text, or an image with media)."""
    parts = [
        f"<ToUserName><![CDATA[{CORP_ID}]]></ToUserName>",
        f"<FromUserName><![CDATA[{sender}]]></FromUserName>",
        f"<CreateTime>{created}</CreateTime>",
    ]
    if text is not None:
        parts += ["<MsgType><![CDATA[text]]></MsgType>", f"<Content>{escape(text)}</Content>"]
    else:
        parts += [
            "<MsgType><![CDATA[image]]></MsgType>",
            f"<PicUrl><![CDATA[https://wework.qpic.cn/{media_id}]]></PicUrl>",
            f"<MediaId><![CDATA[{media_id}]]></MediaId>",
        ]
    parts += [f"<MsgId>{msg_id}</MsgId>", f"<AgentID>{AGENT_ID}</AgentID>"]
    return "<xml>" + "".join(parts) + "</xml>"


def post_encrypted(
    client: Client, xml: str, *, nonce: str = "1320562132", timestamp: str = "1781000000"
) -> Any:
    """POST the message to the callback encrypted and signed as WeCom does."""
    envelope = xmltodict.parse(crypto().encrypt_message(xml, nonce, timestamp))["xml"]
    body = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt><AgentID><![CDATA[{AGENT_ID}]]></AgentID></xml>"
    )
    query = f"msg_signature={envelope['MsgSignature']}&timestamp={timestamp}&nonce={nonce}"
    return client.post(f"{CALLBACK}?{query}", body, content_type="text/xml")


def reply_text(response: Any, *, nonce: str = "1320562132", timestamp: str = "1781000000") -> str:
    """Decrypt the callback's passive reply and return its text, checking its signature as WeCom would."""
    envelope = xmltodict.parse(response.content)["xml"]
    xml = crypto().decrypt_message(
        response.content, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]
    )
    assert envelope["Nonce"] == nonce and envelope["TimeStamp"] == timestamp
    return str(xmltodict.parse(xml)["xml"]["Content"])
