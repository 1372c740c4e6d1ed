"""Status changes go back to the resident as template messages, through the API stub on loopback."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from gridgov.cases import actions
from gridgov.cases.models import Case
from gridgov.cases.tests.factories import photo
from gridgov.notify.models import OutboxMessage
from gridgov.notify.outbox import enqueue
from gridgov.notify.worker import deliver_due
from gridgov.testing import MiniDistrict
from gridgov.wechat.checks import check_wechat_settings
from gridgov.wechat.client import Client, WechatError
from gridgov.wechat.config import config
from gridgov.wechat.models import AccessToken
from gridgov.wechat.stub import ApiStub
from gridgov.wechat.tests.conftest import RESIDENT, Wechat

PAYLOAD = {"tracking_no": "SF20260622-0001", "status": "closed", "text": "您反映的问题已解决。"}


def _report(wechat: Wechat) -> Case:
    wechat.location()
    wechat.text("单元门禁坏了")
    wechat.text("完成")
    return Case.objects.get()


def _close(case: Case, mini: MiniDistrict) -> None:
    actions.accept(case, mini.dispatcher)
    actions.dispatch(case, mini.dispatcher, lead=mini.department)
    actions.sign(case, mini.handler)
    actions.report_done(case, mini.handler, photos=[photo()], outcome_quantity=1)
    actions.verify_pass(case, mini.worker_a)


def _queue(
    recipient: str = RESIDENT, kind: str = "closed", payload: dict[str, str] | None = None
) -> OutboxMessage:
    return enqueue("wechat", recipient, kind, payload or PAYLOAD)


def test_closing_a_wechat_report_sends_the_resident_a_template_message(
    wechat: Wechat, account: ApiStub, mini: MiniDistrict
) -> None:
    case = _report(wechat)
    _close(case, mini)

    report = deliver_due(timezone.now() + timedelta(seconds=1))

    assert report.failed == 0 and report.retried == 0
    sent = {message.data["keyword2"]["value"]: message for message in account.sent}
    closed = sent["closed"]
    assert closed.touser == RESIDENT
    assert closed.template_id == account.template_id
    assert closed.data["keyword1"]["value"] == case.tracking_no
    assert case.tracking_no in closed.data["first"]["value"]
    assert closed.url == f"https://gridgov.example.org/track/?no={case.tracking_no}"
    # Registered, then closed; the acknowledgement was the reply to the filing message.
    assert sorted(sent) == ["closed", "registered"]
    wechat_rows = OutboxMessage.objects.filter(channel="wechat")
    assert wechat_rows.filter(sent_at__isnull=False).count() == wechat_rows.count() == 3
    assert account.tokens_issued == 1


def test_the_status_label_is_in_the_site_language(
    account: ApiStub, settings: Any, mini: MiniDistrict
) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    _queue()

    deliver_due()

    assert account.sent[0].data["keyword2"]["value"] == "已结案"


def test_an_expired_token_is_refreshed_once_and_the_message_sent(
    account: ApiStub, mini: MiniDistrict
) -> None:
    _queue()
    deliver_due()
    account.expire_tokens()
    second = _queue()

    report = deliver_due()

    assert report.sent == 1
    assert OutboxMessage.objects.get(pk=second.pk).sent_at is not None
    assert account.tokens_issued == 2
    assert account.calls[-3:] == [
        "/cgi-bin/message/template/send",
        "/cgi-bin/token",
        "/cgi-bin/message/template/send",
    ]
    assert len(account.sent) == 2


def test_the_token_is_stored_and_shared_until_it_expires(account: ApiStub, mini: MiniDistrict) -> None:
    _queue()
    _queue()

    assert deliver_due().sent == 2

    assert account.tokens_issued == 1
    stored = AccessToken.objects.get(appid=account.appid)
    assert stored.expires_at > timezone.now() + timedelta(hours=1)


def test_a_token_close_to_its_expiry_is_renewed_before_use(account: ApiStub, mini: MiniDistrict) -> None:
    AccessToken.objects.create(
        appid=account.appid, token="old", expires_at=timezone.now() + timedelta(minutes=2)
    )
    _queue()

    assert deliver_due().sent == 1
    assert account.tokens_issued == 1
    assert AccessToken.objects.get().token != "old"


def test_a_token_still_refused_after_refreshing_is_retried_later(
    account: ApiStub, mini: MiniDistrict
) -> None:
    account.fail_next("/cgi-bin/message/template/send", 42001)
    account.fail_next("/cgi-bin/message/template/send", 42001)
    message = _queue()

    report = deliver_due()

    assert report.retried == 1
    stored = OutboxMessage.objects.get(pk=message.pk)
    assert (stored.attempts, stored.failed_at) == (1, None)
    assert "42001" in stored.last_error


@pytest.mark.parametrize("errcode", [40003, 43004])
def test_an_invalid_or_unfollowing_recipient_fails_for_good(
    account: ApiStub, mini: MiniDistrict, errcode: int
) -> None:
    account.fail_next("/cgi-bin/message/template/send", errcode)
    message = _queue()

    assert deliver_due().failed == 1
    stored = OutboxMessage.objects.get(pk=message.pk)
    assert stored.failed_at is not None and stored.attempts == 1
    assert str(errcode) in stored.last_error


def test_a_follower_who_left_is_refused_by_the_stub_itself(account: ApiStub, mini: MiniDistrict) -> None:
    account.unfollow(RESIDENT)
    message = _queue()

    deliver_due()

    assert "43004" in OutboxMessage.objects.get(pk=message.pk).last_error


def test_other_api_errors_are_retried_with_backoff(account: ApiStub, mini: MiniDistrict) -> None:
    account.fail_next("/cgi-bin/message/template/send", 45009)  # API rate limit
    message = _queue()
    now = timezone.now()

    assert deliver_due(now).retried == 1

    stored = OutboxMessage.objects.get(pk=message.pk)
    assert stored.failed_at is None and stored.available_at == now + timedelta(seconds=30)
    assert deliver_due(now + timedelta(seconds=31)).sent == 1


def test_an_unreachable_api_is_a_transient_failure(
    account: ApiStub, settings: Any, mini: MiniDistrict
) -> None:
    settings.GRIDGOV_WECHAT_API_BASE = "http://127.0.0.1:9"  # discard port: nothing listens
    message = _queue()

    assert deliver_due().retried == 1
    assert "ConnectionError" in OutboxMessage.objects.get(pk=message.pk).last_error


def test_without_configuration_the_message_fails_for_good_with_the_reason(
    account: ApiStub, settings: Any, mini: MiniDistrict
) -> None:
    settings.GRIDGOV_WECHAT_TEMPLATE_ID = ""
    message = _queue()

    assert deliver_due().failed == 1
    assert "GRIDGOV_WECHAT_TEMPLATE_ID" in OutboxMessage.objects.get(pk=message.pk).last_error
    assert account.calls == []


def test_a_payload_without_tracking_number_fails_for_good(account: ApiStub, mini: MiniDistrict) -> None:
    _queue(payload={"status": "closed", "text": "x"})

    assert deliver_due().failed == 1
    assert account.sent == []


def test_a_wrong_app_secret_is_reported_by_the_client(account: ApiStub, settings: Any, db: Any) -> None:
    settings.GRIDGOV_WECHAT_SECRET = "wrong"

    with pytest.raises(WechatError) as caught:
        Client(config()).access_token()

    assert caught.value.errcode == 40001
    assert not AccessToken.objects.exists()


def test_the_client_downloads_media_through_the_stub(account: ApiStub, db: Any) -> None:
    account.add_media("M1", b"\xff\xd8jpeg bytes", "image/jpeg")

    media = Client(config()).media("M1")

    assert (media.data, media.content_type) == (b"\xff\xd8jpeg bytes", "image/jpeg")
    with pytest.raises(WechatError) as caught:
        Client(config()).media("M2")
    assert caught.value.errcode == 40007
    with pytest.raises(WechatError, match="too large"):
        Client(config()).media("M1", max_bytes=4)


def test_a_newer_templates_field_names_are_configured(
    account: ApiStub, settings: Any, mini: MiniDistrict
) -> None:
    settings.GRIDGOV_WECHAT_TEMPLATE_FIELDS = (
        "text=thing1, tracking_no=character_string2, status=phrase3, time=time4"
    )
    _queue()

    assert deliver_due(timezone.now() + timedelta(seconds=1)).failed == 0

    (sent,) = account.sent
    assert sorted(sent.data) == ["character_string2", "phrase3", "thing1", "time4"]
    assert sent.data["character_string2"]["value"] == PAYLOAD["tracking_no"]
    assert sent.data["thing1"]["value"] == PAYLOAD["text"]


@pytest.mark.parametrize("mapping", ["text=first,keyword1", "text=first,size=keyword9", "text=first"])
def test_a_broken_field_mapping_fails_the_message_and_the_system_check(
    account: ApiStub, settings: Any, mini: MiniDistrict, mapping: str
) -> None:
    settings.GRIDGOV_WECHAT_TEMPLATE_FIELDS = mapping
    message = _queue()

    report = deliver_due(timezone.now() + timedelta(seconds=1))

    assert report.failed == 1 and account.sent == []
    message.refresh_from_db()
    assert "GRIDGOV_WECHAT_TEMPLATE_FIELDS" in message.last_error
    assert [problem.id for problem in check_wechat_settings()] == ["wechat.E002"]
