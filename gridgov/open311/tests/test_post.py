"""POST requests: a client with an API key files a report; any bad input is a 400 that writes nothing."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gridgov.cases import actions as case_actions
from gridgov.cases.models import Case, Channel, Status, TrackingCounter, Transition, Urgency
from gridgov.cases.tests import factories as f
from gridgov.lib.address import building_key
from gridgov.lib.crypto import cipher_for
from gridgov.notify.models import OutboxMessage
from gridgov.open311 import actions
from gridgov.territory.models import Building
from gridgov.testing import MiniDistrict

REQUESTS = "/open311/v2/requests.json"
LON, LAT = f.A1_POINT


def report(key: str, **fields: Any) -> dict[str, Any]:
    """Return the form of a neighbour-dispute report in grid A1, with the fields changed or added."""
    form: dict[str, Any] = {
        "api_key": key,
        "service_code": f.DISPUTE,
        "lat": str(LAT),
        "long": str(LON),
        "description": "楼下两户邻居因为停车位吵架，已经好几天了",
    }
    form.update(fields)
    return {name: value for name, value in form.items() if value is not None}


def written() -> dict[str, int]:
    """Return the rows a report writes, to show that a refused one wrote none."""
    return {
        model.__name__: model.objects.count() for model in (Case, Transition, OutboxMessage, TrackingCounter)
    }


NOTHING = {"Case": 0, "Transition": 0, "OutboxMessage": 0, "TrackingCounter": 0}


def test_a_client_files_a_report_that_lands_in_its_grid_as_an_open311_case(
    api: Client, key: str, mini: MiniDistrict
) -> None:
    form = report(
        key,
        email="liu@example.org",
        phone="138 0731 2345",
        first_name="阿姨",
        last_name="刘",
        account_id="user-77",
        device_id="phone-1",
        **{"attribute[urgency]": "urgent"},
    )

    response = api.post(REQUESTS, form)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    (answer,) = response.json()
    case = Case.objects.get()
    assert answer["service_request_id"] == case.tracking_no
    assert answer["account_id"] == "user-77"
    assert case.tracking_no in answer["service_notice"]
    assert (case.channel, case.status, case.grid, case.category) == (
        Channel.OPEN311,
        Status.REPORTED,
        mini.grid_a1,
        f.matter(f.DISPUTE),
    )
    assert (case.urgency, case.reporter_name, case.reporter_contact) == (
        Urgency.URGENT,
        "刘阿姨",
        "liu@example.org",
    )
    assert cipher_for(settings.FIELD_ENCRYPTION_KEY).decrypt(case.reporter_phone_encrypted) == f.PHONE
    assert Transition.objects.get(case=case).move == "report"


def test_the_reporter_hears_back_by_email_when_the_client_gives_an_address(
    api: Client, key: str, mini: MiniDistrict
) -> None:
    api.post(REQUESTS, report(key, email="liu@example.org", phone="13807312345"))

    (notice,) = OutboxMessage.objects.filter(kind="acknowledge")
    assert (notice.channel, notice.recipient) == ("email", "liu@example.org")
    assert Case.objects.get().tracking_no in notice.payload["text"]


def test_the_answer_in_xml_is_a_service_requests_list(api: Client, key: str, mini: MiniDistrict) -> None:
    response = api.post("/open311/v2/requests.xml", report(key))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert [child.tag for child in request] == ["service_request_id", "service_notice", "account_id"]
    assert request.findtext("service_request_id") == Case.objects.get().tracking_no
    assert request.findtext("account_id") == ""  # none given: an empty element


def test_without_a_service_code_the_report_gets_the_same_grid_and_guess_as_report_case(
    api: Client, key: str, mini: MiniDistrict
) -> None:
    text = "小区门口的路灯不亮了，晚上很黑"
    lon, lat = f.B1_POINT

    response = api.post(REQUESTS, report(key, service_code=None, description=text, lat=lat, long=lon))
    direct = case_actions.report_case(Channel.SNAP, text, lon=lon, lat=lat)

    assert response.status_code == 200
    through_open311 = Case.objects.get(tracking_no=response.json()[0]["service_request_id"])
    assert direct.category is not None
    assert (through_open311.grid, through_open311.category, through_open311.urgency) == (
        direct.grid,
        direct.category,
        direct.urgency,
    )
    assert through_open311.grid == mini.grid_b1


def test_an_address_string_alone_places_the_report(api: Client, key: str, mini: MiniDistrict) -> None:
    Building.objects.create(
        code="DS-2",
        community=mini.grid_c1.community,
        grid=mini.grid_c1,
        name="丁山新村2栋",
        address="丁山新村2栋",
        address_key=building_key("丁山新村2栋"),
        lon=f.C1_POINT[0],
        lat=f.C1_POINT[1],
    )

    response = api.post(REQUESTS, report(key, lat=None, long=None, address_string="丁山新村2栋3单元201"))

    assert response.status_code == 200
    case = Case.objects.get()
    assert (case.grid, case.address) == (mini.grid_c1, "丁山新村2栋3单元201")


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def media_server() -> Iterator[str]:
    """Serve a photo URL on loopback that records every fetch."""
    _Recorder.hits = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/photo.jpg"
    server.shutdown()
    server.server_close()


def test_a_media_url_is_kept_as_text_and_never_fetched(
    api: Client, key: str, mini: MiniDistrict, media_server: str
) -> None:
    response = api.post(REQUESTS, report(key, media_url=media_server))

    assert response.status_code == 200
    assert Case.objects.get().description.endswith(f"\n\nmedia_url: {media_server}")
    assert _Recorder.hits == []


def test_markup_in_a_description_is_stored_as_text_and_escaped_in_xml(
    api: Client, key: str, mini: MiniDistrict
) -> None:
    text = '<script>alert("x")</script> 井盖丢了 & 没人管'

    api.post(REQUESTS, report(key, description=text, service_code=f.GARBAGE))

    case = Case.objects.get()
    assert case.description == text
    raw = api.get(f"/open311/v2/requests/{case.tracking_no}.xml").content
    assert b"<script>" not in raw
    assert b"&lt;script&gt;" in raw
    assert ET.fromstring(raw).findtext("request/description") == text


# --- the API key ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("given", [None, "", "o311_wrong", "x" * 5000])
def test_a_report_without_a_valid_api_key_is_refused_with_403(
    api: Client, key: str, mini: MiniDistrict, given: str | None
) -> None:
    response = api.post(REQUESTS, report(key, api_key=given))

    assert response.status_code == 403
    (error,) = response.json()
    assert error["code"] == 403
    assert "api_key" in error["description"]
    assert written() == NOTHING


def test_a_revoked_key_no_longer_files_reports(api: Client, key: str, mini: MiniDistrict) -> None:
    assert api.post(REQUESTS, report(key)).status_code == 200
    actions.revoke_key("partner-app")

    response = api.post("/open311/v2/requests.xml", report(key))

    assert response.status_code == 403
    assert ET.fromstring(response.content).findtext("error/code") == "403"
    assert Case.objects.count() == 1


def test_a_key_in_the_query_string_is_not_accepted(api: Client, key: str, mini: MiniDistrict) -> None:
    form = report(key)
    del form["api_key"]

    response = api.post(f"{REQUESTS}?api_key={key}", form)

    assert response.status_code == 403
    assert written() == NOTHING


# --- bad input: a 400 in the asked format, nothing written ---------------------------------------------

BAD_INPUT: list[tuple[str, dict[str, Any], str]] = [
    ("no description", {"description": None}, "description: Describe the matter."),
    ("blank description", {"description": "   "}, "description: Describe the matter."),
    ("10,000 characters", {"description": "路灯" * 5000}, "description: The description is longer"),
    ("unknown service", {"service_code": "99999"}, "service_code: Unknown category"),
    ("latitude only", {"long": None}, "lat/long: give both"),
    ("words for numbers", {"lat": "north"}, "lat/long: the coordinates must be decimal degrees"),
    ("not a number", {"lat": "nan"}, "lat/long: the coordinates must be decimal degrees"),
    ("infinity", {"long": "1e400"}, "lat/long: the coordinates must be decimal degrees"),
    ("latitude out of range", {"lat": "127.8"}, "lat/long, address_string: Latitude 127.8 is not between"),
    ("outside the district", {"lat": "27.9", "long": "113.2"}, "lat/long, address_string: The place is not"),
    ("no place at all", {"lat": None, "long": None}, "lat/long, address_string: Give the place"),
    (
        "unknown address",
        {"lat": None, "long": None, "address_string": "火星路1号"},
        "lat/long, address_string: The address names no building",
    ),
    ("overlong address", {"address_string": "路" * 201}, "address_string: At most 200 characters."),
    ("bad e-mail", {"email": "not-an-address"}, "email: “not-an-address” is not an e-mail address."),
    ("bad phone", {"phone": "12345"}, "phone: "),
    ("unknown urgency", {"attribute[urgency]": "asap"}, "attribute[urgency]: Unknown urgency"),
    ("script URL", {"media_url": "javascript:alert(1)"}, "media_url: give one http or https URL"),
    ("overlong name", {"first_name": "A" * 60}, "first_name, last_name: At most 50 characters."),
    ("overlong account id", {"account_id": "a" * 101}, "account_id: at most 100 characters."),
]


@pytest.mark.parametrize(
    ("fields", "expected"), [(f, e) for _, f, e in BAD_INPUT], ids=[n for n, *_ in BAD_INPUT]
)
def test_bad_input_is_a_400_error_list_and_writes_nothing(
    api: Client, key: str, mini: MiniDistrict, fields: dict[str, Any], expected: str
) -> None:
    response = api.post(REQUESTS, report(key, **fields))

    assert response.status_code == 400
    errors = response.json()
    assert all(error["code"] == 400 for error in errors)
    assert any(error["description"].startswith(expected) for error in errors), errors
    assert written() == NOTHING


def test_every_problem_of_a_form_is_named_at_once_in_xml(api: Client, key: str, mini: MiniDistrict) -> None:
    form = report(key, lat="north", email="nope", account_id="a" * 101)

    response = api.post("/open311/v2/requests.xml", form)

    assert response.status_code == 400
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    descriptions = [error.findtext("description") or "" for error in root.findall("error")]
    assert [text.split(":")[0] for text in descriptions] == ["lat/long", "email", "account_id"]
    assert written() == NOTHING


def test_a_media_url_that_makes_the_description_too_long_is_refused(
    api: Client, key: str, mini: MiniDistrict
) -> None:
    response = api.post(REQUESTS, report(key, description="灯" * 3990, media_url="https://example.org/a.jpg"))

    assert response.status_code == 400
    assert "with the media URL" in response.json()[0]["description"]
    assert written() == NOTHING


def test_a_json_body_is_refused_with_400(api: Client, key: str, mini: MiniDistrict) -> None:
    response = api.post(REQUESTS, report(key), content_type="application/json")

    assert response.status_code == 400
    assert "form-encoded" in response.json()[0]["description"]
    assert written() == NOTHING


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("&".join(f"f{i}=1" for i in range(1_500)), "application/x-www-form-urlencoded", 400),
        ("description=" + "x" * (3 * 2**20), "application/x-www-form-urlencoded", 400),
        ("--nope\r\nbroken", "multipart/form-data", 400),
        # A multipart body with no parts is an empty form: it has no key.
        ("--nope\r\nbroken", "multipart/form-data; boundary=nope", 403),
    ],
    ids=["too many fields", "oversized body", "multipart without boundary", "multipart without parts"],
)
def test_a_body_that_is_not_a_readable_form_is_refused_in_the_specs_format(
    api: Client, key: str, mini: MiniDistrict, body: str, content_type: str, status: int
) -> None:
    response = api.post(REQUESTS, body, content_type=content_type)

    assert response.status_code == status
    assert response.json()[0]["code"] == status
    assert written() == NOTHING


def test_undecodable_bytes_are_stored_as_replacement_characters(
    api: Client, key: str, mini: MiniDistrict
) -> None:
    body = f"api_key={key}&service_code={f.DISPUTE}&lat={LAT}&long={LON}&description=%FF%FE%E8"

    response = api.post(REQUESTS, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert set(Case.objects.get().description) == {"\ufffd"}


def test_errors_come_in_chinese_by_default(key: str, mini: MiniDistrict) -> None:
    response = Client().post(REQUESTS, report(key, description=""))

    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "description: 请描述问题。"}]


def test_a_service_deactivated_here_is_refused_at_once_although_services_are_kept_in_memory(
    api: Client, key: str, mini: MiniDistrict
) -> None:
    assert api.post(REQUESTS, report(key)).status_code == 200
    dispute = f.matter(f.DISPUTE)
    dispute.active = False
    dispute.save()

    response = api.post(REQUESTS, report(key))

    assert response.status_code == 400
    assert response.json()[0]["description"].startswith("service_code: Unknown category")
    assert Case.objects.count() == 1


def statements_of_a_report(api: Client, key: str) -> list[str]:
    """Return the statements of a report of a known service, after one report filled the matters' copy."""
    assert api.post(REQUESTS, report(key)).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = api.post(REQUESTS, report(key, service_code=f.GARBAGE))
    assert response.status_code == 200
    assert Case.objects.get(tracking_no=response.json()[0]["service_request_id"]).category == f.matter(
        f.GARBAGE
    )
    return [query["sql"] for query in queries.captured_queries]


def test_a_report_with_an_unlimited_key_reads_the_key_once_and_no_category_or_filing_rows(
    api: Client, mini: MiniDistrict
) -> None:
    _stored, key = actions.create_key("bench-like", hourly_limit=0)

    statements = statements_of_a_report(api, key)

    assert sum("open311_apikey" in sql for sql in statements) == 1
    assert not [sql for sql in statements if 'FROM "cases_category"' in sql]
    assert not [sql for sql in statements if 'FROM "open311_filing"' in sql]
    assert sum('INTO "open311_filing"' in sql for sql in statements) == 1


def test_a_limited_key_is_counted_before_any_work_and_again_under_its_lock(
    api: Client, key: str, mini: MiniDistrict
) -> None:
    statements = statements_of_a_report(api, key)

    read, lock = [sql for sql in statements if "open311_apikey" in sql]
    assert "digest" in read
    assert "FOR UPDATE" in lock or not connection.features.has_select_for_update
    counts = [i for i, sql in enumerate(statements) if 'FROM "open311_filing"' in sql]
    case_insert = next(i for i, sql in enumerate(statements) if 'INTO "cases_case"' in sql)
    assert len(counts) == 2
    assert counts[0] < case_insert < statements.index(lock) < counts[1]
    assert not [sql for sql in statements if 'FROM "cases_category"' in sql]
