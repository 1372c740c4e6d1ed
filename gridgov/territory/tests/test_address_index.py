from __future__ import annotations

import pytest

from gridgov.lib.address import building_key
from gridgov.territory.address_index import AddressIndex, get_address_index, locate_address
from gridgov.territory.models import Building, Community, Grid
from gridgov.testing import MiniDistrict

pytestmark = pytest.mark.django_db


def building(grid: Grid, address: str, code: str, community: Community | None = None) -> Building:
    return Building.objects.create(
        code=code,
        community=community or grid.community,
        grid=grid,
        name=address,
        address=address,
        address_key=building_key(address),
        lon=113.105,
        lat=27.865,
    )


@pytest.fixture
def estate(mini: MiniDistrict) -> dict[str, Building]:
    return {
        "2栋": building(mini.grid_a1, "株洲市石峰区清水塘街道起重生活区2栋", "Q2"),
        "12栋": building(mini.grid_a2, "起重生活区12栋", "Q12"),
        "village": building(mini.grid_c1, "郭家塘村3组15号", "V15"),
        "bare": building(mini.grid_b1, "5栋", "B5"),
    }


@pytest.mark.parametrize(
    "text",
    [
        "起重生活区2栋",
        "株洲市石峰区清水塘街道起重生活区2栋1单元302",
        "湖南省株洲市石峰区清水塘社区起重生活区二号楼一单元302室",
        "石峰区铜塘湾办事处起重生活区2-1-302",
        "清水塘社区 起重生活区 2#楼",
        "石峰区起重生活区2栋1单元",
    ],
)
def test_it_finds_the_building_whatever_the_prefix_and_suffix(estate: dict[str, Building], text: str) -> None:
    assert AddressIndex.load().match(text) == estate["2栋"]


def test_a_longer_building_number_is_not_mistaken_for_a_shorter_one(estate: dict[str, Building]) -> None:
    index = AddressIndex.load()
    assert index.match("起重生活区12栋3单元501") == estate["12栋"]
    assert index.match("起重生活区22栋") is None


def test_an_address_without_building_number_matches_inside_longer_text(estate: dict[str, Building]) -> None:
    assert AddressIndex.load().match("石峰区郭家塘村3组15号附近") == estate["village"]
    assert AddressIndex.load().match("郭家塘村3组153号") is None


def test_a_key_that_is_only_a_building_number_matches_only_itself(estate: dict[str, Building]) -> None:
    index = AddressIndex.load()
    assert index.match("5栋") == estate["bare"]
    assert index.match("幸福小区5栋") is None


def test_unknown_addresses_match_nothing(estate: dict[str, Building]) -> None:
    assert AddressIndex.load().match("幸福小区2单元") is None
    assert locate_address("") is None


def test_the_same_key_in_two_communities_needs_the_community(mini: MiniDistrict) -> None:
    here = building(mini.grid_a1, "幸福小区1栋", "H1")
    there = building(mini.grid_c1, "幸福小区1栋", "T1")
    index = AddressIndex.load()
    assert index.match("幸福小区1栋302") is None
    assert len(index.candidates("幸福小区1栋302")) == 2
    assert index.match("幸福小区1栋302", community_id=here.community_id) == here
    assert index.match("幸福小区1栋302", community_id=there.community_id) == there


def test_locate_address_gives_building_grid_unit_and_room(
    estate: dict[str, Building], mini: MiniDistrict
) -> None:
    found = locate_address("株洲市石峰区清水塘街道起重生活区2栋1单元302")
    assert found is not None
    assert (found.building, found.grid, found.unit, found.room) == (estate["2栋"], mini.grid_a1, "1", "302")


def test_the_shared_index_sees_new_and_edited_buildings(
    estate: dict[str, Building], mini: MiniDistrict
) -> None:
    assert get_address_index().match("幸福小区7栋") is None
    added = building(mini.grid_b1, "幸福小区7栋", "H7")
    assert get_address_index().match("幸福小区7栋") == added
    added.address_key = building_key("幸福小区8栋")
    added.save()
    assert get_address_index().match("幸福小区7栋") is None
    assert get_address_index().match("幸福小区8栋1单元") == added
