"""POST /api/v1/reports: the same case as any channel's, and bad input answered in the error shape, unstored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gridgov.api.tests.conftest import Api, b64
from gridgov.cases import actions
from gridgov.cases.models import Attachment, Case, Channel, Transition
from gridgov.cases.routing import route
from gridgov.cases.tests import factories as f
from gridgov.lib.coords import from_wgs84
from gridgov.testing import MiniDistrict

TEXT = "楼下两户邻居因为停车位吵架，已经好几天了"


def report(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "description": TEXT,
        "lon": f.A1_POINT[0],
        "lat": f.A1_POINT[1],
        "reporter_name": "刘阿姨",
        "reporter_phone": f.PHONE,
    }
    body.update(changes)
    return {name: value for name, value in body.items() if value is not None}


def test_a_report_through_the_api_yields_the_same_case_as_report_case(
    public: Api, mini: MiniDistrict
) -> None:
    response = public.post("/reports", report())

    assert response.status_code == 201
    answer = response.json()
    direct = actions.report_case(
        Channel.SNAP, TEXT, lon=f.A1_POINT[0], lat=f.A1_POINT[1], reporter_phone=f.PHONE
    )
    case = Case.objects.select_related("category", "grid").get(tracking_no=answer["tracking_no"])
    assert case.channel == Channel.API
    assert (case.grid, case.category, case.urgency) == (direct.grid, direct.category, direct.urgency)
    assert case.category is not None
    assert answer["grid"] == {"code": mini.grid_a1.code, "name": "A1网格"}
    assert answer["category"] == {"code": case.category.code, "name": case.category.name}
    assert answer["status"] == "reported"
    assert answer["track_url"] == f"http://testserver/track/?no={case.tracking_no}"
    assert route(case.category, case.grid, TEXT).summary == route(direct.category, direct.grid, TEXT).summary
    assert case.reporter_phone_last4 == f.PHONE[-4:] and case.reported_by is None
    assert Transition.objects.get(case=case).move == "report"


def test_a_report_takes_gcj02_coordinates_an_explicit_category_and_urgency(
    public: Api, mini: MiniDistrict
) -> None:
    lon, lat = from_wgs84(f.B1_POINT[0], f.B1_POINT[1], "gcj02")

    response = public.post(
        "/reports", report(lon=lon, lat=lat, crs="gcj02", category=f.GARBAGE, urgency="urgent")
    )

    assert response.status_code == 201, response.json()
    case = Case.objects.get(tracking_no=response.json()["tracking_no"])
    assert case.grid == mini.grid_b1
    assert case.category is not None and case.category.code == f.GARBAGE
    assert case.urgency == "urgent"


def test_a_staff_token_reports_as_that_staff_member_without_a_phone(as_user: Any, mini: MiniDistrict) -> None:
    response = as_user(mini.worker_a).post("/reports", report(reporter_phone=None, reporter_name=None))

    assert response.status_code == 201
    case = Case.objects.get(tracking_no=response.json()["tracking_no"])
    assert case.reported_by == mini.worker_a
    assert Transition.objects.get(case=case).actor_role == "grid_worker"


def test_photos_come_as_base64_in_json(public: Api, mini: MiniDistrict) -> None:
    photos = [b64(f.photo("JPEG")), "data:image/png;base64," + b64(f.photo("PNG"))]

    response = public.post("/reports", report(photos=photos))

    assert response.status_code == 201
    stored = Attachment.objects.filter(case__tracking_no=response.json()["tracking_no"])
    assert sorted(a.content_type for a in stored) == ["image/jpeg", "image/png"]


def test_photos_come_as_multipart_files(public: Api, mini: MiniDistrict) -> None:
    files = [SimpleUploadedFile(f"p{n}.jpg", f.photo("JPEG"), content_type="image/jpeg") for n in range(2)]

    response = public.multipart("/reports", {**report(), "photos": files})

    assert response.status_code == 201, response.json()
    case = Case.objects.get(tracking_no=response.json()["tracking_no"])
    assert case.attachments.count() == 2
    assert case.grid == mini.grid_a1 and case.description == TEXT


def test_html_in_the_description_is_stored_as_text(public: Api, mini: MiniDistrict) -> None:
    text = "<script>alert(1)</script> 井盖<b>丢了</b>"

    response = public.post("/reports", report(description=text))

    assert response.status_code == 201
    assert Case.objects.get().description == text


# --- bad input: the error shape, never a 500, nothing written ----------------------------------------


def refused(api: Api, body: Any, status: int, **kwargs: Any) -> dict[str, list[str]]:
    """Post the body, assert the status and that nothing was written; return the errors."""
    before = f.counts()
    response = api.post("/reports", body, **kwargs)
    assert response.status_code == status, response.content
    assert f.counts() == before
    errors: dict[str, list[str]] = response.json()["errors"]
    return errors


@pytest.mark.parametrize(
    "body", ["{not json", "", "[1, 2]", '"text"', "null", '{"description": NaN}', "\xff\xfe"]
)
def test_malformed_json_gets_400(public: Api, mini: MiniDistrict, body: str) -> None:
    errors = refused(public, body.encode("latin-1"), 400)
    assert list(errors) == ["__all__"]


def test_an_empty_object_names_the_missing_fields(public: Api, mini: MiniDistrict) -> None:
    assert refused(public, {}, 422) == {"description": ["This field is required."]}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"lon": "east", "lat": 27.8}, "lon", "Enter a number."),
        ({"crs": "mercator"}, "crs", "Choose one of: 'wgs84', 'gcj02' or 'bd09'."),
        ({"urgency": "asap"}, "urgency", "Choose one of: 'normal', 'urgent' or 'emergency'."),
        ({"description": 42}, "description", "Enter text."),
        ({"description": {"text": "x"}}, "description", "Enter text."),
        ({"long": 113.1}, "long", "Unknown field."),
        ({"photos": "abc"}, "photos", "Send the photos as a list of base64 strings."),
        ({"photos": ["not base64!"]}, "photos", "Photo 1 is not valid base64."),
        ({"photos": [b64(b"x")] * 10}, "photos", "At most 9 items."),
        ({"description": "x" * 10_000}, "description", "The description is longer than 4000 characters."),
        ({"description": "   "}, "description", "Describe the matter."),
        ({"category": "nope"}, "category", "Unknown category “nope”."),
        ({"reporter_phone": "12345"}, "reporter_phone", None),
        (
            {"reporter_phone": None},
            "reporter_phone",
            "Give your phone number: you follow the report with it.",
        ),
        ({"lon": 113.2, "lat": 27.9}, "location", "The place is not in this district."),
        ({"lon": 500, "lat": 27.9}, "location", None),
        ({"lon": None, "lat": None}, "location", "Give the place: a point on the map or an address."),
        ({"lon": 113.105, "lat": None}, "location", None),
    ],
)
def test_bad_fields_get_422_with_the_message_by_field(
    public: Api, mini: MiniDistrict, changes: dict[str, Any], field: str, message: str | None
) -> None:
    body = report(**changes)
    for name, value in changes.items():
        if value is None:
            body.pop(name, None)

    errors = refused(public, body, 422)

    assert field in errors, errors
    if message is not None:
        assert errors[field] == [message]


def test_an_executable_named_jpg_is_refused(public: Api, mini: MiniDistrict) -> None:
    program = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/jpeg")
    before = f.counts()

    response = public.multipart("/reports", {**report(), "photos": [program]})

    assert response.status_code == 422
    assert "The file is not a photo" in response.json()["errors"]["photos"][0]
    assert f.counts() == before


def test_an_unsupported_content_type_gets_415(public: Api, mini: MiniDistrict) -> None:
    errors = refused(public, "<report/>", 415, content_type="application/xml")
    assert errors == {"__all__": ["Send a JSON object or multipart/form-data."]}


def test_a_json_body_over_the_limit_gets_413(public: Api, mini: MiniDistrict, settings: Any) -> None:
    settings.GRIDGOV_API_MAX_JSON_BYTES = 1000
    errors = refused(public, report(photos=[b64(f.photo("JPEG", size=(300, 300)))]), 413)
    assert "multipart" in errors["__all__"][0]


def test_a_wrong_token_on_the_public_endpoint_gets_401_not_an_anonymous_report(
    public: Api, mini: MiniDistrict
) -> None:
    public.headers["Authorization"] = "Bearer gg_revoked-or-made-up"
    errors = refused(public, report(), 401)
    assert "Authorization" in errors["__all__"][0]


def test_errors_are_in_chinese_by_default_and_in_english_when_asked(
    client: Client, mini: MiniDistrict
) -> None:
    body = json.dumps({"lon": 113.105, "lat": 27.865, "description": " ", "reporter_phone": f.PHONE})

    chinese = client.post("/api/v1/reports", body, content_type="application/json")
    english = client.post(
        "/api/v1/reports", body, content_type="application/json", headers={"Accept-Language": "en"}
    )
    missing = client.post("/api/v1/reports", "{}", content_type="application/json")

    assert chinese.json() == {"errors": {"description": ["请描述问题。"]}}
    assert english.json() == {"errors": {"description": ["Describe the matter."]}}
    assert missing.json() == {"errors": {"description": ["这个字段是必填项。"]}}
    assert chinese["Content-Language"] == "zh-hans"


def test_anonymous_reports_meet_the_public_pages_limits(
    public: Api, as_user: Any, mini: MiniDistrict, settings: Any
) -> None:
    settings.GRIDGOV_REPORT_LIMIT_PHONE_HOUR = 2
    for _ in range(2):
        assert public.post("/reports", report()).status_code == 201

    refused = public.post("/reports", report(description="第三次"))

    assert refused.status_code == 429
    assert "reporter_phone" in refused.json()["errors"]
    assert not Case.objects.filter(description="第三次").exists()
    # A staff app files on purpose: a token is not limited.
    assert as_user(mini.dispatcher).post("/reports", report(description="第三次")).status_code == 201
