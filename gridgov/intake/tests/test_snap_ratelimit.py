"""Rate limits: per phone and per address counted in the cases table, per network in the cache; /track/ too."""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, RequestFactory

import gridgov.settings
from gridgov.cases.models import Case
from gridgov.cases.tests import factories as f
from gridgov.intake import ratelimit
from gridgov.intake.tests.test_snap_views import REPORT, english_client, form, stored_files
from gridgov.testing import MiniDistrict

NOON = datetime(2026, 6, 23, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


@pytest.fixture(autouse=True)
def pinned(settings: Any, tmp_path: Path) -> Iterator[Path]:
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    with time_machine.travel(NOON, tick=False):
        yield settings.MEDIA_ROOT
    cache.clear()


@pytest.fixture
def resident() -> Client:
    return english_client()


def earlier(minutes: int, **kwargs: Any) -> Case:
    """Return a report made the given minutes before noon (phone f.PHONE unless given)."""
    return f.report(at=NOON - timedelta(minutes=minutes), **kwargs)


# --- per phone --------------------------------------------------------------------------------------


def test_the_defaults_are_5_an_hour_and_20_a_day_per_phone_and_10_an_hour_per_address() -> None:
    assert ratelimit.setting("GRIDGOV_REPORT_LIMIT_PHONE_HOUR", 5) == 5
    assert ratelimit.setting("GRIDGOV_REPORT_LIMIT_PHONE_DAY", 20) == 20
    assert ratelimit.setting("GRIDGOV_REPORT_LIMIT_ADDRESS_HOUR", 10) == 10


def test_the_limits_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    monkeypatch.setenv("GRIDGOV_REPORT_LIMIT_PHONE_HOUR", "3")
    # The settings module reads the environment (as every process does when it starts) …
    read = runpy.run_path(str(Path(gridgov.settings.__file__)))["GRIDGOV_REPORT_LIMIT_PHONE_HOUR"]
    settings.GRIDGOV_REPORT_LIMIT_PHONE_HOUR = read

    # … and the limit follows it.
    assert ratelimit.setting("GRIDGOV_REPORT_LIMIT_PHONE_HOUR", 5) == 3


def test_a_sixth_report_from_one_phone_within_the_hour_is_refused_and_the_form_kept(
    resident: Client, mini: MiniDistrict, pinned: Path
) -> None:
    for minutes in (50, 40, 30, 20, 10):
        earlier(minutes)

    response = resident.post(REPORT, form(description="第六次反映：路灯还是不亮"))

    assert response.status_code == 429
    assert "This phone number has sent 5 reports in the last hour" in response.text
    assert "第六次反映：路灯还是不亮</textarea>" in response.text
    assert Case.objects.count() == 5 and stored_files(pinned) == []


def test_the_phone_may_report_again_once_the_hour_has_passed(resident: Client, mini: MiniDistrict) -> None:
    for minutes in (70, 65, 61, 59, 30):
        earlier(minutes)

    assert resident.post(REPORT, form()).status_code == 302
    assert Case.objects.count() == 6


def test_one_number_written_differently_is_one_phone(
    resident: Client, mini: MiniDistrict, settings: Any
) -> None:
    settings.GRIDGOV_REPORT_LIMIT_PHONE_HOUR = 2
    earlier(30, reporter_phone="138 0731 2345")
    earlier(20, reporter_phone="+86 13807312345")

    response = resident.post(REPORT, form(reporter_phone="138-0731-2345"))

    assert response.status_code == 429
    assert Case.objects.count() == 2


def test_another_phone_is_not_held_back(resident: Client, mini: MiniDistrict, settings: Any) -> None:
    settings.GRIDGOV_REPORT_LIMIT_PHONE_HOUR = 1
    earlier(10)

    assert resident.post(REPORT, form(reporter_phone="13907319876")).status_code == 302


def test_the_day_limit_counts_the_last_24_hours(resident: Client, mini: MiniDistrict, settings: Any) -> None:
    settings.GRIDGOV_REPORT_LIMIT_PHONE_DAY = 3
    for hours in (23, 12, 3):
        earlier(hours * 60)

    refused = resident.post(REPORT, form())
    with time_machine.travel(NOON + timedelta(hours=1, minutes=1), tick=False):
        allowed = resident.post(REPORT, form())

    assert refused.status_code == 429
    assert "sent 3 reports in the last 24 hours" in refused.text
    assert allowed.status_code == 302


def test_a_limit_of_zero_is_no_limit(resident: Client, mini: MiniDistrict, settings: Any) -> None:
    settings.GRIDGOV_REPORT_LIMIT_PHONE_HOUR = 0
    for minutes in range(1, 7):
        earlier(minutes)

    assert resident.post(REPORT, form()).status_code == 302


# --- per address ----------------------------------------------------------------------------------------


def test_an_address_reported_ten_times_within_the_hour_is_refused(
    resident: Client, mini: MiniDistrict
) -> None:
    for number in range(10):
        earlier(55 - number, address="建设路88号", reporter_phone=f"1390731{number:04d}")

    response = resident.post(REPORT, form(address="建设路88号", reporter_phone="13607310000"))

    assert response.status_code == 429
    assert "This address has been reported 10 times in the last hour" in response.text
    assert Case.objects.count() == 10


def test_the_address_limit_ignores_spaces_typed_in_between(
    resident: Client, mini: MiniDistrict, settings: Any
) -> None:
    settings.GRIDGOV_REPORT_LIMIT_ADDRESS_HOUR = 1
    resident.post(REPORT, form(address="建设路 88号"))

    response = resident.post(REPORT, form(address="  建设路   88号 ", reporter_phone="13607310000"))

    assert response.status_code == 429
    assert Case.objects.get().address == "建设路 88号"


def test_reports_of_an_address_older_than_an_hour_do_not_count(
    resident: Client, mini: MiniDistrict, settings: Any
) -> None:
    settings.GRIDGOV_REPORT_LIMIT_ADDRESS_HOUR = 1
    earlier(61, address="建设路88号")

    assert resident.post(REPORT, form(address="建设路88号", reporter_phone="13607310000")).status_code == 302


# --- per network (cache) -------------------------------------------------------------------------------------


def test_a_burst_from_one_network_is_stopped_before_any_work(
    resident: Client, mini: MiniDistrict, settings: Any
) -> None:
    settings.GRIDGOV_REPORT_LIMIT_IP = 3
    for phone in ("13907310001", "13907310002"):
        assert resident.post(REPORT, form(reporter_phone=phone)).status_code == 302
    assert resident.post(REPORT, form(description="")).status_code == 400  # bad attempts count too

    refused = resident.post(REPORT, form(reporter_phone="13907310003", description="第四次"))
    neighbour = english_client(REMOTE_ADDR="10.1.2.3").post(REPORT, form(reporter_phone="13907310004"))

    assert refused.status_code == 429
    assert "Too many attempts from your network" in refused.text
    assert "第四次</textarea>" in refused.text
    assert neighbour.status_code == 302
    assert Case.objects.count() == 3


def test_the_network_window_passes(resident: Client, mini: MiniDistrict, settings: Any) -> None:
    settings.GRIDGOV_REPORT_LIMIT_IP = 1
    settings.GRIDGOV_REPORT_LIMIT_IP_WINDOW = 60
    resident.post(REPORT, form())
    assert resident.post(REPORT, form(reporter_phone="13907310001")).status_code == 429

    with time_machine.travel(NOON + timedelta(seconds=61), tick=False):
        assert resident.post(REPORT, form(reporter_phone="13907310001")).status_code == 302


def test_an_ipv6_client_is_counted_by_its_64_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BEHIND_PROXY", raising=False)
    factory = RequestFactory()
    one = factory.get("/", REMOTE_ADDR="2408:8470:1:2:aaaa::1")
    other = factory.get("/", REMOTE_ADDR="2408:8470:1:2:bbbb::9")

    assert ratelimit.client_network(one) == ratelimit.client_network(other) == "2408:8470:1:2::/64"
    assert ratelimit.client_network(factory.get("/", REMOTE_ADDR="not an address")) == "unknown"


def test_behind_a_proxy_the_address_the_proxy_added_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 36.1.2.3")

    monkeypatch.setenv("BEHIND_PROXY", "1")
    assert ratelimit.client_network(request) == "36.1.2.3"
    monkeypatch.setenv("BEHIND_PROXY", "0")
    assert ratelimit.client_network(request) == "10.0.0.1"


# --- tracking lookups ------------------------------------------------------------------------------------------


def test_failed_tracking_lookups_from_one_network_are_limited(mini: MiniDistrict, settings: Any) -> None:
    settings.GRIDGOV_TRACK_LIMIT_IP = 3
    case = f.report()
    guesser = english_client()
    for digits in ("0000", "0001", "0002"):
        assert guesser.post("/track/", {"tracking_no": case.tracking_no, "last4": digits}).status_code == 200

    blocked = guesser.post("/track/", {"tracking_no": case.tracking_no, "last4": "2345"})
    reporter = english_client(REMOTE_ADDR="10.9.8.7").post(
        "/track/", {"tracking_no": case.tracking_no, "last4": "2345"}
    )

    assert blocked.status_code == 429
    assert "Too many attempts from your network" in blocked.text
    assert reporter.status_code == 302 and reporter["Location"] == f"/track/{case.tracking_no}/"


def test_successful_tracking_lookups_do_not_count(mini: MiniDistrict, settings: Any) -> None:
    settings.GRIDGOV_TRACK_LIMIT_IP = 1
    case = f.report()
    reporter = english_client()

    for _time in range(3):
        response = reporter.post("/track/", {"tracking_no": case.tracking_no, "last4": "2345"})
        assert response.status_code == 302
