"""Headless Chromium on a phone (375×667): the grid worker reports a matter fixed on the spot from the patrol page,
moves the pin on the map, and still has the address when the position or the script is missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image

from gridgov.cases.models import Attachment, Case, Channel, Status
from gridgov.cases.tests import factories as f
from gridgov.intake.tests.maps import pin_at, tap_on
from gridgov.lib.coords import to_wgs84
from gridgov.people.models import User
from gridgov.testing import PASSWORD, SIZE, SOUTH, WEST, MiniDistrict

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 375, "height": 667}


@pytest.fixture
def district(transactional_db: None, mini: MiniDistrict, settings: Any, tmp_path: Path) -> MiniDistrict:
    settings.MEDIA_ROOT = tmp_path / "media"
    return mini


@pytest.fixture
def phone(chromium: Any, live_server: Any) -> Iterator[Any]:
    """A phone standing in grid A1 that lets the page read its position; fail on any script error."""
    lon, lat = f.A1_POINT
    context = chromium.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        locale="zh-CN",
        geolocation={"longitude": lon, "latitude": lat, "accuracy": 12},
        permissions=["geolocation"],
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"script errors in the page: {errors}"


def log_in(page: Any, user: User) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_url(lambda url: urlsplit(url).path == "/")


def picture(path: Path, colour: tuple[int, int, int]) -> str:
    Image.new("RGB", (64, 48), colour).save(path, format="JPEG")
    return str(path)


def sideways_overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_the_grid_worker_fixes_a_matter_on_the_spot_from_the_phone(
    phone: Any, district: MiniDistrict, tmp_path: Path, artifacts: Path
) -> None:
    log_in(phone, district.worker_a)
    phone.click("[data-nav=patrol]")
    # The page asks for the position by itself and keeps it in the hidden WGS-84 fields.
    phone.wait_for_selector("[data-testid=patrol-form][data-located='gps']")
    assert phone.input_value("input[name=lon]") == f"{f.A1_POINT[0]:.6f}"
    assert phone.input_value("input[name=lat]") == f"{f.A1_POINT[1]:.6f}"
    assert phone.input_value("input[name=crs]") == "wgs84"

    phone.set_input_files("input[name=photos]", picture(tmp_path / "before.jpg", (120, 90, 60)))
    phone.fill("[data-category-search]", "暴露垃圾")
    phone.click(f"[data-category-results] button[data-code='{f.GARBAGE}']")
    assert phone.input_value("select[name=category]") == f.GARBAGE
    phone.fill("textarea[name=description]", "绿化带里有一堆暴露垃圾")
    phone.set_input_files("input[name=after_photos]", picture(tmp_path / "after.jpg", (40, 160, 90)))
    phone.fill("textarea[name=result]", "已清理干净")
    phone.wait_for_selector(".thumbs img")
    assert sideways_overflow(phone) <= 0, "the patrol form is wider than the phone"
    phone.screenshot(path=artifacts / "patrol-1-form-phone.png", full_page=True)

    phone.click("[data-testid=fixed]")
    phone.wait_for_selector("[data-testid=done]")

    case = Case.objects.get()
    assert phone.inner_text("[data-testid=done-number]") == case.tracking_no
    assert phone.inner_text("[data-testid=done-status]") == "已结案"
    assert phone.locator(f"[data-today-case='{case.tracking_no}']").count() == 1
    assert (case.status, case.channel, case.grid) == (Status.CLOSED, Channel.PATROL, district.grid_a1)
    assert sorted(case.attachments.values_list("kind", flat=True)) == [
        Attachment.Kind.AFTER,
        Attachment.Kind.BEFORE,
    ]
    assert list(case.transitions.order_by("seq").values_list("move", flat=True)) == [
        "report",
        "take_in_grid",
        "solve_in_grid",
    ]
    assert sideways_overflow(phone) <= 0, "the confirmation is wider than the phone"
    phone.screenshot(path=artifacts / "patrol-2-done-phone.png", full_page=True)

    phone.click("[data-testid=done-link]")
    phone.wait_for_selector(f"main[data-case='{case.tracking_no}'][data-status='closed']")


def test_the_grid_worker_moves_the_pin_on_chinese_tiles_and_the_report_lands_where_the_pin_is(
    phone: Any, district: MiniDistrict, gcj02_tiles: None
) -> None:
    log_in(phone, district.worker_a)
    phone.goto("/patrol/")
    phone.wait_for_selector("[data-testid=patrol-form][data-located='gps']")
    phone.click("[data-place-map] summary")
    picker = phone.locator("[data-place-picker][data-ready='1'][data-pinned='1']")  # the phone's position
    picker.wait_for()

    # A tap in the south-west quarter of grid A1 as drawn on the GCJ-02 tiles.
    tapped = tap_on(phone, f"path.place-grid--{district.grid_a1.code}", 0.25, 0.75)
    phone.wait_for_selector("[data-testid=patrol-form][data-located='map']")
    lon_text, lat_text = phone.input_value("input[name=lon]"), phone.input_value("input[name=lat]")
    # The fields keep the tiles' coordinates and say so; the server shifts them back.
    assert phone.input_value("input[name=crs]") == "gcj02"
    wgs84 = to_wgs84(float(lon_text), float(lat_text), "gcj02")
    assert wgs84 == pytest.approx((WEST + SIZE / 4, SOUTH + SIZE / 4), abs=3e-4)
    assert pin_at(phone) == pytest.approx(tapped, abs=1.5)
    said = f"{picker.get_attribute('data-pin-label')} {lon_text}, {lat_text}"
    assert (phone.inner_text("[data-pin-output]"), phone.inner_text("output[data-located]")) == (said, said)

    phone.select_option("select[name=category]", f.GARBAGE)
    phone.fill("textarea[name=description]", "路边有一堆建筑垃圾")
    phone.click("[data-testid=report]")
    phone.wait_for_selector("[data-testid=done]")
    case = Case.objects.get()
    assert case.grid == district.grid_a1
    assert (case.lon, case.lat) == pytest.approx(wgs84, abs=1e-6)


def test_when_the_position_is_refused_the_map_opens_and_a_tap_sets_the_place(
    chromium: Any, live_server: Any, district: MiniDistrict
) -> None:
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE, locale="zh-CN")  # no permission
    page = context.new_page()
    try:
        log_in(page, district.worker_a)
        page.goto("/patrol/")
        failed = page.get_attribute("[data-locate]", "data-failed")
        page.wait_for_function(
            "text => document.querySelector('output[data-located]').textContent === text", arg=failed
        )
        page.wait_for_selector("details[data-place-map][open] [data-place-picker][data-ready='1']")
        assert page.input_value("input[name=lon]") == ""

        tap_on(page, f"path.place-grid--{district.grid_a1.code}", 0.75, 0.25)
        page.wait_for_selector("[data-testid=patrol-form][data-located='map']")
        lon, lat = float(page.input_value("input[name=lon]")), float(page.input_value("input[name=lat]"))
        assert page.input_value("input[name=crs]") == "wgs84"  # no tiles: the map is drawn in WGS-84
        assert (lon, lat) == pytest.approx((WEST + SIZE * 3 / 4, SOUTH + SIZE * 3 / 4), abs=3e-4)
    finally:
        context.close()


def test_without_javascript_the_place_is_an_address(
    chromium: Any, live_server: Any, district: MiniDistrict
) -> None:
    context = chromium.new_context(
        base_url=live_server.url, viewport=PHONE, locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    try:
        log_in(page, district.worker_a)
        page.goto("/patrol/")

        # No button or map that would do nothing; the address field is there.
        assert page.locator("[data-locate]").is_hidden()
        assert page.locator("[data-place-map]").is_hidden()
        assert page.locator("input[name=address]").is_visible()
    finally:
        context.close()
