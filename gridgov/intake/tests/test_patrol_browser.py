"""Headless Chromium on a phone (375×667): the grid worker reports a matter fixed on the spot from the patrol page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image

from gridgov.cases.models import Attachment, Case, Channel, Status
from gridgov.cases.tests import factories as f
from gridgov.testing import PASSWORD, MiniDistrict

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


def picture(path: Path, colour: tuple[int, int, int]) -> str:
    Image.new("RGB", (64, 48), colour).save(path, format="JPEG")
    return str(path)


def sideways_overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_the_grid_worker_fixes_a_matter_on_the_spot_from_the_phone(
    phone: Any, district: MiniDistrict, tmp_path: Path, artifacts: Path
) -> None:
    phone.goto("/login/")
    phone.fill("input[name=username]", district.worker_a.username)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("form[action='/login/'] button[type=submit]")
    phone.wait_for_url(lambda url: urlsplit(url).path == "/")

    phone.click("[data-nav=patrol]")
    # The page asks for the position by itself and keeps it in the hidden WGS-84 fields.
    phone.wait_for_selector("[data-testid=patrol-form][data-located='1']")
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
