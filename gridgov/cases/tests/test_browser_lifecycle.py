"""Headless Chromium walks one case through its life: report → dispatch → sign → handle → verify →
close → rate, each person on their own page (phones at 390 px), with a screenshot of every step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image

from gridgov.cases import actions
from gridgov.cases.models import Case, Channel, RoutingRule, Status
from gridgov.cases.routing import save_rule
from gridgov.cases.tests import factories as f
from gridgov.people.models import User
from gridgov.testing import PASSWORD, MiniDistrict

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def district(transactional_db: None, mini: MiniDistrict, settings: Any, tmp_path: Path) -> MiniDistrict:
    """The small district, a rule sending disputes to the city management bureau, photos in tmp."""
    settings.MEDIA_ROOT = tmp_path / "media"
    save_rule(RoutingRule(name="纠纷归城管", category=f.matter(f.DISPUTE), lead="dept:cgj"))
    return mini


@pytest.fixture
def browse(chromium: Any, live_server: Any) -> Iterator[Any]:
    """Open fresh browser contexts (one per person) on the live server; fail on any script error."""
    contexts: list[Any] = []
    errors: list[str] = []

    def open_page(viewport: dict[str, int] = DESKTOP, **options: Any) -> Any:
        context = chromium.new_context(base_url=live_server.url, viewport=viewport, locale="zh-CN", **options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"script errors in the pages: {errors}"


def log_in(page: Any, user: User) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_url(lambda url: urlsplit(url).path == "/")


def sideways_overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def png(tmp_path: Path) -> Path:
    path = tmp_path / "after.png"
    Image.new("RGB", (64, 48), (40, 160, 90)).save(path, format="PNG")
    return path


def open_move(scope: Any, move: str) -> Any:
    """Unfold a move's form and return it."""
    details = scope.locator(f"details[data-move='{move}']").first
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details.locator("form")


def test_a_report_goes_from_dispatch_to_a_rating(
    browse: Any, district: MiniDistrict, tmp_path: Path, artifacts: Path
) -> None:
    mini = district
    case = actions.report_case(
        Channel.SNAP,
        "楼下两户邻居因为停车位吵架，已经好几天了",
        lon=f.A1_POINT[0],
        lat=f.A1_POINT[1],
        category=f.DISPUTE,
        reporter_name="刘阿姨",
        reporter_phone=f.PHONE,
    )
    number = case.tracking_no

    # The dispatcher finds the report on top of the console, with its routing, and sends it on in one click.
    desk = browse()
    log_in(desk, mini.dispatcher)
    desk.click("[data-nav=dispatch]")
    desk.wait_for_selector("[data-pin-map][data-ready='1']")
    assert desk.locator("[data-queue-case]").first.get_attribute("data-queue-case") == number
    assert desk.locator("[data-testid=routed-lead]").inner_text() == "区城管局"
    desk.screenshot(path=artifacts / "lifecycle-1-console.png", full_page=True)
    open_move(desk, "accept_dispatch").locator("button[type=submit]").click()
    desk.wait_for_selector("[data-testid=queue-empty]")
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED

    # The department's handler signs for it and reports it done with a photo, on a phone.
    handler = browse(PHONE)
    log_in(handler, mini.handler)
    handler.goto("/cases/inbox/")
    entry = handler.locator(f"[data-inbox-case='{number}']")
    open_move(entry, "sign").locator("button[type=submit]").click()
    handler.wait_for_selector(f"[data-inbox-case='{number}'] details[data-move='report_done']")
    assert sideways_overflow(handler) <= 0, "the inbox is wider than the phone"
    form = open_move(handler.locator(f"[data-inbox-case='{number}']"), "report_done")
    form.locator("input[name=photos]").set_input_files(str(png(tmp_path)))
    form.locator("input[name=outcome_quantity]").fill("1")
    form.locator("textarea[name=note]").fill("已上门调解，双方达成协议")
    handler.screenshot(path=artifacts / "lifecycle-2-inbox-phone.png", full_page=True)
    form.locator("button[type=submit]").click()
    handler.wait_for_selector("[data-testid=inbox-empty]")
    assert Case.objects.get(pk=case.pk).status == Status.HANDLED

    # The grid worker checks the work on the spot and closes the case, on a phone.
    worker = browse(PHONE)
    log_in(worker, mini.worker_a)
    worker.click("[data-testid=grid-case-links] a[href='/cases/grid/']")
    worker.wait_for_url(lambda url: urlsplit(url).path == "/cases/grid/")
    item = worker.locator(f"[data-section=verify] [data-grid-case='{number}']")
    item.wait_for()  # (measured before the page is there, the width is the old page's, or none)
    assert sideways_overflow(worker) <= 0, "the grid page is wider than the phone"
    open_move(item, "verify_pass").locator("textarea[name=note]").fill("现场核实，已解决")
    worker.screenshot(path=artifacts / "lifecycle-3-grid-phone.png", full_page=True)
    open_move(item, "verify_pass").locator("button[type=submit]").click()
    worker.wait_for_selector(f"[data-section=closed] >> text={number}")
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    worker.goto(f"/cases/{number}/")
    worker.wait_for_selector("[data-pin-map][data-ready='1']")
    assert sideways_overflow(worker) <= 0, "the case page is wider than the phone"

    # The case page shows the whole timeline with the handler's photo.
    desk.goto(f"/cases/{number}/")
    desk.wait_for_selector("[data-pin-map][data-ready='1']")
    moves = desk.locator("[data-testid=timeline] li").evaluate_all("rows => rows.map(r => r.dataset.move)")
    assert moves == ["report", "accept", "dispatch", "sign", "report_done", "verify_pass"]
    photo = desk.locator("[data-testid=timeline] .photos img").first
    photo.scroll_into_view_if_needed()
    desk.wait_for_function("img => img.complete && img.naturalWidth === 64", arg=photo.element_handle())
    desk.screenshot(path=artifacts / "lifecycle-4-case.png", full_page=True)

    # The reporter follows the case without logging in and rates the result.
    reporter = browse(PHONE)
    reporter.goto("/track/")
    reporter.fill("input[name=tracking_no]", number)
    reporter.fill("input[name=last4]", f.PHONE[-4:])
    reporter.click("[data-testid=track-form] button[type=submit]")
    reporter.wait_for_selector("[data-testid=rate-form]")
    assert "钱处置" not in reporter.content() and "区城管局" not in reporter.content()
    reporter.check("input[name=rating][value=satisfied]")
    reporter.fill("textarea[name=comment]", "处理得很及时")
    reporter.click("[data-testid=rate-form] button[type=submit]")
    reporter.wait_for_selector("[data-testid=public-timeline] >> text=满意")
    assert sideways_overflow(reporter) <= 0, "the tracking page is wider than the phone"
    reporter.screenshot(path=artifacts / "lifecycle-5-track-phone.png", full_page=True)
    assert Case.objects.get(pk=case.pk).rating == "satisfied"


def test_a_grid_worker_reports_a_matter_from_the_phones_position(
    browse: Any, district: MiniDistrict, tmp_path: Path, artifacts: Path
) -> None:
    lon, lat = f.A1_POINT
    worker = browse(PHONE, geolocation={"longitude": lon, "latitude": lat}, permissions=["geolocation"])
    log_in(worker, district.worker_a)
    worker.goto("/cases/grid/")

    worker.click("[data-testid=report] > summary")
    worker.fill("textarea[name=description]", "路边有一堆建筑垃圾没人清理")
    worker.select_option("select[name=category]", label=f"{f.GARBAGE} 暴露垃圾")
    worker.locator("input[name=photos]").set_input_files(str(png(tmp_path)))
    worker.click("[data-locate]")
    worker.wait_for_selector("[data-report-form][data-located='1']")
    assert sideways_overflow(worker) <= 0, "the report form is wider than the phone"
    worker.screenshot(path=artifacts / "grid-report-phone.png", full_page=True)
    worker.click("[data-report-form] button[type=submit]")
    worker.wait_for_selector("main[data-case]")

    case = Case.objects.get()
    assert (case.grid, case.channel, case.reported_by) == (
        district.grid_a1,
        Channel.PATROL,
        district.worker_a,
    )
    assert worker.locator("main").get_attribute("data-case") == case.tracking_no
    assert abs(case.lon - lon) < 1e-5 and abs(case.lat - lat) < 1e-5


def test_a_phone_without_geolocation_shows_no_position_button(browse: Any, district: MiniDistrict) -> None:
    worker = browse(PHONE)
    worker.context.add_init_script("delete Navigator.prototype.geolocation;")
    log_in(worker, district.worker_a)
    worker.goto("/cases/grid/")
    worker.click("[data-testid=report] > summary")

    # The script hides the button; the stylesheet keeps it hidden although it is styled as a button.
    assert worker.locator("[data-locate]").get_attribute("hidden") is not None
    assert not worker.locator("[data-locate]").is_visible()
    assert worker.locator("textarea[name=description]").is_visible()
