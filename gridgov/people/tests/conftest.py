"""Fixtures for people tests: households in the grids of the small test district, residents."""

from __future__ import annotations

from datetime import date

import pytest

from gridgov.lib.idcard import make_id_number
from gridgov.people import actions
from gridgov.people.models import Resident
from gridgov.territory.models import Building, Grid, Household


def make_household(grid: Grid, code: str, room: str = "302") -> Household:
    """Create a building in the grid (at its south-west corner area) with one household."""
    building = Building.objects.create(
        code=code,
        community=grid.community,
        grid=grid,
        name=f"{code}栋",
        address=f"株洲市石峰区{code}栋",
        address_key=f"{code}栋",
        lon=113.1,
        lat=27.86,
    )
    return Household.objects.create(building=building, unit="1", room=room)


def id_number(sequence: int, born: date = date(1956, 3, 14)) -> str:
    """Return a valid ID number of the test district; odd sequences are men."""
    return make_id_number("430204", born, sequence)


@pytest.fixture
def household_a1(mini):  # type: ignore[no-untyped-def]
    return make_household(mini.grid_a1, "A1-1")


@pytest.fixture
def household_b1(mini):  # type: ignore[no-untyped-def]
    return make_household(mini.grid_b1, "B1-1")


@pytest.fixture
def resident_a1(household_a1) -> Resident:  # type: ignore[no-untyped-def]
    """Return 刘阿姨, an elderly resident of grid A1 living alone, with ID number and phone."""
    return actions.create_resident(
        household_a1, "刘阿姨", id_number(22, date(1948, 5, 2)), "138 0731 2345", ["elderly_alone"], by=None
    )


@pytest.fixture
def resident_b1(household_b1) -> Resident:  # type: ignore[no-untyped-def]
    return actions.create_resident(household_b1, "陈师傅", id_number(13), "13907332222", [], by=None)
