"""GET requests, one request and tokens: public answers without personal data, filters, statuses."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from gridgov.cases import actions
from gridgov.cases.models import Case, Channel
from gridgov.cases.tests import factories as f
from gridgov.open311 import answers
from gridgov.open311.tests.schemas import validate
from gridgov.testing import MiniDistrict

# Monday 2026-06-22, 10:00 in Shanghai.
MONDAY_10 = datetime(2026, 6, 22, 2, 0, tzinfo=UTC)
REQUESTS = "/open311/v2/requests.json"


@pytest.fixture(autouse=True)
def monday() -> Iterator[None]:
    with time_machine.travel(MONDAY_10, tick=False):
        yield


def garbage(**kwargs: Any) -> Case:
    """Report exposed garbage (a city-management matter) in grid A1."""
    values = {"code": f.GARBAGE, "description": "绿化带里有暴露垃圾，没人清理"} | kwargs
    return f.report(**values)


def listed(api: Client, **params: Any) -> list[dict[str, Any]]:
    response = api.get(REQUESTS, params)
    assert response.status_code == 200, response.content
    answer: list[dict[str, Any]] = response.json()
    validate(answer, "requests.json")
    return answer


def test_a_city_matter_shows_its_words_place_and_times(api: Client, mini: MiniDistrict) -> None:
    case = garbage(address="清水塘社区3栋旁")

    (row,) = listed(api)

    assert row == {
        "service_request_id": case.tracking_no,
        "status": "open",
        "status_notes": "Report received",
        "service_name": f.matter(f.GARBAGE).name,
        "service_code": f.GARBAGE,
        "description": "绿化带里有暴露垃圾，没人清理",
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": "2026-06-22T10:00:00+08:00",
        "updated_datetime": "2026-06-22T10:00:00+08:00",
        "expected_datetime": None,
        "address": "清水塘社区3栋旁",
        "lat": f.A1_POINT[1],
        "long": f.A1_POINT[0],
        "media_url": None,
    }


def test_no_personal_data_and_no_staff_names_reach_the_public_answer(api: Client, mini: MiniDistrict) -> None:
    case = garbage(reporter_contact="liu@example.org")
    actions.accept(case, mini.dispatcher)
    actions.dispatch(case, mini.dispatcher, lead=mini.department)
    actions.sign(case, mini.handler)
    actions.note(case, mini.handler, "钱处置明天上门，电话13907310000", public=True)

    for fmt in ("json", "xml"):
        text = api.get(f"/open311/v2/requests.{fmt}").content.decode()
        for private in ("刘阿姨", f.PHONE, "liu@example.org", "钱处置", "赵调度", "13907310000"):
            assert private not in text
        assert case.tracking_no in text
    (row,) = listed(api)
    assert row["status_notes"] == "Progress update"
    assert row["agency_responsible"] == mini.department.name


def test_a_social_matter_shows_service_and_status_but_not_what_was_said_or_where(
    api: Client, mini: MiniDistrict
) -> None:
    case = f.report(code=f.DISPUTE, address="清水塘3栋")  # 邻里纠纷

    for extensions in ("false", "true"):
        (row,) = listed(api, extensions=extensions)
        assert (row["service_request_id"], row["service_code"]) == (case.tracking_no, f.DISPUTE)
        assert (row["description"], row["address"], row["lat"], row["long"]) == (None, None, None, None)


def test_phones_ids_and_emails_typed_into_a_description_are_masked(api: Client, mini: MiniDistrict) -> None:
    garbage(
        description="垃圾堆了三天，联系我 13907310000 或 0731-28221234，a.b@example.org，身份证430204199001011234"
    )

    (row,) = listed(api)

    assert row["description"] == (
        "垃圾堆了三天，联系我 *********** 或 *************，***************，身份证******************"
    )


def test_the_media_url_of_an_open311_report_is_shown_apart_from_the_description(
    api: Client, mini: MiniDistrict
) -> None:
    actions.report_case(
        Channel.OPEN311,
        "井盖丢了\n\nmedia_url: https://example.org/p/1.jpg",
        lon=f.A1_POINT[0],
        lat=f.A1_POINT[1],
        category=f.GARBAGE,
    )

    (row,) = listed(api)

    assert (row["description"], row["media_url"]) == ("井盖丢了", "https://example.org/p/1.jpg")


@pytest.mark.parametrize(
    ("make", "basic", "extended"),
    [
        (lambda mini: f.report(), "open", "open"),
        (f.registered, "open", "investigating"),
        (f.dispatched, "open", "action_scheduled"),
        (f.in_progress, "open", "in_progress"),
        (f.handled, "open", "in_progress"),
        (f.closed, "closed", "fixed"),
    ],
    ids=["reported", "registered", "dispatched", "in progress", "handled", "closed"],
)
def test_statuses_map_to_open_closed_and_the_extended_status(
    api: Client, mini: MiniDistrict, make: Any, basic: str, extended: str
) -> None:
    make(mini)

    (plain,) = listed(api)
    (rich,) = listed(api, extensions="true")

    assert (plain["status"], "extended_attributes" in plain) == (basic, False)
    assert (rich["status"], rich["extended_attributes"]) == (basic, {"status": extended})


def test_rejected_merged_and_grid_handled_cases_have_their_extended_status(
    api: Client, mini: MiniDistrict
) -> None:
    rejected, merged, kept, grid = f.report(), f.report(), f.report(), f.report()
    actions.reject(rejected, mini.dispatcher, "不属于受理范围")
    actions.merge(merged, mini.dispatcher, kept)
    actions.take_in_grid(grid, mini.worker_a)

    rows = {row["service_request_id"]: row for row in listed(api, extensions="true")}

    assert rows[rejected.tracking_no]["status"] == "closed"
    assert rows[rejected.tracking_no]["extended_attributes"] == {"status": "no_further_action"}
    # The rejection's reason is a note to the reporter, not to the world.
    assert "不属于受理范围" not in str(rows[rejected.tracking_no])
    assert rows[merged.tracking_no]["extended_attributes"] == {"status": "duplicate"}
    assert rows[grid.tracking_no]["extended_attributes"] == {"status": "in_progress"}
    assert rows[grid.tracking_no]["agency_responsible"] == mini.grid_a1.name


def test_times_follow_the_log_and_the_deadline(api: Client, mini: MiniDistrict) -> None:
    case = garbage()
    with time_machine.travel(MONDAY_10 + timedelta(minutes=30), tick=False):
        actions.accept(case, mini.dispatcher)

    (row,) = listed(api)

    assert row["updated_datetime"] == "2026-06-22T10:30:00+08:00"
    assert row["expected_datetime"] == answers.w3c(f.fresh(case).case_due_at)
    assert row["expected_datetime"] is not None


# --- filters -------------------------------------------------------------------------------------------


def test_service_request_ids_find_those_cases_and_ignore_other_filters(
    api: Client, mini: MiniDistrict
) -> None:
    a, b, _c = garbage(), f.report(), garbage()

    rows = listed(api, service_request_id=f"{a.tracking_no}, {b.tracking_no.lower()}", status="closed")

    assert {row["service_request_id"] for row in rows} == {a.tracking_no, b.tracking_no}


def test_service_code_and_status_filter_the_list(api: Client, mini: MiniDistrict) -> None:
    litter, dispute, closed = garbage(), f.report(), f.closed(mini)

    assert [r["service_request_id"] for r in listed(api, service_code=f.GARBAGE)] == [litter.tracking_no]
    both = listed(api, service_code=f"{f.GARBAGE},{f.DISPUTE}", status="open")
    assert {r["service_request_id"] for r in both} == {litter.tracking_no, dispute.tracking_no}
    assert [r["service_request_id"] for r in listed(api, status="closed")] == [closed.tracking_no]
    assert len(listed(api, status="open,closed")) == 3


def test_the_list_defaults_to_the_last_90_days_newest_first(api: Client, mini: MiniDistrict) -> None:
    old = garbage(at=MONDAY_10 - timedelta(days=91))
    recent = garbage(at=MONDAY_10 - timedelta(days=89))
    new = garbage()

    assert [r["service_request_id"] for r in listed(api)] == [new.tracking_no, recent.tracking_no]
    earlier = listed(api, start_date="2026-03-01T00:00:00+08:00", end_date="2026-03-24T00:00:00+08:00")
    assert [r["service_request_id"] for r in earlier] == [old.tracking_no]


def test_dates_take_an_offset_a_z_a_plain_date_or_a_plus_turned_space(
    api: Client, mini: MiniDistrict
) -> None:
    case = garbage()

    for start in (
        "2026-06-22T09:00:00+08:00",
        "2026-06-22T01:00:00Z",
        "2026-06-22",
        "2026-06-22T09:00:00 08:00",
    ):
        assert [r["service_request_id"] for r in listed(api, start_date=start)] == [case.tracking_no]
    assert listed(api, end_date="2026-06-22T09:59:59+08:00") == []


def test_the_list_holds_at_most_the_maximum_number_of_records(
    api: Client, mini: MiniDistrict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answers, "MAX_RECORDS", 2)
    cases = [garbage(at=MONDAY_10 - timedelta(hours=hours)) for hours in (3, 2, 1)]

    assert [r["service_request_id"] for r in listed(api)] == [cases[2].tracking_no, cases[1].tracking_no]


def test_the_list_costs_the_same_queries_for_one_case_or_many(
    api: Client, mini: MiniDistrict, django_assert_max_num_queries: Any
) -> None:
    for _ in range(12):
        garbage()
    f.closed(mini)

    with django_assert_max_num_queries(1):
        assert len(listed(api, extensions="true")) == 13


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "pending"}, "status: use open, closed or both"),
        ({"start_date": "yesterday"}, "start_date: “yesterday” is not a date and time"),
        ({"end_date": "2026-13-01"}, "end_date: “2026-13-01” is not a date and time"),
        ({"start_date": "2026-06-01", "end_date": "2026-05-01"}, "end_date is before start_date."),
        ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, "start_date and end_date may be at most 90"),
        ({"service_request_id": ",".join(f"SF{i}" for i in range(1_001))}, "Ask for at most 1000"),
    ],
    ids=["status", "start", "end", "reversed", "span", "too many ids"],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_bad_query_is_a_400_error_list(
    api: Client, mini: MiniDistrict, params: dict[str, str], expected: str, fmt: str
) -> None:
    response = api.get(f"/open311/v2/requests.{fmt}", params)

    assert response.status_code == 400
    if fmt == "json":
        (error,) = response.json()
        assert error["code"] == 400
        assert error["description"].startswith(expected)
    else:
        root = ET.fromstring(response.content)
        assert root.findtext("error/code") == "400"
        assert (root.findtext("error/description") or "").startswith(expected)


# --- one request, tokens, XML --------------------------------------------------------------------------


def test_one_request_is_a_list_of_one_in_both_formats(api: Client, mini: MiniDistrict) -> None:
    case = garbage()

    answer = api.get(f"/open311/v2/requests/{case.tracking_no}.json").json()
    validate(answer, "requests.json")
    assert [row["service_request_id"] for row in answer] == [case.tracking_no]
    root = ET.fromstring(api.get(f"/open311/v2/requests/{case.tracking_no.lower()}.xml").content)
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert request.findtext("service_request_id") == case.tracking_no
    assert request.findtext("status") == "open"
    assert request.findtext("lat") == str(f.A1_POINT[1])
    assert request.find("extended_attributes") is None


def test_the_extended_status_in_xml_is_a_nested_element(api: Client, mini: MiniDistrict) -> None:
    case = f.closed(mini)

    root = ET.fromstring(api.get(f"/open311/v2/requests/{case.tracking_no}.xml?extensions=true").content)

    assert root.findtext("request/extended_attributes/status") == "fixed"


@pytest.mark.parametrize("path", ["requests/SF20990101-0001", "tokens/SF20990101-0001"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_request_or_token_is_a_404(api: Client, mini: MiniDistrict, path: str, fmt: str) -> None:
    response = api.get(f"/open311/v2/{path}.{fmt}")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json" if fmt == "json" else "text/xml")


def test_a_token_is_the_request_id_because_reports_are_stored_at_once(
    api: Client, mini: MiniDistrict
) -> None:
    case = garbage()

    response = api.get(f"/open311/v2/tokens/{case.tracking_no}.json")

    assert response.json() == [{"service_request_id": case.tracking_no, "token": case.tracking_no}]
    root = ET.fromstring(api.get(f"/open311/v2/tokens/{case.tracking_no}.xml").content)
    assert [child.tag for child in root.find("request") or []] == ["service_request_id", "token"]


def test_the_requests_list_in_xml_has_the_specs_element_names(api: Client, mini: MiniDistrict) -> None:
    garbage()

    root = ET.fromstring(api.get("/open311/v2/requests.xml").content)

    assert root.tag == "service_requests"
    request = root.find("request")
    assert request is not None
    assert [child.tag for child in request] == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "lat",
        "long",
        "media_url",
    ]
