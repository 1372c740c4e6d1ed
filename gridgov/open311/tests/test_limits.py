"""A key's hourly limit: reports up to it are filed, the next is a 429 with Retry-After that writes nothing."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client

from gridgov.cases.models import Case
from gridgov.open311 import actions
from gridgov.open311.models import ApiKey, Filing
from gridgov.open311.tests.test_post import NOTHING, report, written
from gridgov.testing import MiniDistrict

# Monday 2026-06-22, 10:00 in Shanghai.
MONDAY_10 = datetime(2026, 6, 22, 2, 0, tzinfo=UTC)

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
)


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


def file(api: Client, key: str, fmt: str = "json", **fields: Any) -> Any:
    return api.post(f"/open311/v2/requests.{fmt}", report(key, **fields))


def test_a_key_files_up_to_its_limit_then_is_told_when_to_come_back(
    api: Client, mini: MiniDistrict, clock: time_machine.Coordinates, settings: Any
) -> None:
    settings.GRIDGOV_OPEN311_KEY_LIMIT_HOUR = 3
    _stored, key = actions.create_key("partner-app")
    for minutes in (0, 10, 20):
        clock.move_to(MONDAY_10 + timedelta(minutes=minutes))
        assert file(api, key).status_code == 200
    before = written()

    clock.move_to(MONDAY_10 + timedelta(minutes=30))
    response = file(api, key)

    assert response.status_code == 429
    assert response["Retry-After"] == "1800"  # the first report leaves the hour at 11:00
    assert response.json() == [
        {
            "code": 429,
            "description": "This api_key may file 3 reports an hour and has filed them; "
            "try again in 1800 seconds.",
        }
    ]
    assert written() == before
    clock.move_to(MONDAY_10 + timedelta(hours=1))
    assert file(api, key).status_code == 200
    assert file(api, key).status_code == 429


def test_the_refusal_in_xml_is_the_specs_error_list(
    api: Client, mini: MiniDistrict, clock: time_machine.Coordinates
) -> None:
    _stored, key = actions.create_key("partner-app", hourly_limit=1)
    assert file(api, key, fmt="xml").status_code == 200
    clock.shift(timedelta(seconds=90))

    response = file(api, key, fmt="xml")

    assert response.status_code == 429
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response["Retry-After"] == "3510"
    root = ET.fromstring(response.content)
    assert (root.tag, root.findtext("error/code")) == ("errors", "429")
    assert "try again in 3510 seconds" in (root.findtext("error/description") or "")
    assert Case.objects.count() == Filing.objects.count() == 1


def test_every_filed_report_is_recorded_with_its_key_and_time(
    api: Client, key: str, mini: MiniDistrict
) -> None:
    response = file(api, key)

    case = Case.objects.get(tracking_no=response.json()[0]["service_request_id"])
    filing = Filing.objects.get()
    assert (filing.case, filing.key, filing.filed_at) == (case, ApiKey.objects.get(), case.created_at)


def test_refused_and_bad_reports_do_not_count(api: Client, mini: MiniDistrict, settings: Any) -> None:
    settings.GRIDGOV_OPEN311_KEY_LIMIT_HOUR = 2
    _stored, key = actions.create_key("partner-app")

    for _ in range(3):
        assert file(api, key, description="").status_code == 400
    assert written() == NOTHING
    assert Filing.objects.count() == 0
    assert [file(api, key).status_code for _ in range(3)] == [200, 200, 429]


def test_each_key_has_its_own_hour(api: Client, mini: MiniDistrict, settings: Any) -> None:
    settings.GRIDGOV_OPEN311_KEY_LIMIT_HOUR = 1
    _stored, first = actions.create_key("app-one")
    _stored, second = actions.create_key("app-two")

    assert [file(api, first).status_code, file(api, first).status_code] == [200, 429]
    assert file(api, second).status_code == 200


def test_a_keys_own_limit_overrides_the_default_either_way(
    api: Client, mini: MiniDistrict, settings: Any
) -> None:
    settings.GRIDGOV_OPEN311_KEY_LIMIT_HOUR = 1
    _stored, unlimited = actions.create_key("bench", hourly_limit=0)
    _stored, generous = actions.create_key("partner-app", hourly_limit=3)

    assert [file(api, unlimited).status_code for _ in range(4)] == [200] * 4
    assert [file(api, generous).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_a_default_of_zero_turns_the_limit_off(
    api: Client, key: str, mini: MiniDistrict, settings: Any
) -> None:
    settings.GRIDGOV_OPEN311_KEY_LIMIT_HOUR = 0

    assert [file(api, key).status_code for _ in range(4)] == [200] * 4
    assert Filing.objects.count() == 4


def test_getting_requests_is_not_limited(api: Client, key: str, mini: MiniDistrict, settings: Any) -> None:
    settings.GRIDGOV_OPEN311_KEY_LIMIT_HOUR = 1
    assert file(api, key).status_code == 200
    assert file(api, key).status_code == 429

    assert api.get("/open311/v2/requests.json").status_code == 200


def test_a_negative_default_fails_the_system_check(settings: Any) -> None:
    from gridgov.open311.checks import check_open311_settings

    settings.GRIDGOV_OPEN311_KEY_LIMIT_HOUR = -1
    assert [error.id for error in check_open311_settings()] == ["open311.E001"]
    settings.GRIDGOV_OPEN311_KEY_LIMIT_HOUR = 0
    assert check_open311_settings() == []


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reports_of_one_key_at_the_same_instant_never_pass_its_limit_on_postgresql(
    mini: MiniDistrict,
) -> None:
    _stored, key = actions.create_key("partner-app", hourly_limit=2)
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def post() -> None:
        try:
            client = Client()
            client.cookies["django_language"] = "en"
            barrier.wait(timeout=10)
            statuses.append(file(client, key).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [200, 200, 429, 429, 429, 429]
    assert Filing.objects.count() == Case.objects.count() == 2
