"""A resident reporting through the official account: photo, location and description make one case."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone, translation

from gridgov.cases.models import Attachment, Case, Channel, Status, Transition
from gridgov.notify.models import OutboxMessage
from gridgov.testing import MiniDistrict
from gridgov.wechat import actions, conversation
from gridgov.wechat.config import MENU_KEY
from gridgov.wechat.models import Draft, DraftPhoto, SeenMessage
from gridgov.wechat.protocol import Incoming
from gridgov.wechat.stub import ApiStub
from gridgov.wechat.tests.conftest import A1_WGS84, NEIGHBOUR, OUTSIDE_GCJ02, RESIDENT, Wechat, jpeg

# Monday 2026-06-22, 10:00 in Shanghai.
MONDAY_10 = datetime(2026, 6, 22, 2, 0, tzinfo=UTC)
TRACKING = re.compile(r"SF\d{8}-\d{4}")


def _tracking_no(reply: str) -> str:
    found = TRACKING.search(reply)
    assert found, reply
    return found.group()


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Case, Transition, Attachment, OutboxMessage, Draft, DraftPhoto, SeenMessage)
    }


def _converse(wechat: Wechat, stub: ApiStub) -> str:
    stub.add_media("MEDIA-1", jpeg())
    assert "Photo 1 received" in wechat.image("MEDIA-1")
    assert "Location noted: A1网格" in wechat.location()
    return wechat.text("小区门口的路灯坏了，晚上很黑")


@pytest.mark.parametrize("safe", [False, True], ids=["plain", "safe"])
def test_a_photo_a_location_and_a_description_make_one_case(
    wechat: Wechat, account: ApiStub, mini: MiniDistrict, safe: bool
) -> None:
    wechat.safe = safe

    reply = _converse(wechat, account)

    no = _tracking_no(reply)
    assert f"https://gridgov.example.org/track/?no={no}" in reply
    case = Case.objects.get()
    assert (case.tracking_no, case.channel, case.status) == (no, Channel.WECHAT, Status.REPORTED)
    assert case.grid == mini.grid_a1
    assert case.description == "小区门口的路灯坏了，晚上很黑"
    assert case.reporter_contact == f"wechat:{RESIDENT}"
    assert case.address == "湖南省株洲市石峰区清水塘路1号"
    # WeChat's GCJ-02 point is stored as WGS-84.
    assert case.lon == pytest.approx(A1_WGS84[0], abs=1e-5)
    assert case.lat == pytest.approx(A1_WGS84[1], abs=1e-5)
    photo = Attachment.objects.get(case=case)
    assert photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (64, 48)
    assert photo.file.read()[:2] == b"\xff\xd8"
    assert not Draft.objects.exists() and not DraftPhoto.objects.exists()
    assert SeenMessage.objects.get(tracking_no=no).reply == reply
    assert account.calls.count("/cgi-bin/media/get") == 1


def test_each_message_is_answered_with_what_is_still_missing(wechat: Wechat, mini: MiniDistrict) -> None:
    first = wechat.text("垃圾桶满了没人清理")

    assert "Description noted" in first
    assert "the location" in first and "A photo helps" in first
    draft = Draft.objects.get(openid=RESIDENT)
    assert draft.description == "垃圾桶满了没人清理"

    second = wechat.location()
    assert "Send a photo too, or reply “done”" in second
    assert not Case.objects.exists()


def test_the_draft_is_kept_in_the_database_between_messages(wechat: Wechat, mini: MiniDistrict) -> None:
    wechat.text("第一句：井盖松动")
    wechat.text("第二句：在3栋门口")
    wechat.location()

    reply = wechat.text("完成")

    case = Case.objects.get(tracking_no=_tracking_no(reply))
    assert case.description == "第一句：井盖松动\n第二句：在3栋门口"
    assert not Attachment.objects.filter(case=case).exists()


@pytest.mark.parametrize("word", ["完成", "提交", "好了", "done", "Done!", " 完成。"])
def test_any_done_word_files_a_draft_with_description_and_location(
    wechat: Wechat, mini: MiniDistrict, word: str
) -> None:
    wechat.location()
    wechat.text("绿化带里有死树")

    reply = wechat.text(word)

    assert Case.objects.get().tracking_no == _tracking_no(reply)


def test_done_without_a_location_says_what_is_missing_and_files_nothing(
    wechat: Wechat, mini: MiniDistrict
) -> None:
    wechat.text("噪音扰民")

    reply = wechat.text("完成")

    assert "cannot be filed yet" in reply
    assert "the location" in reply
    assert "describing" not in reply
    assert not Case.objects.exists()
    assert Draft.objects.get().description == "噪音扰民"


def test_done_with_no_draft_says_how_to_start(wechat: Wechat, mini: MiniDistrict) -> None:
    assert "no report in progress" in wechat.text("完成")
    assert not Case.objects.exists()


def test_a_resent_message_gets_the_same_reply_and_files_no_second_case(
    wechat: Wechat, account: ApiStub, mini: MiniDistrict
) -> None:
    account.add_media("MEDIA-1", jpeg())
    wechat.image("MEDIA-1")
    wechat.location()
    last = wechat.sender.text(RESIDENT, "消防通道被占用")
    reply = wechat.say(last)
    before = _counts()

    again = wechat.say(last)

    assert again == reply
    assert _counts() == before
    assert Case.objects.count() == 1


def test_a_resent_photo_is_neither_downloaded_nor_added_twice(
    wechat: Wechat, account: ApiStub, mini: MiniDistrict
) -> None:
    account.add_media("MEDIA-1", jpeg())
    message = wechat.sender.image(RESIDENT, "MEDIA-1")

    assert wechat.say(message) == wechat.say(message)

    assert DraftPhoto.objects.count() == 1
    assert account.calls.count("/cgi-bin/media/get") == 1


def test_a_resent_event_is_recognised_by_sender_and_time(wechat: Wechat, mini: MiniDistrict) -> None:
    event = wechat.sender.event(RESIDENT, "subscribe", created=1_780_000_000)

    first = wechat.say(event)
    second = wechat.say(event)

    assert first == second
    assert "Welcome" in first
    assert SeenMessage.objects.count() == 1


def test_the_menu_button_answers_with_instructions(wechat: Wechat, mini: MiniDistrict) -> None:
    reply = wechat.say(wechat.sender.event(RESIDENT, "CLICK", key=MENU_KEY))

    assert "To report a matter" in reply


def test_other_events_get_success(wechat: Wechat, mini: MiniDistrict) -> None:
    response = wechat.post(wechat.sender.event(RESIDENT, "VIEW", key="https://example.org/"))

    assert response.content == b"success"


def test_unfollowing_drops_the_draft(wechat: Wechat, mini: MiniDistrict) -> None:
    wechat.text("路面塌陷")

    wechat.post(wechat.sender.event(RESIDENT, "unsubscribe"))

    assert not Draft.objects.exists()


def test_after_ten_minutes_the_draft_is_dropped_and_the_resident_is_told(
    wechat: Wechat, mini: MiniDistrict
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        wechat.text("旧的描述")
    with time_machine.travel(MONDAY_10 + timedelta(minutes=9, seconds=59), tick=False):
        assert "dropped" not in wechat.location()
    with time_machine.travel(MONDAY_10 + timedelta(minutes=10, seconds=1), tick=False):
        reply = wechat.text("新的描述")

    assert "begun at 10:00" in reply and "dropped" in reply
    assert "Description noted" in reply
    draft = Draft.objects.get()
    assert (draft.description, draft.lon) == ("新的描述", None)


def test_done_after_the_window_files_nothing(wechat: Wechat, mini: MiniDistrict) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        wechat.location()
        wechat.text("描述")
    with time_machine.travel(MONDAY_10 + timedelta(minutes=11), tick=False):
        reply = wechat.text("完成")

    assert "dropped" in reply and "no report in progress" in reply
    assert not Case.objects.exists() and not Draft.objects.exists()


def test_residents_have_drafts_of_their_own(wechat: Wechat, mini: MiniDistrict) -> None:
    wechat.text("我的描述")
    wechat.location(openid=NEIGHBOUR)

    assert "the location" in wechat.text("完成")
    assert "describing" in wechat.text("完成", openid=NEIGHBOUR)
    assert not Case.objects.exists()


def test_a_ten_thousand_character_text_is_refused_clearly_and_writes_nothing(
    wechat: Wechat, mini: MiniDistrict
) -> None:
    before = _counts()

    reply = wechat.text("很" * 10_000)

    assert "at most 4000 characters" in reply and "10000" in reply
    assert _counts() == before


def test_text_that_would_make_the_description_too_long_is_refused_and_the_draft_kept(
    wechat: Wechat, mini: MiniDistrict
) -> None:
    wechat.text("甲" * 3000)

    assert "at most 4000" in wechat.text("乙" * 1500)
    assert Draft.objects.get().description == "甲" * 3000


def test_html_and_script_are_stored_as_text(wechat: Wechat, mini: MiniDistrict) -> None:
    text = '<script>alert("x")</script><b>井盖</b> & ]]> 丢了'
    wechat.location()
    wechat.text(text)

    wechat.text("完成")

    assert Case.objects.get().description == text


def test_a_place_outside_the_district_is_refused_and_writes_nothing(
    wechat: Wechat, mini: MiniDistrict
) -> None:
    wechat.text("路灯坏了")
    before = _counts()

    reply = wechat.location(OUTSIDE_GCJ02)

    assert "not in this district" in reply
    assert _counts() == before
    assert Draft.objects.get().lon is None


def test_a_photo_that_cannot_be_downloaded_asks_to_send_it_again(
    wechat: Wechat, account: ApiStub, mini: MiniDistrict
) -> None:
    reply = wechat.image("NO-SUCH-MEDIA")

    assert "send it again" in reply
    assert not DraftPhoto.objects.exists() and not SeenMessage.objects.exists()


def test_a_slow_media_download_gives_up_in_time(
    wechat: Wechat, account: ApiStub, mini: MiniDistrict, monkeypatch: pytest.MonkeyPatch
) -> None:
    account.add_media("MEDIA-1", jpeg())
    monkeypatch.setattr(conversation, "MEDIA_BUDGET", 0.3)
    account.slow_down(1.0)

    assert "send it again" in wechat.image("MEDIA-1")
    assert not DraftPhoto.objects.exists()


def test_media_that_is_not_an_image_is_refused(wechat: Wechat, account: ApiStub, mini: MiniDistrict) -> None:
    account.add_media("MEDIA-EXE", b"MZ\x90\x00 this is a program", "image/jpeg")

    reply = wechat.image("MEDIA-EXE")

    assert "cannot be used" in reply and "not a photo" in reply
    assert not DraftPhoto.objects.exists()


def test_a_photo_is_downloaded_again_with_a_fresh_token_when_the_stored_one_expired(
    wechat: Wechat, account: ApiStub, mini: MiniDistrict
) -> None:
    account.add_media("MEDIA-1", jpeg())
    account.add_media("MEDIA-2", jpeg((32, 32)))
    wechat.image("MEDIA-1")
    account.expire_tokens()

    assert "Photo 2 received" in wechat.image("MEDIA-2")
    assert account.tokens_issued == 2


def test_a_voice_message_is_answered_but_not_used(wechat: Wechat, mini: MiniDistrict) -> None:
    xml = wechat.sender._xml(RESIDENT, "voice", {"MediaId": "v1", "Format": "amr", "MsgId": 77}, None)

    assert "only text, photos and locations" in wechat.say(xml)
    assert not SeenMessage.objects.exists()


def test_a_tenth_photo_is_refused(wechat: Wechat, account: ApiStub, mini: MiniDistrict) -> None:
    account.add_media("MEDIA-1", jpeg())
    for _ in range(9):
        wechat.image("MEDIA-1")

    assert "at most 9 photos" in wechat.image("MEDIA-1")
    assert DraftPhoto.objects.count() == 9


def test_a_phone_number_lets_the_resident_follow_the_case_on_the_web(
    wechat: Wechat, mini: MiniDistrict
) -> None:
    assert "ending in 5678" in wechat.text("138 1234 5678")
    assert "13812345678" not in Draft.objects.get().phone_encrypted
    wechat.location()
    wechat.text("楼道灯不亮")

    reply = wechat.text("完成")

    assert "last four digits of your phone" in reply
    case = Case.objects.get()
    assert case.reporter_phone_last4 == "5678"
    assert case.description == "楼道灯不亮"


def test_without_a_public_url_the_link_is_on_the_requested_site(
    wechat: Wechat, settings: Any, mini: MiniDistrict
) -> None:
    settings.GRIDGOV_PUBLIC_URL = ""
    wechat.location()
    wechat.text("描述")

    reply = wechat.text("完成")

    assert f"http://testserver/track/?no={_tracking_no(reply)}" in reply


def test_replies_are_rendered_in_the_site_language_whatever_the_request_asks(
    wechat: Wechat, settings: Any, mini: MiniDistrict
) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    wechat.location()
    wechat.text("描述")
    # The link is made while the reply is rendered: let it say which language was active then.
    context = conversation.Context(
        now=timezone.now(), track_url=lambda no: f"[{translation.get_language()}]", fetch_photo=_no_photos
    )
    done = Incoming(key="msg:99", openid=RESIDENT, account="gh_1", kind="text", created=1, text="完成")

    with translation.override("en"):
        reply = conversation.receive(done, context)

    assert "[zh-hans]" in reply


def _no_photos(media_id: str) -> Any:
    raise AssertionError("no photo was sent")


def test_claiming_a_message_twice_fails_the_second_time(mini: MiniDistrict) -> None:
    incoming = Incoming(key="msg:42", openid=RESIDENT, account="gh_1", kind="text", created=1, text="x")
    actions.claim(incoming, MONDAY_10)

    with pytest.raises(actions.AlreadySeen):
        actions.claim(incoming, MONDAY_10)
    assert SeenMessage.objects.count() == 1


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
)


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_copies_of_the_filing_message_at_once_file_one_case_on_postgresql(
    wechat: Wechat, mini: MiniDistrict
) -> None:
    import threading

    from django.db import connection as thread_connection
    from django.test import Client

    wechat.location()
    wechat.text("两个副本同时到达")
    last = wechat.sender.text(RESIDENT, "完成")
    query, body = wechat.sender.envelope(last)
    barrier = threading.Barrier(2)
    replies: list[str] = []

    def post() -> None:
        try:
            barrier.wait(timeout=10)
            copy = Wechat(wechat.sender, Client())
            replies.append(
                str(wechat.sender.open_reply(copy.post_raw(query, body).content).get("Content", ""))
            )
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert Case.objects.count() == 1, replies
    assert len(replies) == 2 and replies[0] == replies[1]
    assert _tracking_no(replies[0]) == Case.objects.get().tracking_no


def test_old_drafts_and_message_keys_are_purged_once_a_new_draft_commits(
    wechat: Wechat, mini: MiniDistrict, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        wechat.text("昨天没说完的事", openid=NEIGHBOUR)
    with (
        time_machine.travel(MONDAY_10 + timedelta(days=1, minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        wechat.text("今天的事")

    assert list(Draft.objects.values_list("openid", flat=True)) == [RESIDENT]
    assert SeenMessage.objects.get().openid == RESIDENT
