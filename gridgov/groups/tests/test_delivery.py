"""The "wecom" deliverer against the stub: WeCom's errcodes decide between sent, retried and failed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from gridgov.cases.tests import factories as f
from gridgov.groups import wecom
from gridgov.groups.models import GroupRobot
from gridgov.groups.stub import RATE_LIMIT, WecomStub
from gridgov.groups.tests.conftest import KEY_A1
from gridgov.notify.models import OutboxMessage
from gridgov.notify.worker import deliver_due
from gridgov.testing import MiniDistrict


def report_matter() -> None:
    """Report a matter in A1 anonymously: its only notice is the group post."""
    f.report(reporter_phone="", reporter_name="")


def the_post() -> OutboxMessage:
    return OutboxMessage.objects.get(channel="wecom")


def test_a_rate_limited_post_is_retried_later(
    mini: MiniDistrict, robot_a1: GroupRobot, stub: WecomStub
) -> None:
    report_matter()
    stub.fail_next(KEY_A1, wecom.RATE_LIMITED)

    report = deliver_due()

    post = the_post()
    assert (report.retried, post.attempts, post.sent_at, post.failed_at) == (1, 1, None, None)
    assert post.available_at > timezone.now() and "45009" in post.last_error
    assert deliver_due(now=post.available_at + timedelta(seconds=1)).sent == 1
    assert len(stub.posts(KEY_A1)) == 1


def test_the_stub_holds_a_robot_to_twenty_messages_a_minute(
    mini: MiniDistrict, robot_a1: GroupRobot, stub: WecomStub
) -> None:
    for _ in range(RATE_LIMIT + 1):
        report_matter()

    report = deliver_due()

    assert (report.sent, report.retried, report.failed) == (RATE_LIMIT, 1, 0)
    assert len(stub.posts(KEY_A1)) == RATE_LIMIT


def test_an_invalid_webhook_key_fails_for_good(mini: MiniDistrict, stub: WecomStub) -> None:
    GroupRobot.objects.create(
        grid=mini.grid_a1,
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=deleted-robot-key",
        updated_at=timezone.now(),
    )
    report_matter()

    report = deliver_due()

    post = the_post()
    assert report.failed == 1 and post.failed_at is not None and post.sent_at is None
    assert "93000" in post.last_error


def test_a_robot_paused_after_the_post_was_queued_is_not_posted_to(
    mini: MiniDistrict, robot_a1: GroupRobot, stub: WecomStub
) -> None:
    report_matter()
    GroupRobot.objects.filter(pk=robot_a1.pk).update(active=False)

    assert deliver_due().failed == 1
    assert stub.posts(KEY_A1) == []
    with translation.override(settings.LANGUAGE_CODE):  # the worker writes in the site's language
        expected = gettext("No active group robot has the id “%(id)s”.") % {"id": robot_a1.pk}
    assert the_post().last_error == expected


def test_an_unreachable_wecom_is_retried(mini: MiniDistrict, robot_a1: GroupRobot, settings: Any) -> None:
    report_matter()
    settings.GRIDGOV_WECOM_API_BASE = "http://127.0.0.1:9"  # discard port: nothing listens

    report = deliver_due()

    post = the_post()
    assert report.retried == 1 and post.failed_at is None and "not reachable" in post.last_error


def test_a_post_is_plain_text_as_the_robot_api_documents(
    mini: MiniDistrict, robot_a1: GroupRobot, stub: WecomStub
) -> None:
    report_matter()

    deliver_due()

    (post,) = stub.posts(KEY_A1)
    assert post["msgtype"] == "text" and set(post) == {"msgtype", "text"}
    assert len(post["text"]["content"].encode()) <= 2048


@pytest.mark.parametrize("errcode", [wecom.BUSY, 45009])
def test_errcodes_worth_another_try_are_transient(errcode: int) -> None:
    assert wecom.WecomError(errcode, "").transient


@pytest.mark.parametrize("errcode", [wecom.INVALID_WEBHOOK, 40008, 44004])
def test_errcodes_no_retry_can_change_are_permanent(errcode: int) -> None:
    assert not wecom.WecomError(errcode, "").transient


def test_media_fetches_a_new_token_once_when_the_old_one_expired(stub: WecomStub) -> None:
    stub.add_media("MEDIA1", b"\xff\xd8 jpeg bytes")
    assert wecom.media("MEDIA1") == b"\xff\xd8 jpeg bytes"
    stub.expire_tokens()

    assert wecom.media("MEDIA1") == b"\xff\xd8 jpeg bytes"
    assert stub.token_requests == 2


def test_an_unknown_media_id_is_an_error_with_its_errcode(stub: WecomStub) -> None:
    with pytest.raises(wecom.WecomError) as raised:
        wecom.media("NO-SUCH-MEDIA")

    assert raised.value.errcode == 40007 and not raised.value.transient
