"""The snap-and-report page: a resident reports without logging in, gets the tracking number, and bad input
gets a clear error with nothing written (no case, no file in storage) and never a 500."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pillow_heif
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from gridgov.cases.evidence import MAX_BYTES, photo_position
from gridgov.cases.models import Attachment, Case, Channel, Status, Transition
from gridgov.cases.tests import factories as f
from gridgov.lib.address import building_key
from gridgov.territory.models import Building
from gridgov.testing import MiniDistrict

REPORT = "/report/"
STREET_LIGHT = "01037"  # 路灯异常
# 27°51'54" N, 113°6'18" E: grid A1 of the test district.
A1_GPS = {1: "N", 2: (27.0, 51.0, 54.0), 3: "E", 4: (113.0, 6.0, 18.0)}
OUTSIDE_GPS = {1: "N", 2: (28.0, 0.0, 0.0), 3: "E", 4: (113.0, 30.0, 0.0)}


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Photos in a fresh folder, and a cache without other tests' rate-limit counters."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield settings.MEDIA_ROOT
    cache.clear()


def english_client(**defaults: Any) -> Client:
    client = Client(**defaults)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def resident() -> Client:
    return english_client()


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def gps_exif(gps: dict[int, Any]) -> bytes:
    exif = Image.Exif()
    exif[0x8825] = gps
    return exif.tobytes()


def jpeg(name: str = "photo.jpg", gps: dict[int, Any] | None = None, size: tuple[int, int] = (40, 30)) -> Any:
    return SimpleUploadedFile(name, f.photo("JPEG", size, exif=gps_exif(gps) if gps else None), "image/jpeg")


def heic(name: str = "IMG_0001.HEIC") -> Any:
    out = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (48, 36), (20, 90, 160))).save(out, quality=70)
    return SimpleUploadedFile(name, out.getvalue(), "image/heic")


def form(**changes: Any) -> dict[str, Any]:
    """Return a complete report at a point in grid A1; `changes` replace or (with None) drop fields."""
    data: dict[str, Any] = {
        "lon": "113.105",
        "lat": "27.865",
        "address": "",
        "category": STREET_LIGHT,
        "description": "小区门口的路灯不亮了，晚上很黑",
        "reporter_phone": f.PHONE,
        "reporter_name": "刘阿姨",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def building_in_c1(mini: MiniDistrict) -> Building:
    return Building.objects.create(
        code="DS-2",
        community=mini.grid_c1.community,
        grid=mini.grid_c1,
        name="丁山新村2栋",
        address="丁山新村2栋",
        address_key=building_key("丁山新村2栋"),
        lon=f.C1_POINT[0],
        lat=f.C1_POINT[1],
    )


# --- the page and a report ------------------------------------------------------------------------


def test_the_page_opens_without_login_and_works_as_a_plain_form(resident: Client, mini: MiniDistrict) -> None:
    response = resident.get(REPORT)

    assert response.status_code == 200
    html = response.text
    assert 'enctype="multipart/form-data"' in html and "csrfmiddlewaretoken" in html
    assert 'name="photos"' in html and "multiple" in html and ".heic" in html
    # Without JavaScript: the category is a <select> grouped by class, the place an address.
    assert (
        '<optgroup label="市政公用设施类">' in html
        and f'<option value="{STREET_LIGHT}">路灯异常</option>' in html
    )
    assert 'name="address"' in html
    assert "data-place-picker" in html and "/report/area.geojson" in html


def test_a_resident_reports_with_photos_and_a_point_and_gets_the_tracking_number(
    resident: Client, mini: MiniDistrict, media: Path
) -> None:
    response = resident.post(REPORT, form(photos=[jpeg(), heic()]))

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/report/done/{case.tracking_no}/"
    assert (case.channel, case.status, case.grid, getattr(case.category, "code", None)) == (
        Channel.SNAP,
        Status.REPORTED,
        mini.grid_a1,
        STREET_LIGHT,
    )
    assert (case.reporter_name, case.reporter_phone_last4, case.reported_by) == ("刘阿姨", "2345", None)
    assert (case.lon, case.lat) == (113.105, 27.865)
    photos = Attachment.objects.filter(case=case, kind=Attachment.Kind.REPORT)
    assert sorted(photo.content_type for photo in photos) == ["image/jpeg", "image/jpeg"]
    assert len(stored_files(media)) == 2
    assert Transition.objects.get(case=case).move == "report"

    answer = resident.get(response["Location"])
    assert answer.status_code == 200
    assert f'data-testid="tracking-no">{case.tracking_no}<' in answer.text
    assert f'href="/track/?no={case.tracking_no}"' in answer.text
    assert "ending in 2345" in answer.text


def test_reloading_the_answer_page_does_not_report_again(resident: Client, mini: MiniDistrict) -> None:
    response = resident.post(REPORT, form(), follow=True)
    response = resident.get(response.redirect_chain[-1][0])
    response = resident.get(response.request["PATH_INFO"])

    assert response.status_code == 200
    assert Case.objects.count() == 1


def test_the_answer_page_opens_only_in_the_browser_that_reported(
    resident: Client, mini: MiniDistrict
) -> None:
    location = resident.post(REPORT, form())["Location"]

    stranger = english_client().get(location)

    assert stranger.status_code == 302 and stranger["Location"] == REPORT


def test_the_reporter_follows_the_case_with_the_phones_last_four_digits(
    resident: Client, mini: MiniDistrict
) -> None:
    resident.post(REPORT, form())
    case = Case.objects.get()

    response = resident.post("/track/", {"tracking_no": case.tracking_no, "last4": "2345"}, follow=True)

    assert response.redirect_chain[-1][0] == f"/track/{case.tracking_no}/"
    assert 'data-testid="public-timeline"' in response.text


def test_without_a_place_the_first_photos_gps_places_the_report(
    resident: Client, mini: MiniDistrict, media: Path
) -> None:
    response = resident.post(REPORT, form(lon=None, lat=None, photos=[jpeg(gps=A1_GPS), jpeg("2.jpg")]))

    assert response.status_code == 302
    case = Case.objects.get()
    assert case.grid == mini.grid_a1
    assert case.lon == pytest.approx(113.105) and case.lat == pytest.approx(27.865)
    # The position served once, before the EXIF was dropped: the stored photos carry none.
    assert all(photo_position(path.read_bytes()) is None for path in stored_files(media))


def test_a_typed_address_places_the_report_rather_than_the_photo(
    resident: Client, mini: MiniDistrict
) -> None:
    building_in_c1(mini)

    response = resident.post(
        REPORT, form(lon=None, lat=None, address="丁山新村2栋 3单元", photos=[jpeg(gps=A1_GPS)])
    )

    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.grid, case.address) == (mini.grid_c1, "丁山新村2栋 3单元")


def test_without_a_category_the_description_chooses_one(resident: Client, mini: MiniDistrict) -> None:
    resident.post(REPORT, form(category="", description="我们楼下的路灯不亮，已经一个星期了"))

    assert getattr(Case.objects.get().category, "code", None) == STREET_LIGHT


def test_a_signed_in_staff_member_may_report_without_a_phone(mini: MiniDistrict) -> None:
    client = english_client()
    client.force_login(mini.worker_a)

    response = client.post(REPORT, form(reporter_phone="", reporter_name=""))

    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.reported_by, case.reporter_phone_hash) == (mini.worker_a, "")


def test_html_and_script_are_stored_as_text(resident: Client, mini: MiniDistrict) -> None:
    text = '<script>alert("x")</script><b>路灯</b> 不亮'

    resident.post(REPORT, form(description=text, reporter_name="<i>刘</i>"))

    case = Case.objects.get()
    assert (case.description, case.reporter_name) == (text, "<i>刘</i>")


def test_html_and_script_come_back_escaped_when_the_form_is_refused(
    resident: Client, mini: MiniDistrict
) -> None:
    response = resident.post(REPORT, form(description='<script>alert("x")</script>', reporter_phone=""))

    assert response.status_code == 400
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in response.text


# --- bad input: a clear error, nothing written -------------------------------------------------------


def not_a_photo() -> Any:
    return SimpleUploadedFile("photo.jpg", b"MZ\x90\x00\x03" + b"\x00" * 300, "image/jpeg")


def too_large() -> Any:
    return SimpleUploadedFile("big.jpg", f.photo() + b"\x00" * MAX_BYTES, "image/jpeg")


def broken_heic() -> Any:
    whole = heic().read()
    return SimpleUploadedFile("IMG_0002.HEIC", whole[: len(whole) // 2], "image/heic")


BAD_INPUT = {
    "ten photos": (lambda: form(photos=[jpeg(f"{n}.jpg") for n in range(10)]), "at most 9 photos"),
    "an executable named .jpg": (
        lambda: form(photos=[jpeg(), not_a_photo()]),
        "photo.jpg: The file is not a photo",
    ),
    "a photo over 10 MB": (lambda: form(photos=[too_large()]), "larger than 10 MB"),
    "a HEIC that does not decode": (
        lambda: form(photos=[broken_heic()]),
        "IMG_0002.HEIC: The file is not a photo",
    ),
    "a longitude out of range": (lambda: form(lon="200", lat="27.865"), "The position is not valid"),
    "a latitude that is not a number": (lambda: form(lat="NaN"), "The position is not valid"),
    "a point outside the district": (lambda: form(lon="113.2", lat="27.9"), "not in this district"),
    "half a point": (lambda: form(lat=None), "The position is incomplete"),
    "no place at all": (lambda: form(lon=None, lat=None, photos=[jpeg()]), "Give the place"),
    "an address of no building": (lambda: form(lon=None, lat=None, address="火星路1号"), "names no building"),
    "a photo taken outside the district": (
        lambda: form(lon=None, lat=None, photos=[jpeg(gps=OUTSIDE_GPS)]),
        "The photo was taken outside this district",
    ),
    "a 10,000-character description": (lambda: form(description="路灯" * 5000), "at most 4000 characters"),
    "no description": (lambda: form(description="  "), "This field is required"),
    "a NUL character in the text": (
        lambda: form(description="路灯\x00不亮"),
        "Null characters are not allowed",
    ),
    "over a hundred files in one request": (
        lambda: form(photos=[SimpleUploadedFile(f"{n}.jpg", b"x") for n in range(101)]),
        "Bad Request",
    ),
    "an anonymous report without a phone": (lambda: form(reporter_phone=""), "anonymous reports need one"),
    "a phone number that is none": (lambda: form(reporter_phone="12345"), "A mobile number has 11 digits"),
    "an unknown category": (lambda: form(category="99999"), "Select a valid choice"),
    "a name of 51 characters": (lambda: form(reporter_name="张" * 51), "at most 50 characters"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_is_explained_and_writes_nothing(
    case: str, resident: Client, mini: MiniDistrict, media: Path
) -> None:
    make, message = BAD_INPUT[case]

    response = resident.post(REPORT, make())

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0
    assert stored_files(media) == []


def test_a_refused_form_keeps_what_was_typed(resident: Client, mini: MiniDistrict) -> None:
    response = resident.post(REPORT, form(reporter_phone="12345", address="丁山新村2栋", photos=[jpeg()]))

    html = response.content.decode()
    assert "小区门口的路灯不亮了，晚上很黑</textarea>" in html
    assert 'value="12345"' in html and 'value="丁山新村2栋"' in html and 'value="刘阿姨"' in html
    assert f'<option value="{STREET_LIGHT}" selected>' in html
    # A browser cannot keep chosen files: the page says so.
    assert "choose the photos again" in html


def test_other_methods_are_refused(resident: Client, db: None) -> None:
    assert resident.put(REPORT).status_code == 405
    assert resident.post("/report/done/SF20260101-0001/").status_code == 405


def test_the_map_gets_the_active_boundaries_without_links(resident: Client, mini: MiniDistrict) -> None:
    response = resident.get("/report/area.geojson")

    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    features = response.json()["features"]
    assert sorted(feature["properties"]["name"] for feature in features) == [
        "A1网格",
        "A2网格",
        "B1网格",
        "C1网格",
    ]
    assert all("url" not in feature["properties"] for feature in features)
