"""Headless Chromium on a desktop: the clerk takes a 12345 transfer, sees the duplicate, reports anyway and dispatches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from gridgov.cases.models import Case, Channel, RoutingRule, Status
from gridgov.cases.routing import save_rule
from gridgov.cases.tests import factories as f
from gridgov.testing import PASSWORD, MiniDistrict

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def district(transactional_db: None, mini: MiniDistrict, settings: Any, tmp_path: Path) -> MiniDistrict:
    """The small district with a rule sending disputes to the city management bureau."""
    settings.MEDIA_ROOT = tmp_path / "media"
    save_rule(RoutingRule(name="纠纷归城管", category=f.matter(f.DISPUTE), lead="dept:cgj"))
    return mini


@pytest.fixture
def desk(chromium: Any, live_server: Any) -> Iterator[Any]:
    context = chromium.new_context(base_url=live_server.url, viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"script errors in the page: {errors}"


def test_the_clerk_takes_a_transferred_call_and_dispatches_it(
    desk: Any, district: MiniDistrict, artifacts: Path
) -> None:
    earlier = f.report()  # the same dispute, reported by a resident this morning
    desk.goto("/login/")
    desk.fill("input[name=username]", district.dispatcher.username)
    desk.fill("input[name=password]", PASSWORD)
    desk.click("form[action='/login/'] button[type=submit]")
    desk.wait_for_url(lambda url: urlsplit(url).path == "/")
    desk.click("[data-nav=hotline]")

    desk.fill("input[name=caller_name]", "刘阿姨")
    desk.fill("input[name=caller_phone]", f.PHONE)
    desk.fill("input[name=transfer_no]", "ZZ12345-0618-0042")
    desk.check("input[name=callback]")
    desk.fill("[data-category-search]", "邻里")
    desk.click(f"[data-category-results] button[data-code='{f.DISPUTE}']")
    desk.fill("textarea[name=description]", "楼下两户邻居因为停车位吵架，已经好几天了")
    desk.fill("input[name=address]", "清水塘社区")
    # A pin south-west of the map's centre, the shared corner of the four grids, falls in A1.
    picker = desk.locator("[data-place-picker][data-ready='4']")
    box = picker.bounding_box()
    picker.click(position={"x": box["width"] / 2 - 40, "y": box["height"] / 2 + 40})
    lon, lat = float(desk.input_value("input[name=lon]")), float(desk.input_value("input[name=lat]"))
    assert 113.10 < lon < 113.11 and 27.86 < lat < 27.87, (lon, lat)
    # The live check shows the resident's report before anything is saved.
    desk.wait_for_selector(f"#hotline-duplicates [data-duplicate='{earlier.tracking_no}']")
    desk.check("input[name=dispatch_now]")
    desk.screenshot(path=artifacts / "hotline-1-form.png", full_page=True)

    desk.click("[data-testid=report]")
    desk.wait_for_selector("[data-testid=duplicates-warning]")
    assert Case.objects.count() == 1
    desk.screenshot(path=artifacts / "hotline-2-duplicates.png", full_page=True)
    desk.click("[data-testid=report]")  # 仍然上报: the duplicate is merged later in the normal flow
    desk.wait_for_selector("[data-testid=done]")

    case = Case.objects.exclude(pk=earlier.pk).get()
    assert desk.inner_text("[data-testid=done-number]") == case.tracking_no
    assert desk.inner_text("[data-testid=done-lead]") == "区城管局"
    assert (case.channel, case.status, case.lead_department) == (
        Channel.HOTLINE,
        Status.DISPATCHED,
        district.department,
    )
    assert (case.grid, case.reporter_name, case.reporter_phone_last4) == (district.grid_a1, "刘阿姨", "2345")
    assert "ZZ12345-0618-0042" in case.description
    desk.screenshot(path=artifacts / "hotline-3-done.png", full_page=True)
