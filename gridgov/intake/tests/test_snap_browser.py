"""Headless Chromium on a phone (375×667): a resident searches "ld", picks 路灯, adds a photo, taps the map,
sends the report, reads the tracking number and follows it on /track/; a photo taken on the spot sets the pin;
a tap on Chinese (GCJ-02) tiles is kept in WGS-84; without the script the place is an address."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from PIL import Image

from gridgov.cases.models import Attachment, Case, Channel
from gridgov.cases.tests import factories as f
from gridgov.intake.tests.maps import pin_at, tap_on
from gridgov.testing import SIZE, SOUTH, WEST, MiniDistrict

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 375, "height": 667}
A1_GPS = {1: "N", 2: (27.0, 51.0, 54.0), 3: "E", 4: (113.0, 6.0, 18.0)}


@pytest.fixture
def district(
    transactional_db: None, mini: MiniDistrict, settings: Any, tmp_path: Path
) -> Iterator[MiniDistrict]:
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield mini
    cache.clear()


@pytest.fixture
def phone(chromium: Any, live_server: Any) -> Iterator[Any]:
    """Open a phone-sized page on the live server, in Chinese; fail on any script error."""
    context = chromium.new_context(
        base_url=live_server.url, viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"script errors in the page: {errors}"


def photo_file(tmp_path: Path, name: str, gps: dict[int, Any] | None = None) -> Path:
    path = tmp_path / name
    exif = Image.Exif()
    if gps:
        exif[0x8825] = gps
    Image.new("RGB", (320, 240), (190, 120, 40)).save(path, format="JPEG", exif=exif.tobytes())
    return path


def sideways_overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_a_resident_reports_a_street_light_from_the_phone_and_follows_it(
    phone: Any, district: MiniDistrict, tmp_path: Path, artifacts: Path
) -> None:
    phone.goto("/report/")
    phone.wait_for_selector("[data-place-picker][data-ready='4']")

    # Category by pinyin initials.
    phone.fill("[data-category-query]", "ld")
    suggestion = phone.locator("[data-suggestions] button", has_text="路灯异常").first
    suggestion.wait_for()
    assert phone.locator("[data-suggestions] button").first.get_attribute("data-code") == "01037"
    suggestion.click()
    assert phone.locator("[data-chosen-name]").inner_text() == "路灯异常"
    assert phone.locator("select[name=category]").input_value() == "01037"

    # A photo (no GPS in it), previewed.
    phone.locator("input[name=photos]").set_input_files(str(photo_file(tmp_path, "light.jpg")))
    phone.wait_for_selector("[data-previews] img")

    # The place: a tap on grid A1 of the map.
    grid_a1 = phone.locator(f"path.place-grid--{district.grid_a1.code}")
    grid_a1.click()
    phone.wait_for_selector("[data-snap-form][data-located='map']")
    lon = float(phone.locator("input[name=lon]").input_value())
    lat = float(phone.locator("input[name=lat]").input_value())
    assert 113.10 < lon < 113.11 and 27.86 < lat < 27.87

    phone.fill("textarea[name=description]", "小区门口的路灯不亮了，晚上很黑")
    phone.fill("input[name=reporter_phone]", f.PHONE)
    phone.fill("input[name=reporter_name]", "刘阿姨")
    assert sideways_overflow(phone) <= 0, "the report page is wider than the phone"
    phone.screenshot(path=artifacts / "snap-1-form.png", full_page=True)
    phone.click("[data-testid=snap-submit]")

    # The answer: the tracking number, big.
    phone.wait_for_selector("[data-testid=tracking-no]")
    case = Case.objects.get()
    assert phone.locator("[data-testid=tracking-no]").inner_text() == case.tracking_no
    assert (case.channel, case.grid, getattr(case.category, "code", None)) == (
        Channel.SNAP,
        district.grid_a1,
        "01037",
    )
    assert (round(case.lon or 0, 6), round(case.lat or 0, 6)) == (lon, lat)
    assert Attachment.objects.filter(case=case).count() == 1
    number_box = phone.locator("[data-testid=tracking-no]").bounding_box()
    assert number_box is not None and number_box["height"] >= 36, "the tracking number is not big"
    assert sideways_overflow(phone) <= 0, "the answer page is wider than the phone"
    phone.screenshot(path=artifacts / "snap-2-done.png", full_page=True)

    # Reloading the answer does not report again; the link leads to /track/ with the number filled in.
    phone.reload()
    assert Case.objects.count() == 1
    phone.click("[data-testid=track-link]")
    phone.wait_for_selector("[data-testid=track-form]")
    assert phone.locator("input[name=tracking_no]").input_value() == case.tracking_no
    phone.fill("input[name=last4]", f.PHONE[-4:])
    phone.click("[data-testid=track-form] button[type=submit]")
    phone.wait_for_selector("[data-testid=public-timeline]")
    assert case.tracking_no in phone.locator("main").inner_text()
    phone.screenshot(path=artifacts / "snap-3-track.png", full_page=True)


def test_a_photo_taken_on_the_spot_sets_the_pin(phone: Any, district: MiniDistrict, tmp_path: Path) -> None:
    phone.goto("/report/")
    phone.wait_for_selector("[data-place-picker][data-ready='4']")

    phone.locator("input[name=photos]").set_input_files(str(photo_file(tmp_path, "spot.jpg", A1_GPS)))

    phone.wait_for_selector("[data-snap-form][data-located='photo']")
    assert float(phone.locator("input[name=lon]").input_value()) == pytest.approx(113.105, abs=1e-6)
    assert float(phone.locator("input[name=lat]").input_value()) == pytest.approx(27.865, abs=1e-6)
    assert phone.locator("[data-place-picker]").get_attribute("data-pinned") == "1"


def test_the_phones_position_sets_the_pin_and_photos_can_be_added_one_by_one(
    chromium: Any, live_server: Any, district: MiniDistrict, tmp_path: Path
) -> None:
    context = chromium.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        locale="zh-CN",
        geolocation={"longitude": f.C1_POINT[0], "latitude": f.C1_POINT[1]},
        permissions=["geolocation"],
    )
    page = context.new_page()
    try:
        page.goto("/report/")
        page.click("[data-locate]")
        page.wait_for_selector("[data-snap-form][data-located='gps']")
        assert float(page.locator("input[name=lon]").input_value()) == pytest.approx(f.C1_POINT[0])

        files = page.locator("input[name=photos]")
        files.set_input_files(str(photo_file(tmp_path, "one.jpg")))
        files.set_input_files([str(photo_file(tmp_path, f"{n}.jpg")) for n in range(2, 11)])
        page.wait_for_function("document.querySelectorAll('[data-previews] li').length === 9")
        assert page.locator("[data-photo-note]").inner_text() != ""  # the tenth was left out, and said so
        page.locator("[data-previews] li button").first.click()
        page.wait_for_function("document.querySelector('input[name=photos]').files.length === 8")
    finally:
        context.close()


def test_a_tap_on_chinese_tiles_is_kept_in_wgs84_under_the_pin(
    phone: Any, district: MiniDistrict, gcj02_tiles: None
) -> None:
    phone.goto("/report/")
    phone.wait_for_selector("[data-place-picker][data-ready='4']")

    # The south-west quarter of grid A1 as drawn on the tiles: the shapes are shifted onto GCJ-02.
    tapped = tap_on(phone, f"path.place-grid--{district.grid_a1.code}", 0.25, 0.75)

    phone.wait_for_selector("[data-snap-form][data-located='map']")
    lon, lat = float(phone.input_value("input[name=lon]")), float(phone.input_value("input[name=lat]"))
    assert (lon, lat) == pytest.approx((WEST + SIZE / 4, SOUTH + SIZE / 4), abs=3e-4)  # shifted back
    assert pin_at(phone) == pytest.approx(tapped, abs=1.5)
    assert phone.locator("input[name=crs]").count() == 0


def test_without_javascript_the_place_is_an_address(
    chromium: Any, live_server: Any, district: MiniDistrict
) -> None:
    context = chromium.new_context(
        base_url=live_server.url, viewport=PHONE, locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto("/report/")

        assert page.locator("[data-place-picker]").is_hidden()
        assert page.locator("[data-locate]").is_hidden()
        assert page.locator("input[name=address]").is_visible()
    finally:
        context.close()
