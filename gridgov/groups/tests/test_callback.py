"""WeCom's app callback: URL verification, encrypted messages into the grid inbox, and bad input."""

from __future__ import annotations

from typing import Any

import pytest
import xmltodict
from django.test import Client

from gridgov.groups.models import GroupMessage
from gridgov.groups.stub import WecomStub
from gridgov.groups.tests.conftest import (
    CALLBACK,
    CORP_ID,
    crypto,
    message_xml,
    post_encrypted,
    reply_text,
)
from gridgov.people.models import User
from gridgov.testing import MiniDistrict


@pytest.fixture(autouse=True)
def english(settings: Any, db: None) -> None:
    settings.LANGUAGE_CODE = "en"


def test_it_answers_the_url_verification_with_the_decrypted_echostr(client: Client, stub: WecomStub) -> None:
    envelope = xmltodict.parse(crypto().encrypt_message("4321987612345", "nonce1", "1781000000"))["xml"]
    query = {"msg_signature": envelope["MsgSignature"], "timestamp": "1781000000", "nonce": "nonce1"}

    response = client.get(CALLBACK, {**query, "echostr": envelope["Encrypt"]})

    assert response.status_code == 200 and response.content == b"4321987612345"


def test_a_wrong_signature_is_refused_with_403(client: Client, stub: WecomStub) -> None:
    envelope = xmltodict.parse(crypto().encrypt_message("4321987612345", "nonce1", "1781000000"))["xml"]

    response = client.get(
        CALLBACK,
        {
            "msg_signature": "0" * 40,
            "timestamp": "1781000000",
            "nonce": "nonce1",
            "echostr": envelope["Encrypt"],
        },
    )

    assert response.status_code == 403 and response["Content-Type"].startswith("text/plain")
    assert response.text == "The signature is not valid."


def test_a_forwarded_text_lands_in_the_senders_grid_inbox(
    client: Client, mini: MiniDistrict, accounts: dict[str, User], stub: WecomStub
) -> None:
    response = post_encrypted(client, message_xml("zhangwangge", 7001, text="3栋楼道灯坏了一周了"))

    assert response.status_code == 200
    assert reply_text(response) == "Received: it is in the message inbox of A1网格."
    message = GroupMessage.objects.get()
    assert (message.grid, message.sender, message.kind, message.text, message.msg_id) == (
        mini.grid_a1,
        mini.worker_a,
        "text",
        "3栋楼道灯坏了一周了",
        "7001",
    )
    assert message.agent_id == 1000002 and message.sent_at.timestamp() == 1781000000


def test_a_replayed_message_is_stored_once_and_answered_the_same(
    client: Client, mini: MiniDistrict, accounts: dict[str, User], stub: WecomStub
) -> None:
    xml = message_xml("zhangwangge", 7002, text="小区门口垃圾没人收")
    first = post_encrypted(client, xml)

    again = post_encrypted(client, xml, nonce="99887766")

    assert again.status_code == 200 and GroupMessage.objects.count() == 1
    assert reply_text(again, nonce="99887766") == reply_text(first)


def test_a_photo_is_kept_with_its_media_id_to_fetch_later(
    client: Client, mini: MiniDistrict, accounts: dict[str, User], stub: WecomStub
) -> None:
    post_encrypted(client, message_xml("liwangge", 7003, media_id="MEDIA-B1"))

    message = GroupMessage.objects.get()
    assert (message.grid, message.kind, message.media_id) == (mini.grid_b1, "image", "MEDIA-B1")
    assert message.text == ""


def test_an_unknown_sender_is_kept_without_a_grid_and_told_so(
    client: Client, mini: MiniDistrict, accounts: dict[str, User], stub: WecomStub
) -> None:
    response = post_encrypted(client, message_xml("stranger", 7004, text="路灯坏了"))

    assert GroupMessage.objects.get().grid is None
    assert "not linked to a grid" in reply_text(response)


def test_html_and_script_are_stored_as_text(
    client: Client, mini: MiniDistrict, accounts: dict[str, User], stub: WecomStub
) -> None:
    text = '<script>alert("x")</script><b>井盖</b>丢了'
    post_encrypted(client, message_xml("zhangwangge", 7005, text=text))

    assert GroupMessage.objects.get().text == text


def test_a_text_of_ten_thousand_characters_is_refused_in_the_reply(
    client: Client, mini: MiniDistrict, accounts: dict[str, User], stub: WecomStub
) -> None:
    response = post_encrypted(client, message_xml("zhangwangge", 7006, text="长" * 10_000))

    assert response.status_code == 200
    assert reply_text(response) == "The message is longer than 2048 characters; forward it in parts."
    assert not GroupMessage.objects.exists()


def test_events_are_acknowledged_and_not_kept(client: Client, mini: MiniDistrict, stub: WecomStub) -> None:
    xml = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[zhangwangge]]></FromUserName>"
        "<CreateTime>1781000000</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[enter_agent]]></Event><EventKey><![CDATA[]]></EventKey><AgentID>1000002</AgentID></xml>"
    )

    response = post_encrypted(client, xml)

    assert (response.status_code, response.content) == (200, b"")
    assert not GroupMessage.objects.exists()


def test_other_kinds_of_message_get_a_reply_saying_what_is_kept(
    client: Client, mini: MiniDistrict, stub: WecomStub
) -> None:
    xml = message_xml("zhangwangge", 7007, text="x").replace("[text]", "[voice]")

    response = post_encrypted(client, xml)

    assert reply_text(response).startswith("Only texts and photos are kept")
    assert not GroupMessage.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"this is not xml",
        b"<xml><ToUserName>x</ToUserName></xml>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>',
        b"<xml><Encrypt><![CDATA[",
        b"<xml><Encrypt><![CDATA[" + b"A" * 70_000 + b"]]></Encrypt></xml>",
    ],
)
def test_malformed_bodies_are_refused_with_400(client: Client, stub: WecomStub, body: bytes) -> None:
    response = client.post(
        f"{CALLBACK}?msg_signature=abc&timestamp=1781000000&nonce=1", body, content_type="text/xml"
    )

    assert response.status_code == 400 and response["Content-Type"].startswith("text/plain")
    assert not GroupMessage.objects.exists()


def test_a_signed_envelope_holding_no_message_is_refused_with_400(client: Client, stub: WecomStub) -> None:
    response = post_encrypted(client, "<xml><Nonsense>1</Nonsense></xml>")

    assert response.status_code == 400
    assert response.text == "The decrypted message is not a WeCom message."


def test_a_message_signed_with_another_token_is_refused_with_403(
    client: Client, mini: MiniDistrict, accounts: dict[str, User], stub: WecomStub, settings: Any
) -> None:
    settings.GRIDGOV_WECOM_TOKEN = "someone-elses-token"

    response = post_encrypted(client, message_xml("zhangwangge", 7008, text="路灯坏了"))

    assert response.status_code == 403 and not GroupMessage.objects.exists()


def test_without_configuration_the_callback_does_not_exist(client: Client, settings: Any) -> None:
    settings.GRIDGOV_WECOM_TOKEN = ""
    settings.GRIDGOV_WECOM_AES_KEY = ""
    settings.GRIDGOV_WECOM_CORPID = ""

    response = client.get(CALLBACK, {"msg_signature": "a", "timestamp": "1", "nonce": "2", "echostr": "x"})

    assert response.status_code == 404


def test_a_misconfigured_key_is_a_clear_503_not_a_crash(
    client: Client, stub: WecomStub, settings: Any
) -> None:
    settings.GRIDGOV_WECOM_AES_KEY = "too-short"

    response = client.get(CALLBACK, {"msg_signature": "a", "timestamp": "1", "nonce": "2", "echostr": "x"})

    assert response.status_code == 503
