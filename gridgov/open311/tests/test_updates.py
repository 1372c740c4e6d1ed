"""GET servicerequestupdates (mySociety's extension): the public moves of cases, without personal data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from gridgov.cases import actions
from gridgov.cases.models import Case
from gridgov.cases.queries import PUBLIC_WORDS
from gridgov.cases.tests import factories as f
from gridgov.cases.workflow import Move
from gridgov.open311 import updates
from gridgov.open311.tests.schemas import UPDATE_FIELDS, validate_updates
from gridgov.testing import MiniDistrict

# Monday 2026-06-22, 10:00 in Shanghai.
MONDAY_10 = datetime(2026, 6, 22, 2, 0, tzinfo=UTC)
UPDATES = "/open311/v2/servicerequestupdates"


@pytest.fixture(autouse=True)
def monday() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        yield clock


def at(minutes: int) -> datetime:
    return MONDAY_10 + timedelta(minutes=minutes)


def listed(api: Client, *, extensions: bool = False, **params: Any) -> list[dict[str, Any]]:
    if extensions:
        params["extensions"] = "true"
    response = api.get(UPDATES + ".json", params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    answer: list[dict[str, Any]] = response.json()
    validate_updates(answer, extensions=extensions)
    return answer


def worked_on(mini: MiniDistrict) -> Case:
    """Report garbage at 10:00, then accept, dispatch, sign, note, finish and verify it, 10 minutes apart."""
    case = f.report(code=f.GARBAGE, description="绿化带里有暴露垃圾")
    actions.accept(case, mini.dispatcher, at=at(10))
    actions.dispatch(case, mini.dispatcher, lead=mini.department, at=at(20))
    actions.sign(case, mini.handler, at=at(30))
    actions.note(case, mini.handler, "钱处置明天上门，电话13907310000", public=True, at=at(40))
    actions.note(case, mini.handler, "内部：等车", public=False, at=at(45))
    actions.report_done(case, mini.handler, photos=[f.photo()], outcome_quantity=1, at=at(50))
    actions.verify_pass(case, mini.worker_a, at=at(60))
    return case


def test_updates_are_the_public_moves_after_the_report_oldest_first(api: Client, mini: MiniDistrict) -> None:
    case = worked_on(mini)
    no = case.tracking_no

    rows = listed(api, end_date="2026-06-22T12:00:00+08:00")

    assert rows == [
        {
            "update_id": f"{no}-{seq}",
            "service_request_id": no,
            "status": status,
            "updated_datetime": f"2026-06-22T{time}:00+08:00",
            "description": str(PUBLIC_WORDS[move]),
            "media_url": None,
        }
        for seq, move, status, time in [
            (2, Move.ACCEPT, "investigating", "10:10"),
            (3, Move.DISPATCH, "action_scheduled", "10:20"),
            (4, Move.SIGN, "in_progress", "10:30"),
            (5, Move.NOTE, "in_progress", "10:40"),
            (7, Move.REPORT_DONE, "in_progress", "10:50"),
            (8, Move.VERIFY_PASS, "fixed", "11:00"),
        ]
    ]


def test_no_note_staff_name_or_personal_data_reaches_the_updates(api: Client, mini: MiniDistrict) -> None:
    worked_on(mini)
    rejected = f.report()
    actions.reject(rejected, mini.dispatcher, "不属于受理范围，请拨打13907310000", at=at(70))

    for fmt in ("json", "xml"):
        text = api.get(f"{UPDATES}.{fmt}", {"end_date": "2026-06-22T12:00:00+08:00"}).content.decode()
        for private in (
            "钱处置",
            "13907310000",
            "内部",
            "刘阿姨",
            f.PHONE,
            "赵调度",
            "不属于受理范围",
            "暴露垃圾",
        ):
            assert private not in text
        assert rejected.tracking_no in text


def test_the_extended_status_follows_each_move(api: Client, mini: MiniDistrict) -> None:
    case = worked_on(mini)
    rejected, merged, kept = f.report(), f.report(), f.report()
    actions.reject(rejected, mini.dispatcher, "不属于受理范围", at=at(70))
    actions.merge(merged, mini.dispatcher, kept, at=at(80))

    rows = listed(api, extensions=True, end_date="2026-06-22T12:00:00+08:00")

    extended = [
        (row["service_request_id"], row["status"], row["extended_attributes"]["status"]) for row in rows
    ]
    assert extended == [
        (case.tracking_no, "investigating", "investigating"),
        (case.tracking_no, "action_scheduled", "action_scheduled"),
        (case.tracking_no, "in_progress", "in_progress"),
        (case.tracking_no, "in_progress", "in_progress"),
        (case.tracking_no, "in_progress", "in_progress"),
        (case.tracking_no, "fixed", "fixed"),
        (rejected.tracking_no, "no_further_action", "no_further_action"),
        (merged.tracking_no, "duplicate", "duplicate"),
    ]


def test_a_client_that_asks_no_extensions_still_reads_why_a_request_closed(
    api: Client, mini: MiniDistrict
) -> None:
    # FixMyStreet fetches updates without `extensions` and takes a plain "closed" for "fixed".
    rejected, merged, kept = f.report(), f.report(), f.report()
    actions.reject(rejected, mini.dispatcher, "不属于受理范围", at=at(70))
    actions.merge(merged, mini.dispatcher, kept, at=at(80))

    rows = listed(api, end_date="2026-06-22T12:00:00+08:00")

    assert {row["service_request_id"]: row["status"] for row in rows} == {
        rejected.tracking_no: "no_further_action",
        merged.tracking_no: "duplicate",
    }
    assert all("extended_attributes" not in row for row in rows)


def test_a_merged_request_names_the_request_that_carries_on(api: Client, mini: MiniDistrict) -> None:
    merged, kept = f.report(), f.report()
    actions.merge(merged, mini.dispatcher, kept)

    (row,) = listed(api)

    assert row["service_request_id"] == merged.tracking_no
    assert row["description"] == f"{PUBLIC_WORDS[Move.MERGE]} ({kept.tracking_no})"


def test_the_reporters_rating_is_no_update(api: Client, mini: MiniDistrict) -> None:
    case = f.closed(mini)
    actions.rate(case, "satisfied", at=at(5))

    rows = listed(api, start_date="2026-06-22T10:00:00+08:00")

    assert [row["description"] for row in rows][-1] == str(PUBLIC_WORDS[Move.VERIFY_PASS])
    assert str(PUBLIC_WORDS[Move.RATE]) not in {row["description"] for row in rows}


# --- the window ----------------------------------------------------------------------------------------


def test_without_dates_the_updates_of_the_last_24_hours_are_listed(api: Client, mini: MiniDistrict) -> None:
    old, recent = f.report(at=MONDAY_10 - timedelta(hours=26)), f.report(at=MONDAY_10 - timedelta(hours=26))
    actions.accept(old, mini.dispatcher, at=MONDAY_10 - timedelta(hours=25))
    actions.accept(recent, mini.dispatcher, at=MONDAY_10 - timedelta(hours=23))

    assert [row["service_request_id"] for row in listed(api)] == [recent.tracking_no]
    earlier = listed(api, start_date="2026-06-21T08:00:00+08:00", end_date="2026-06-21T10:00:00+08:00")
    assert [row["service_request_id"] for row in earlier] == [old.tracking_no]


def test_start_and_end_dates_include_updates_at_their_very_moment(api: Client, mini: MiniDistrict) -> None:
    case = f.report()
    actions.accept(case, mini.dispatcher, at=at(10))

    moment = "2026-06-22T10:10:00+08:00"
    assert len(listed(api, start_date=moment, end_date=moment)) == 1
    assert listed(api, start_date="2026-06-22T02:10:01Z") == []
    assert listed(api, end_date="2026-06-22T10:09:59+08:00") == []


def test_a_start_date_alone_lists_everything_after_it_up_to_90_days(api: Client, mini: MiniDistrict) -> None:
    case = f.report(at=MONDAY_10 - timedelta(days=60))
    actions.accept(case, mini.dispatcher, at=MONDAY_10 - timedelta(days=59))
    actions.dispatch(case, mini.dispatcher, lead=mini.department)

    rows = listed(api, start_date="2026-04-01")

    assert [row["update_id"] for row in rows] == [f"{case.tracking_no}-2", f"{case.tracking_no}-3"]


def test_at_most_the_maximum_number_of_updates_oldest_first(
    api: Client, mini: MiniDistrict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(updates, "MAX_RECORDS", 2)
    cases = [f.report() for _ in range(3)]
    for minutes, case in zip((30, 10, 20), cases, strict=True):
        actions.accept(case, mini.dispatcher, at=at(minutes))

    rows = listed(api, end_date="2026-06-22T11:00:00+08:00")

    assert [row["service_request_id"] for row in rows] == [cases[1].tracking_no, cases[2].tracking_no]


def test_the_list_costs_one_query_for_one_update_or_many(
    api: Client, mini: MiniDistrict, django_assert_max_num_queries: Any
) -> None:
    worked_on(mini)
    merged, kept = f.report(), f.report()
    actions.merge(merged, mini.dispatcher, kept, at=at(70))

    with django_assert_max_num_queries(1):
        assert len(listed(api, extensions=True, end_date="2026-06-22T12:00:00+08:00")) == 7


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"start_date": "yesterday"}, "start_date: “yesterday” is not a date and time"),
        ({"end_date": "2026-13-01"}, "end_date: “2026-13-01” is not a date and time"),
        ({"start_date": "2026-06-01", "end_date": "2026-05-01"}, "end_date is before start_date."),
        ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, "start_date and end_date may be at most 90"),
    ],
    ids=["start", "end", "reversed", "span"],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_bad_date_is_a_400_error_list_in_the_asked_format(
    api: Client, mini: MiniDistrict, params: dict[str, str], expected: str, fmt: str
) -> None:
    response = api.get(f"{UPDATES}.{fmt}", params)

    assert response.status_code == 400
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        (error,) = response.json()
        assert (error["code"], error["description"][: len(expected)]) == (400, expected)
    else:
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        root = ET.fromstring(response.content)
        assert (root.tag, root.findtext("error/code")) == ("errors", "400")
        assert (root.findtext("error/description") or "").startswith(expected)


# --- keys, methods, formats, language --------------------------------------------------------------


def test_updates_need_no_api_key_and_ignore_one_given(api: Client, key: str, mini: MiniDistrict) -> None:
    case = f.registered(mini)

    for params in ({}, {"api_key": "o311_not-a-key"}, {"api_key": key, "jurisdiction_id": "shifeng"}):
        rows = listed(api, **params)
        assert [row["service_request_id"] for row in rows] == [case.tracking_no]


def test_posting_an_update_is_not_offered(api: Client, key: str, mini: MiniDistrict) -> None:
    case = f.report()

    response = api.post(UPDATES + ".json", {"api_key": key, "service_request_id": case.tracking_no})

    assert response.status_code == 405
    assert response.json()[0]["code"] == 405
    assert Case.objects.get().status == case.status


def test_updates_in_xml_are_request_update_elements_with_the_documented_names(
    api: Client, mini: MiniDistrict
) -> None:
    case = f.closed(mini)

    response = api.get(UPDATES + ".xml", {"extensions": "true"})

    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "service_request_updates"
    items = root.findall("request_update")
    assert len(items) == 5 and len(root) == 5
    for item in items:
        assert [child.tag for child in item] == [*UPDATE_FIELDS, "extended_attributes"]
        assert item.findtext("service_request_id") == case.tracking_no
        assert item.findtext("media_url") == ""
    assert items[-1].findtext("status") == "fixed"
    assert items[-1].findtext("extended_attributes/status") == "fixed"
    assert items[-1].findtext("update_id") == f"{case.tracking_no}-6"


def test_no_updates_is_an_empty_list_in_both_formats(api: Client, mini: MiniDistrict) -> None:
    f.report()  # a report alone is no update

    assert listed(api) == []
    root = ET.fromstring(api.get(UPDATES + ".xml").content)
    assert (root.tag, len(root)) == ("service_request_updates", 0)


def test_updates_speak_chinese_by_default(mini: MiniDistrict) -> None:
    f.registered(mini)

    (row,) = Client().get(UPDATES + ".json").json()

    with translation.override("zh-hans"):
        assert row["description"] == str(PUBLIC_WORDS[Move.ACCEPT])
    assert row["description"] != "Accepted and registered"


def test_discovery_announces_the_extension_at_the_same_url(api: Client, db: None) -> None:
    endpoints = api.get("/open311/v2/discovery.json").json()["endpoints"]

    by_specification = {endpoint["specification"]: endpoint for endpoint in endpoints}
    georeport = by_specification["http://wiki.open311.org/GeoReport_v2"]
    mysociety = by_specification["https://github.com/mysociety/fixmystreet/wiki/Open311-FMS---Complete-Spec"]
    assert georeport["url"] == mysociety["url"] == "http://testserver/open311/v2"
    assert mysociety["formats"] == ["application/json", "text/xml"]
    assert api.get(mysociety["url"] + "/servicerequestupdates.json").status_code == 200
