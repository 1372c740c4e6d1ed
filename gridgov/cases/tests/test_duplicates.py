"""Duplicate suggestions: open cases of the same category within 100 m and 72 hours, nearest first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import translation

from gridgov.cases import actions
from gridgov.cases.actions.duplicates import haversine_m
from gridgov.cases.models import Case
from gridgov.cases.tests import factories as f
from gridgov.testing import MiniDistrict

MONDAY_10 = datetime(2026, 6, 22, 2, 0, tzinfo=UTC)
LON, LAT = f.A1_POINT
METRE_LAT = 1 / 111_195  # degrees of latitude per metre


@pytest.fixture(autouse=True)
def english_and_media(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def _report_at(metres_north: float, hours_ago: float = 0, code: str = f.DISPUTE, east: float = 0) -> Case:
    metre_lon = METRE_LAT / 0.8841  # cos(27.865°)
    with time_machine.travel(MONDAY_10 - timedelta(hours=hours_ago), tick=False):
        return f.report(point=(LON + east * metre_lon, LAT + metres_north * METRE_LAT), code=code)


def test_it_suggests_open_cases_of_the_category_nearby_nearest_first(mini: MiniDistrict) -> None:
    far_near = _report_at(80, hours_ago=10)
    near = _report_at(30, hours_ago=50)
    diagonal = _report_at(60, east=60, hours_ago=1)  # about 85 m
    new = _report_at(0)

    found = actions.suggest_duplicates(new)

    assert [d.case for d in found] == [near, far_near, diagonal]
    assert [round(d.distance_m) for d in found] == [30, 80, 85]


def test_it_leaves_out_what_is_too_far_too_old_of_another_kind_or_closed(mini: MiniDistrict) -> None:
    _report_at(150)  # too far
    _report_at(10, hours_ago=80)  # too old
    _report_at(10, code=f.LOST_PERSON)  # another category
    with time_machine.travel(MONDAY_10 - timedelta(hours=5), tick=False):
        done = f.closed(mini)
    assert done.lon == LON
    new = _report_at(0)

    assert actions.suggest_duplicates(new) == []


def test_a_case_is_not_its_own_duplicate(mini: MiniDistrict) -> None:
    assert actions.suggest_duplicates(_report_at(0)) == []


def test_a_case_without_a_category_has_no_suggestions(mini: MiniDistrict) -> None:
    _report_at(0)
    unknown = f.report(code=None, description="嗯")

    assert actions.suggest_duplicates(unknown) == []


def test_the_distance_is_the_great_circle_distance() -> None:
    # One degree of latitude is about 111.2 km everywhere; one of longitude shrinks with the latitude.
    assert haversine_m(113.0, 27.0, 113.0, 28.0) == pytest.approx(111_195, rel=1e-4)
    assert haversine_m(113.0, 60.0, 114.0, 60.0) == pytest.approx(55_597, rel=1e-3)
    assert haversine_m(LON, LAT, LON, LAT) == 0
