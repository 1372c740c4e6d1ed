"""Headless Chromium against the live server: each demo persona logs in and sees their home page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from gridgov.lib.coords import from_wgs84
from gridgov.people.models import Role

# Serialized rollback: the flush after a transactional test would otherwise drop the data the
# migrations load (categories, time limits, calendar) for the tests that follow in this process.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}

# The home page each role lands on (see `people.policy.home_kind`).
HOME_OF_ROLE = {
    Role.DISPATCHER: "dispatch",
    Role.DEPARTMENT_HANDLER: "department",
    Role.LEADER: "leader",
    Role.FUND_OFFICER: "fund",
    Role.ADMIN: "admin",
}


@dataclass(frozen=True)
class Persona:
    username: str
    password: str
    role: str

    @property
    def home(self) -> str:
        return HOME_OF_ROLE.get(Role(self.role), "grid")


@pytest.fixture
def personas(transactional_db: None) -> list[Persona]:
    """Build a small demo district and return its demo accounts."""
    from gridgov.territory.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, build

    build(seed=1, grids=12, residents=600)
    return [Persona(account.username, DEMO_PASSWORD, account.role) for account in DEMO_ACCOUNTS]


@pytest.fixture
def page(chromium: Any, live_server: Any) -> Iterator[Any]:
    """Open a fresh browser context (no cookies) on the live server; fail on any script error."""
    context = chromium.new_context(base_url=live_server.url, viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"script errors in the page: {errors}"


def log_in(page: Any, persona: Persona) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", persona.username)
    page.fill("input[name=password]", persona.password)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_url(lambda url: urlsplit(url).path == "/")


def sideways_overflow(page: Any) -> int:
    """Return by how many pixels the page is wider than the window."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def log_out(page: Any) -> None:
    page.click("form[action='/logout/'] button")
    page.wait_for_url(lambda url: urlsplit(url).path == "/login/")


def test_every_demo_persona_logs_in_and_sees_their_home_page(
    page: Any, personas: list[Persona], artifacts: Path
) -> None:
    assert {persona.role for persona in personas} == set(Role.values)
    for persona in personas:
        log_in(page, persona)

        main = page.locator(f"main[data-home='{persona.home}']")
        assert main.count() == 1, f"{persona.username} did not land on the {persona.home} page"
        assert page.locator("h1").first.is_visible()
        assert page.locator("[data-testid=user-name]").inner_text()
        page.screenshot(path=artifacts / f"home-{persona.role}.png", full_page=True)
        log_out(page)


def test_the_grid_workers_home_draws_the_grid_map(page: Any, personas: list[Persona]) -> None:
    log_in(page, next(p for p in personas if p.role == Role.GRID_WORKER))

    page.wait_for_selector("[data-map][data-ready='1']")
    assert page.locator(".leaflet-interactive").count() == 1  # the grid's polygon
    assert page.locator("[data-grid]").count() == 1


def test_the_map_shifts_shapes_for_gcj02_tiles_as_the_python_library_does(
    page: Any, personas: list[Persona]
) -> None:
    log_in(page, next(p for p in personas if p.role == Role.GRID_WORKER))

    for lon, lat in [(113.1, 27.87), (116.397, 39.909), (2.35, 48.85)]:
        shifted = page.evaluate(f"window.gridgovMap.wgs84ToGcj02({lon}, {lat})")
        assert shifted == pytest.approx(list(from_wgs84(lon, lat, "gcj02")), abs=1e-9)


def test_the_grid_workers_home_fits_a_phone_without_sideways_scrolling(
    page: Any, personas: list[Persona], artifacts: Path
) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, next(p for p in personas if p.role == Role.GRID_WORKER))
    page.wait_for_selector("[data-map][data-ready]")

    page.screenshot(path=artifacts / "home-grid_worker-phone.png", full_page=True)
    assert sideways_overflow(page) <= 0, "the home page is wider than the phone"

    page.click("[data-grid] h2 a")  # the grid page, with its buildings table
    page.wait_for_selector("[data-map][data-ready]")
    page.screenshot(path=artifacts / "grid-phone.png", full_page=True)
    assert sideways_overflow(page) <= 0, "the grid page is wider than the phone"


def test_the_language_switch_turns_the_page_into_english(
    page: Any, personas: list[Persona], artifacts: Path
) -> None:
    log_in(page, next(p for p in personas if p.role == Role.GRID_WORKER))
    assert page.get_attribute("html", "lang") == "zh-hans"

    page.click("form.lang button[value=en]")
    page.wait_for_load_state()

    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1").first.inner_text() == "My grid"
    assert page.locator("[data-nav=grid_team]").inner_text() == "Grid team"
    assert page.locator("form[action='/logout/'] button").inner_text() == "Log out"
    page.screenshot(path=artifacts / "home-grid_worker-en.png", full_page=True)


def test_the_dispatcher_reaches_a_grid_through_the_area_pages_and_the_map(
    page: Any, personas: list[Persona], artifacts: Path
) -> None:
    log_in(page, next(p for p in personas if p.role == Role.DISPATCHER))

    page.click("main table a >> nth=0")  # the first street
    page.click("main table a >> nth=0")  # its first community
    page.wait_for_selector("[data-map][data-ready]")
    page.click("main table a >> nth=0")  # its first grid
    assert page.locator("#buildings").is_visible()

    page.goto("/territory/map/")
    page.wait_for_selector("[data-map][data-ready='12']")
    page.screenshot(path=artifacts / "map-dispatcher.png")
