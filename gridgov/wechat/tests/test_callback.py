"""The callback's protocol: URL verification, signatures, safe mode, and what it does with bad requests."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from gridgov.wechat.models import Draft, SeenMessage
from gridgov.wechat.protocol import sign
from gridgov.wechat.stub import ApiStub, Sender
from gridgov.wechat.tests.conftest import AES_KEY, RESIDENT, TOKEN, Wechat

URL = "/intake/wechat/"


def _nothing_written() -> bool:
    return not Draft.objects.exists() and not SeenMessage.objects.exists()


def test_the_callback_is_mounted_at_intake_wechat() -> None:
    assert reverse("wechat:callback") == URL


@pytest.mark.django_db
def test_it_answers_the_url_verification_with_the_echo_string(wechat: Wechat) -> None:
    query = wechat.sender.verify_query("4321098765")

    response = Client().get(f"{URL}?{urlencode(query)}")

    assert response.status_code == 200
    assert response.content == b"4321098765"


@pytest.mark.django_db
def test_it_decrypts_the_echo_string_of_a_safe_mode_verification(wechat: Wechat) -> None:
    query = wechat.sender.verify_query("echo-in-safe-mode", encrypted=True)
    assert query["echostr"] != "echo-in-safe-mode"

    response = Client().get(f"{URL}?{urlencode(query)}")

    assert response.status_code == 200
    assert response.content == b"echo-in-safe-mode"


@pytest.mark.django_db
def test_it_refuses_a_verification_signed_with_another_token(account: ApiStub) -> None:
    query = Sender("not-our-token").verify_query("1234")

    response = Client().get(f"{URL}?{urlencode(query)}")

    assert response.status_code == 403
    assert b"1234" not in response.content


@pytest.mark.django_db
def test_it_refuses_a_safe_mode_verification_with_a_wrong_msg_signature(wechat: Wechat) -> None:
    query = wechat.sender.verify_query("echo", encrypted=True)
    query["msg_signature"] = sign("other", query["timestamp"], query["nonce"], query["echostr"])

    assert Client().get(f"{URL}?{urlencode(query)}").status_code == 403


@pytest.mark.django_db
def test_a_verification_without_echo_string_is_malformed(wechat: Wechat) -> None:
    query = wechat.sender.verify_query("x")
    del query["echostr"]

    assert Client().get(f"{URL}?{urlencode(query)}").status_code == 400


@pytest.mark.django_db
def test_an_unconfigured_account_answers_404_not_500(settings: Any) -> None:
    settings.GRIDGOV_WECHAT_TOKEN = ""
    settings.LANGUAGE_CODE = "en"
    sender = Sender("whatever")
    query, body = sender.envelope(sender.text(RESIDENT, "路灯坏了"))

    assert Client().get(f"{URL}?{urlencode(sender.verify_query('1'))}").status_code == 404
    response = Client().post(f"{URL}?{urlencode(query)}", body, content_type="text/xml")
    assert response.status_code == 404
    assert "not configured" in response.content.decode()
    assert _nothing_written()


@pytest.mark.django_db
def test_a_broken_aes_key_refuses_the_callback_and_fails_the_system_check(settings: Any) -> None:
    settings.GRIDGOV_WECHAT_TOKEN = TOKEN
    settings.GRIDGOV_WECHAT_AES_KEY = "too-short"
    settings.GRIDGOV_WECHAT_APPID = "wx00stub00000000"

    response = Client().get(f"{URL}?{urlencode(Sender(TOKEN).verify_query('1'))}")

    assert response.status_code == 404
    assert "wechat.E001" in [message.id for message in run_checks()]


@pytest.mark.django_db
def test_the_system_check_warns_when_status_changes_cannot_go_back(settings: Any) -> None:
    settings.GRIDGOV_WECHAT_TOKEN = TOKEN
    settings.GRIDGOV_WECHAT_AES_KEY = ""
    settings.GRIDGOV_WECHAT_APPID = ""

    ids = [message.id for message in run_checks()]

    assert "wechat.W001" in ids
    assert "wechat.E001" not in ids


def test_a_plain_message_with_a_wrong_signature_is_refused_and_writes_nothing(
    wechat: Wechat, mini: Any
) -> None:
    query, body = wechat.sender.envelope(wechat.sender.text(RESIDENT, "路灯坏了"))
    query["signature"] = sign("forged", query["timestamp"], query["nonce"])

    response = wechat.post_raw(query, body)

    assert response.status_code == 403
    assert _nothing_written()


def test_a_safe_mode_message_with_a_wrong_msg_signature_is_refused(wechat: Wechat, mini: Any) -> None:
    query, body = wechat.sender.envelope(wechat.sender.text(RESIDENT, "路灯坏了"), safe=True)
    query["msg_signature"] = sign("forged", query["timestamp"], query["nonce"], "x")

    assert wechat.post_raw(query, body).status_code == 403
    assert _nothing_written()


def test_a_message_encrypted_for_another_appid_is_refused(wechat: Wechat, mini: Any) -> None:
    other = Sender(TOKEN, AES_KEY, "wx11other1111111")
    query, body = other.envelope(other.text(RESIDENT, "路灯坏了"), safe=True)

    assert wechat.post_raw(query, body).status_code == 403
    assert _nothing_written()


@pytest.mark.parametrize(
    "body",
    [
        b"<xml><ToUserName>gh_1</ToUserName><FromUser",  # cut off
        b"not xml at all",
        b"<xml></xml>",
        b"<other><MsgType>text</MsgType></other>",
        b"<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>x</CreateTime>"
        b"<MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>",
        b"<xml><ToUserName>gh_1</ToUserName><FromUserName><a>nested</a></FromUserName><CreateTime>1</CreateTime>"
        b"<MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>",
        b"<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
        b"<MsgType>text</MsgType><Content>no msgid</Content></xml>",
        b"<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
        b"<MsgType>location</MsgType><Location_X>nan</Location_X><Location_Y>113</Location_Y><MsgId>2</MsgId></xml>",
        b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
        b"<MsgType>text</MsgType><Content>&b;</Content><MsgId>3</MsgId></xml>",
        "<xml>\u8def\u706f</xml>".encode("gbk"),
    ],
)
def test_malformed_messages_get_400_and_write_nothing(wechat: Wechat, mini: Any, body: bytes) -> None:
    query, _ = wechat.sender.envelope(wechat.sender.text(RESIDENT, "x"))

    response = wechat.post_raw(query, body)

    assert response.status_code == 400
    assert "not a WeChat message" in response.content.decode()
    assert _nothing_written()


def test_a_garbled_safe_mode_envelope_gets_400(wechat: Wechat, mini: Any) -> None:
    query, _ = wechat.sender.envelope(wechat.sender.text(RESIDENT, "x"), safe=True)
    encrypt = "bm90IHJlYWxseSBlbmNyeXB0ZWQ="
    query["msg_signature"] = sign(TOKEN, query["timestamp"], query["nonce"], encrypt)
    body = f"<xml><ToUserName>gh_1</ToUserName><Encrypt>{encrypt}</Encrypt></xml>".encode()

    assert wechat.post_raw(query, body).status_code == 400
    assert _nothing_written()


def test_a_body_over_one_megabyte_is_refused_with_413(wechat: Wechat, mini: Any) -> None:
    xml = wechat.sender.text(RESIDENT, "长" * 400_000)  # 1.2 MB of UTF-8

    response = wechat.post(xml)

    assert response.status_code == 413
    assert _nothing_written()


def test_other_methods_are_not_allowed(wechat: Wechat) -> None:
    assert Client().put(URL).status_code == 405
