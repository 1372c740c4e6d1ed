from __future__ import annotations

import pytest

from gridgov.lib.address import building_key, chinese_to_int, normalise_address, split_unit_room


@pytest.mark.parametrize(
    "written",
    [
        "起重生活区2栋",
        "起重生活区 2 栋",
        "起重生活区二栋",
        "起重生活区第二栋",
        "起重生活区2号楼",
        "起重生活区二号楼",
        "起重生活区2幢",
        "起重生活区2座",
        "起重生活区2#楼",
        "起重生活区2#",
        "起重生活区２栋",
        "株洲市石峰区清水塘街道起重生活区2栋",
        "湖南省株洲市石峰区起重生活区2栋",
        "石峰区铜塘湾办事处起重生活区2栋",
        "清水塘街道办事处清水塘社区起重生活区2栋",
        "清水塘社区居委会起重生活区2栋",
        "株洲市石峰区清水塘街道 起重生活区二号楼一单元三〇二室",
        "起重生活区2栋1-302",
        "起重生活区2-1-302",
    ],
)
def test_the_ways_of_writing_one_building_share_its_key(written: str) -> None:
    assert building_key(written) == "起重生活区2栋"


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("两百", 200),
        ("一百零五", 105),
        ("三〇二", 302),
    ],
)
def test_it_reads_chinese_numerals(numeral: str, value: int) -> None:
    assert chinese_to_int(numeral) == value


def test_it_converts_numerals_only_before_counting_words() -> None:
    assert normalise_address("五一路十二栋一单元") == "五一路12栋1单元"
    assert normalise_address("十里冲三组") == "十里冲3组"


def test_it_drops_punctuation_and_full_width_forms() -> None:
    assert normalise_address("（起重）生活区，２栋·1单元。") == "起重生活区2栋1单元"
    assert normalise_address("a座") == "A栋"


def test_an_estate_ending_in_qu_is_not_taken_for_a_district() -> None:
    assert normalise_address("起重生活区2栋") == "起重生活区2栋"
    assert normalise_address("株洲市石峰区起重生活区2栋") == "起重生活区2栋"


def test_city_words_inside_estate_names_are_kept() -> None:
    assert building_key("株洲城市花园3幢") == "株洲城市花园3栋"
    assert building_key("株洲市石峰区农贸市场2栋") == "农贸市场2栋"


def test_a_street_number_is_not_a_building() -> None:
    assert building_key("建设北路18号") == "建设北路18号"
    assert building_key("建设北路18号2栋501") == "建设北路18号2栋"


def test_an_address_without_building_number_is_its_own_key() -> None:
    assert building_key("郭家塘村3组15号") == "郭家塘村3组15号"


def test_it_never_strips_the_whole_address() -> None:
    assert normalise_address("清水塘社区") == "清水塘社区"
    assert normalise_address("株洲市") == "株洲市"


@pytest.mark.parametrize(
    ("written", "unit", "room"),
    [
        ("起重生活区2栋1单元302", "1", "302"),
        ("起重生活区2栋1-302", "1", "302"),
        ("起重生活区2栋302室", "", "302"),
        ("起重生活区2栋302", "", "302"),
        ("起重生活区2栋一单元三〇二室", "1", "302"),
        ("起重生活区2栋1单元3楼302", "1", "302"),
        ("起重生活区2-1-302", "1", "302"),
        ("起重生活区2栋1单元", "1", ""),
        ("起重生活区2栋", "", ""),
        ("郭家塘村3组15号", "", ""),
        ("起重生活区2栋水泵房", "", ""),
    ],
)
def test_it_splits_unit_and_room(written: str, unit: str, room: str) -> None:
    assert split_unit_room(written) == (unit, room)
