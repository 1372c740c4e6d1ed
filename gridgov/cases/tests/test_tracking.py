"""Tracking numbers, finding a case by number and phone digits, and the reporter's public timeline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.utils import translation

from gridgov.cases import actions
from gridgov.cases.actions.tracking import format_tracking_no, next_tracking_no
from gridgov.cases.models import Channel, Rating, TrackingCounter
from gridgov.cases.queries import find_for_tracking, public_timeline
from gridgov.cases.tests import factories as f
from gridgov.testing import MiniDistrict

# 2026-06-21 23:30 in Shanghai is still 15:30 UTC; half an hour later it is the 22nd there.
LATE_SUNDAY = datetime(2026, 6, 21, 15, 30, tzinfo=UTC)
JUST_AFTER_MIDNIGHT = datetime(2026, 6, 21, 16, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english_and_media(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Store photos in a temporary folder; read messages in English (the msgids)."""
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def test_the_number_carries_the_day_in_shanghai_and_a_sequence_per_day(db: None) -> None:
    numbers = [
        next_tracking_no(LATE_SUNDAY),
        next_tracking_no(LATE_SUNDAY),
        next_tracking_no(JUST_AFTER_MIDNIGHT),
    ]

    assert numbers == ["SF20260621-0001", "SF20260621-0002", "SF20260622-0001"]
    assert dict(TrackingCounter.objects.values_list("day", "last")) == {
        LATE_SUNDAY.date(): 2,
        date(2026, 6, 22): 1,
    }


def test_the_prefix_is_a_setting(db: None, settings: Any) -> None:
    settings.GRIDGOV_TRACKING_PREFIX = "LK"

    assert next_tracking_no(LATE_SUNDAY) == "LK20260621-0001"


def test_the_sequence_grows_past_four_digits(db: None) -> None:
    TrackingCounter.objects.create(day=LATE_SUNDAY.date(), last=9999)

    assert next_tracking_no(LATE_SUNDAY) == "SF20260621-10000"
    assert format_tracking_no(LATE_SUNDAY.date(), 7) == "SF20260621-0007"


# --- finding a case --------------------------------------------------------------------------------


def test_the_reporter_finds_the_case_with_the_last_four_phone_digits(mini: MiniDistrict) -> None:
    case = f.report()

    assert find_for_tracking(case.tracking_no, "2345") == case
    assert find_for_tracking(f"  {case.tracking_no.lower()} ", " 2345 ") == case


@pytest.mark.parametrize("digits", ["2344", "", "345", "23456", "abcd", "\x00\x00\x00\x00"])
def test_wrong_digits_find_nothing(mini: MiniDistrict, digits: str) -> None:
    case = f.report()

    assert find_for_tracking(case.tracking_no, digits) is None


def test_an_unknown_number_looks_like_wrong_digits(mini: MiniDistrict) -> None:
    f.report()

    assert find_for_tracking("SF20990101-0001", "2345") is None
    assert find_for_tracking("", "2345") is None
    assert find_for_tracking("X" * 500, "2345") is None


def test_a_report_without_a_phone_cannot_be_followed_here(mini: MiniDistrict) -> None:
    case = actions.report_case(Channel.PATROL, "暴露垃圾", lon=f.A1_POINT[0], lat=f.A1_POINT[1])

    for digits in ("", "0000", "\x00\x00\x00\x00"):
        assert find_for_tracking(case.tracking_no, digits) is None


# --- the public timeline ---------------------------------------------------------------------------


def test_the_public_timeline_tells_the_story_in_the_reporters_words(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    actions.note(case, mini.handler, "明天上午到场维修")
    actions.note(case, mini.dispatcher, "张三家多次反映，注意态度", public=False)
    actions.urge(case, mini.leader, "孙领导督办")
    actions.request_extension(case, mini.handler, "钱处置申请延期", amount=1, unit="work_days")
    actions.report_done(case, mini.handler, note="钱处置已修好")
    actions.verify_pass(case, mini.worker_a, note="张网格核查")
    actions.rate(case, Rating.SATISFIED)

    entries = public_timeline(case)

    assert [e.words for e in entries] == [
        "Report received",
        "Accepted and registered",
        "Sent to those responsible",
        "Work has started",
        "Progress update",
        "Work done, being checked",
        "Resolved",
        "You rated the result: satisfied",
    ]
    assert [e.text for e in entries if e.text] == ["明天上午到场维修"]


def test_the_public_timeline_shows_no_staff_names_or_personal_data(mini: MiniDistrict) -> None:
    case = f.closed(mini)

    text = repr(public_timeline(case))

    staff = [mini.dispatcher, mini.handler, mini.worker_a, mini.police_a, mini.leader]
    for person in staff:
        assert person.full_name not in text and person.username not in text
    for secret in (f.PHONE, "2345", "刘阿姨", mini.department.name):
        assert secret not in text


def test_a_merged_report_follows_the_case_it_joined(mini: MiniDistrict) -> None:
    first = f.registered(mini)
    second = f.report(reporter_phone="13907330000")
    actions.merge(second, mini.dispatcher, first)
    actions.dispatch(first, mini.dispatcher, lead=mini.department)

    words = [e.words for e in public_timeline(second)]

    assert words == [
        "Report received",
        "Joined with a report of the same matter",
        "Sent to those responsible",
    ]


def test_a_rejection_shows_its_reason(mini: MiniDistrict) -> None:
    case = f.report()
    actions.reject(case, mini.dispatcher, "请拨打12345")

    assert [(e.words, e.text) for e in public_timeline(case)][-1] == ("Not accepted", "请拨打12345")


@time_machine.travel(LATE_SUNDAY, tick=False)
def test_a_report_is_numbered_by_its_day_in_shanghai(mini: MiniDistrict) -> None:
    assert f.report().tracking_no == "SF20260621-0001"
