"""The LOCATION event: where a follower's phone was on opening the account places a report filed soon after."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from gridgov.cases.models import Attachment, Case
from gridgov.lib.coords import from_wgs84
from gridgov.testing import SIZE, SOUTH, WEST, MiniDistrict
from gridgov.wechat import actions
from gridgov.wechat.models import Draft, ReportedPosition, SeenMessage
from gridgov.wechat.stub import ApiStub
from gridgov.wechat.tests.conftest import A1_GCJ02, A1_WGS84, NEIGHBOUR, OUTSIDE_GCJ02, RESIDENT, Wechat, jpeg

# Monday 2026-06-22, 10:00 in Shanghai.
MONDAY_10 = datetime(2026, 6, 22, 2, 0, tzinfo=UTC)
TRACKING = re.compile(r"SF\d{8}-\d{4}")
USED = "The position you reported when you opened the account was used."
A2_WGS84 = (WEST + SIZE / 2, SOUTH + 1.5 * SIZE)


def _opens_account(wechat: Wechat, lon_lat: tuple[float, float] = A1_GCJ02, **kwargs: Any) -> Any:
    """Post the LOCATION event WeChat pushes when the follower opens the account; return the response."""
    response = wechat.post(wechat.sender.location_event(RESIDENT, lon_lat[0], lon_lat[1], **kwargs))
    assert response.status_code == 200, response.content
    return response


def test_a_location_event_gets_no_reply_and_its_position_is_kept(wechat: Wechat, mini: MiniDistrict) -> None:
    response = _opens_account(wechat, precision=65.0)

    assert response.content == b"success"
    position = ReportedPosition.objects.get()
    assert position.openid == RESIDENT
    assert (position.lon, position.lat) == pytest.approx(A1_GCJ02, abs=1e-6)
    assert position.precision == 65.0
    assert not Draft.objects.exists()


def test_location_then_photo_text_and_done_files_a_case_at_that_position(
    wechat: Wechat, account: ApiStub, mini: MiniDistrict
) -> None:
    account.add_media("MEDIA-1", jpeg())
    _opens_account(wechat)
    wechat.image("MEDIA-1")

    progress = wechat.text("路灯坏了，晚上很黑")

    # The resident's position is not the matter's place for sure: it waits for "done".
    assert not Case.objects.exists()
    assert "the position you reported when you opened the account (A1网格) will be used" in progress
    assert "Reply “done” to file the report." in progress

    reply = wechat.text("完成")

    assert reply.startswith(USED)
    case = Case.objects.get()
    found = TRACKING.search(reply)
    assert found and found.group() == case.tracking_no
    assert case.grid == mini.grid_a1
    assert case.lon == pytest.approx(A1_WGS84[0], abs=1e-5)
    assert case.lat == pytest.approx(A1_WGS84[1], abs=1e-5)
    assert case.description == "路灯坏了，晚上很黑"
    assert Attachment.objects.filter(case=case).count() == 1


@pytest.mark.parametrize(
    ("age", "used"),
    [(timedelta(minutes=9, seconds=59), True), (timedelta(minutes=10, seconds=1), False)],
    ids=["fresh", "older-than-ten-minutes"],
)
def test_only_a_position_at_most_ten_minutes_old_is_used(
    wechat: Wechat, mini: MiniDistrict, age: timedelta, used: bool
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        _opens_account(wechat)
    with time_machine.travel(MONDAY_10 + timedelta(minutes=5), tick=False):
        wechat.text("井盖松动")
    with time_machine.travel(MONDAY_10 + age, tick=False):
        reply = wechat.text("完成")

    assert Case.objects.exists() is used
    if used:
        assert USED in reply
    else:
        assert "cannot be filed yet" in reply and "the location (tap + and choose Location)" in reply
        assert USED not in reply
        assert Draft.objects.get().description == "井盖松动"


def test_a_position_outside_the_district_is_kept_but_not_used(wechat: Wechat, mini: MiniDistrict) -> None:
    _opens_account(wechat, OUTSIDE_GCJ02)

    asked = wechat.text("垃圾没人清理")
    reply = wechat.text("完成")

    assert ReportedPosition.objects.filter(openid=RESIDENT).exists()
    assert "the location (tap + and choose Location)" in asked
    assert "will be used" not in asked
    assert "cannot be filed yet" in reply
    assert not Case.objects.exists()


def test_a_location_message_places_the_report_rather_than_the_reported_position(
    wechat: Wechat, mini: MiniDistrict
) -> None:
    _opens_account(wechat)
    wechat.text("树枝挡路")
    wechat.location(from_wgs84(*A2_WGS84, "gcj02"))

    reply = wechat.text("完成")

    assert USED not in reply
    assert Case.objects.get().grid == mini.grid_a2


def test_a_resent_location_event_is_answered_once(wechat: Wechat, mini: MiniDistrict) -> None:
    event = wechat.sender.location_event(RESIDENT, *A1_GCJ02, created=1_780_000_000)
    with time_machine.travel(MONDAY_10, tick=False):
        first = wechat.post(event)
    with time_machine.travel(MONDAY_10 + timedelta(seconds=5), tick=False):
        again = wechat.post(event)

    assert first.content == again.content == b"success"
    assert SeenMessage.objects.count() == 1
    # The copy changed nothing: the position is still the one of the first.
    assert ReportedPosition.objects.get().reported_at == MONDAY_10


def test_only_the_latest_position_of_a_follower_is_kept(wechat: Wechat, mini: MiniDistrict) -> None:
    a2 = from_wgs84(*A2_WGS84, "gcj02")
    _opens_account(wechat, created=1_780_000_000)
    _opens_account(wechat, a2, created=1_780_000_060)

    position = ReportedPosition.objects.get()
    assert (position.lon, position.lat) == pytest.approx(a2, abs=1e-6)


def test_an_earlier_position_handled_late_does_not_replace_a_later_one(mini: MiniDistrict) -> None:
    actions.remember_position(RESIDENT, 113.1, 27.86, 20.0, MONDAY_10)

    actions.remember_position(RESIDENT, 113.2, 27.9, 20.0, MONDAY_10 - timedelta(seconds=5))

    position = ReportedPosition.objects.get()
    assert (position.lon, position.reported_at) == (113.1, MONDAY_10)


def test_residents_positions_are_their_own(wechat: Wechat, mini: MiniDistrict) -> None:
    _opens_account(wechat)
    wechat.text("路面塌陷", openid=NEIGHBOUR)

    assert "cannot be filed yet" in wechat.text("完成", openid=NEIGHBOUR)
    assert not Case.objects.exists()


def test_unfollowing_forgets_the_position(wechat: Wechat, mini: MiniDistrict) -> None:
    _opens_account(wechat)

    wechat.post(wechat.sender.event(RESIDENT, "unsubscribe"))

    assert not ReportedPosition.objects.exists()


def test_stale_positions_are_purged_once_a_new_draft_commits(
    wechat: Wechat, mini: MiniDistrict, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        wechat.post(wechat.sender.location_event(NEIGHBOUR, *A1_GCJ02))
    with time_machine.travel(MONDAY_10 + timedelta(minutes=8), tick=False):
        _opens_account(wechat)
    with (
        time_machine.travel(MONDAY_10 + timedelta(minutes=11), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        wechat.text("今天的事")

    assert list(ReportedPosition.objects.values_list("openid", flat=True)) == [RESIDENT]


@pytest.mark.parametrize(
    "fields",
    [
        {"Latitude": "north", "Longitude": "113.1", "Precision": "30"},
        {"Longitude": "113.1", "Precision": "30"},
        {"Latitude": "127.9", "Longitude": "113.1", "Precision": "30"},
        {"Latitude": "nan", "Longitude": "113.1", "Precision": "30"},
        {"Latitude": "27.9", "Longitude": "113.1", "Precision": "-1"},
    ],
    ids=["not-a-number", "no-latitude", "latitude-out-of-range", "nan", "negative-precision"],
)
def test_a_malformed_location_event_is_refused_and_writes_nothing(
    wechat: Wechat, mini: MiniDistrict, fields: dict[str, str]
) -> None:
    xml = wechat.sender._xml(RESIDENT, "event", {"Event": "LOCATION", **fields}, None)

    response = wechat.post(xml)

    assert response.status_code == 400
    assert not ReportedPosition.objects.exists() and not SeenMessage.objects.exists()
