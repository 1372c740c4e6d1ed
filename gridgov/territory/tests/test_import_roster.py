from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from gridgov.lib.coords import from_wgs84
from gridgov.lib.crypto import cipher_for
from gridgov.lib.idcard import make_id_number
from gridgov.people.models import Resident
from gridgov.territory.models import Building, Household
from gridgov.testing import MiniDistrict

pytestmark = pytest.mark.django_db


# Points inside the test squares: A1 is 113.10-113.11 E, 27.86-27.87 N; B1 is north-east of it.
IN_A1 = (113.105, 27.865)
IN_B1 = (113.115, 27.875)
BUILDING_HEADER = ["社区", "楼栋名称", "经度", "纬度", "层数"]
RESIDENT_HEADER = ["社区", "地址", "姓名", "身份证号", "联系电话", "关爱标签"]
ID_1 = make_id_number("430204", date(1948, 3, 2), 31)
ID_2 = make_id_number("430204", date(1985, 7, 19), 42)
ID_3 = make_id_number("430204", date(2012, 1, 5), 13)


def buildings(*rows: list[Any]) -> list[list[Any]]:
    return [BUILDING_HEADER, *rows]


def residents(*rows: list[Any]) -> list[list[Any]]:
    return [RESIDENT_HEADER, *rows]


GOOD_BUILDINGS = buildings(
    ["清水塘社区", "起重生活区2栋", *IN_A1, 6],
    ["云峰社区", "云峰新村5栋", *IN_B1, 7],
)
GOOD_RESIDENTS = residents(
    ["清水塘社区", "起重生活区2栋1单元302", "张三", ID_1, "138 1234 5678", "独居老人、低保"],
    ["清水塘社区", "株洲市石峰区清水塘街道起重生活区二栋一单元302室", "李四", ID_2, "", ""],
    ["云峰", "云峰新村5栋3-201", "王小五", ID_3, "0731-28221234", "留守儿童"],
)


def workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def roster(tmp_path: Path, building_rows: Any = GOOD_BUILDINGS, resident_rows: Any = GOOD_RESIDENTS) -> Path:
    sheets = {}
    if building_rows is not None:
        sheets["楼栋"] = building_rows
    if resident_rows is not None:
        sheets["居民"] = resident_rows
    return workbook(tmp_path / "roster.xlsx", sheets)


def run(*args: Any) -> str:
    out = StringIO()
    call_command("import_roster", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def fail(*args: Any) -> tuple[str, str]:
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_roster", *[str(a) for a in args], stdout=out)
    return out.getvalue(), str(caught.value)


def counts() -> tuple[int, int, int]:
    return Building.objects.count(), Household.objects.count(), Resident.objects.count()


def test_a_dry_run_checks_the_roster_and_writes_nothing(mini: MiniDistrict, tmp_path: Path) -> None:
    output = run(roster(tmp_path))
    assert "Buildings: 2 new, 0 to update, 0 unchanged." in output
    assert "Residents: 3 new, 0 to update, 0 unchanged." in output
    assert "Dry run: nothing was written" in output
    assert counts() == (0, 0, 0)
    assert not (tmp_path / "roster.errors.xlsx").exists()


def test_commit_registers_buildings_households_and_residents(mini: MiniDistrict, tmp_path: Path) -> None:
    output = run(roster(tmp_path), "--commit")
    assert "2 buildings created" in output
    assert "3 residents registered" in output
    assert counts() == (2, 2, 3)
    building = Building.objects.get(name="起重生活区2栋")
    assert building.grid == mini.grid_a1
    assert building.community == mini.grid_a1.community
    assert building.address_key == "起重生活区2栋"
    assert building.code == "4302040010010001"
    assert (building.lon, building.lat, building.floors) == (*IN_A1, 6)
    zhang = Resident.objects.get(name="张三")
    assert (zhang.household.building, zhang.household.unit, zhang.household.room) == (building, "1", "302")
    assert zhang.id_number == ID_1
    assert ID_1 not in zhang.id_number_encrypted
    assert zhang.phone == "13812345678"
    assert zhang.tags == ["elderly_alone", "low_income"]
    assert (zhang.gender, zhang.birth_date) == ("M", date(1948, 3, 2))
    # The second address is written differently but names the same room.
    assert Resident.objects.get(name="李四").household == zhang.household
    wang = Resident.objects.get(name="王小五")
    assert (wang.household.building.grid, wang.household.unit, wang.household.room) == (
        mini.grid_b1,
        "3",
        "201",
    )
    assert wang.phone == "0731-28221234"
    mini.grid_a1.refresh_from_db()
    assert mini.grid_a1.households == 1


def test_importing_the_same_roster_twice_changes_nothing(mini: MiniDistrict, tmp_path: Path) -> None:
    path = roster(tmp_path)
    run(path, "--commit")
    before = list(Resident.objects.order_by("pk").values_list("pk", "id_number_encrypted", "household_id"))
    output = run(path, "--commit")
    assert "Buildings: 0 new, 0 to update, 2 unchanged." in output
    assert "Residents: 0 new, 0 to update, 3 unchanged." in output
    assert "No change" in output
    assert counts() == (2, 2, 3)
    assert (
        list(Resident.objects.order_by("pk").values_list("pk", "id_number_encrypted", "household_id"))
        == before
    )


def test_a_corrected_roster_updates_phones_tags_and_households(mini: MiniDistrict, tmp_path: Path) -> None:
    run(roster(tmp_path), "--commit")
    corrected = residents(["清水塘社区", "起重生活区2栋2单元101", "张三", ID_1, "13900000000", "残疾人"])
    output = run(roster(tmp_path, None, corrected), "--commit")
    assert "Residents: 0 new, 1 to update, 0 unchanged." in output
    zhang = Resident.objects.get(name="张三")
    assert (zhang.phone, zhang.tags) == ("13900000000", ["disabled"])
    assert (zhang.household.unit, zhang.household.room) == ("2", "101")
    assert Resident.objects.count() == 3


BAD_RESIDENTS = residents(
    ["清水塘社区", "起重生活区2栋1单元302", "张三", ID_1, "13812345678", ""],
    ["清水塘社区", "起重生活区2栋1单元303", "坏号码", ID_2[:-1] + ("0" if ID_2[-1] != "0" else "1"), "", ""],
    ["清水塘社区", "起重生活区2栋1单元304", "坏电话", ID_3, "12345", ""],
    ["不存在社区", "起重生活区2栋1单元305", "无社区", make_id_number("430204", date(1990, 1, 1), 1), "", ""],
    ["清水塘社区", "幸福小区9栋1单元101", "无楼栋", make_id_number("430204", date(1990, 1, 1), 3), "", ""],
    ["清水塘社区", "起重生活区2栋1单元306", "重复", ID_1, "", ""],
    [
        "清水塘社区",
        "起重生活区2栋1单元307",
        "怪标签",
        make_id_number("430204", date(1990, 1, 1), 5),
        "",
        "会员",
    ],
)


def test_bad_rows_are_listed_by_sheet_row_and_column(mini: MiniDistrict, tmp_path: Path) -> None:
    output, error = fail(roster(tmp_path, GOOD_BUILDINGS, BAD_RESIDENTS))
    assert "Sheet “居民” row 3, 身份证号: The check digit does not match" in output
    assert "Sheet “居民” row 4, 联系电话: A mobile number has 11 digits" in output
    assert "Sheet “居民” row 5, 社区: no community is called 不存在社区." in output
    assert "Sheet “居民” row 6, 地址: no known building matches the address 幸福小区9栋1单元101." in output
    assert "Sheet “居民” row 7, 身份证号: the same ID number is on row 2." in output
    assert "Sheet “居民” row 8, 关爱标签: unknown care tag 会员" in output
    assert "6 problems; nothing was written." in error
    assert counts() == (0, 0, 0)


def test_commit_with_errors_writes_nothing(mini: MiniDistrict, tmp_path: Path) -> None:
    _output, error = fail(roster(tmp_path, GOOD_BUILDINGS, BAD_RESIDENTS), "--commit")
    assert "use --skip-invalid" in error
    assert counts() == (0, 0, 0)


def test_skip_invalid_writes_the_good_rows_and_still_fails(mini: MiniDistrict, tmp_path: Path) -> None:
    output, error = fail(roster(tmp_path, GOOD_BUILDINGS, BAD_RESIDENTS), "--commit", "--skip-invalid")
    assert "1 residents registered" in output
    assert "those rows were skipped" in error
    assert list(Resident.objects.values_list("name", flat=True)) == ["张三"]


def test_the_error_report_holds_the_bad_rows_and_their_reasons(mini: MiniDistrict, tmp_path: Path) -> None:
    output, _error = fail(roster(tmp_path, GOOD_BUILDINGS, BAD_RESIDENTS))
    report = tmp_path / "roster.errors.xlsx"
    assert f"Error report: {report}" in output
    sheet = load_workbook(report)["居民"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Row", *RESIDENT_HEADER, "Problems")
    assert [row[0] for row in rows[1:]] == [3, 4, 5, 6, 7, 8]
    assert rows[1][3] == "坏号码"
    assert rows[1][-1].startswith("身份证号: The check digit does not match")


def test_the_error_report_goes_where_asked(mini: MiniDistrict, tmp_path: Path) -> None:
    target = tmp_path / "out" / "problems.xlsx"
    target.parent.mkdir()
    fail(roster(tmp_path, GOOD_BUILDINGS, BAD_RESIDENTS), "--errors", target)
    assert target.exists()
    assert not (tmp_path / "roster.errors.xlsx").exists()


def test_headers_are_matched_flexibly(mini: MiniDistrict, tmp_path: Path) -> None:
    building_rows = [
        ["清水塘社区楼栋花名册"],
        [" 所属社区 ", "楼栋地址*", "经度（WGS84）", "纬度（WGS84）", "总层数"],
        ["清水塘社区", "起重生活区2栋", *IN_A1, 6],
    ]
    resident_rows = [
        ["社区", "住址", "姓名", "公民身份号码", "手机号码", "特殊人群"],
        ["清水塘社区", "起重生活区2栋1单元302", "张三", ID_1.lower(), "", ""],
    ]
    path = workbook(tmp_path / "r.xlsx", {"楼栋信息": building_rows, "居民信息": resident_rows})
    output = run(path, "--commit")
    assert "1 residents registered" in output
    assert Building.objects.get().address == "起重生活区2栋"


def test_a_sheet_without_the_required_columns_is_reported(mini: MiniDistrict, tmp_path: Path) -> None:
    output, _error = fail(roster(tmp_path, None, [["姓名", "电话"], ["张三", "13812345678"]]))
    assert "Sheet “居民”: no header row with the columns 地址、姓名、身份证号" in output


def test_a_building_outside_the_district_is_an_error_with_a_hint(mini: MiniDistrict, tmp_path: Path) -> None:
    rows = buildings(
        ["清水塘社区", "起重生活区2栋", IN_A1[1], IN_A1[0], 6], ["清水塘社区", "远方1栋", 120.0, 30.0, 6]
    )
    output, _error = fail(roster(tmp_path, rows, None))
    assert "row 2, 纬度: 113.105 is out of range (±90). Longitude and latitude seem to be swapped." in output
    assert "row 3, 经度: the point 120.0, 30.0 lies outside every grid of the district." in output


def test_building_points_are_converted_from_the_row_coordinate_system(
    mini: MiniDistrict, tmp_path: Path
) -> None:
    gcj = from_wgs84(*IN_A1, "gcj02")
    bd = from_wgs84(*IN_B1, "bd09")
    rows = [
        [*BUILDING_HEADER, "坐标系"],
        ["清水塘社区", "起重生活区2栋", *gcj, 6, "高德"],
        ["云峰社区", "云峰新村5栋", *bd, 6, "BD-09"],
    ]
    run(roster(tmp_path, rows, None), "--commit")
    a, b = Building.objects.get(name="起重生活区2栋"), Building.objects.get(name="云峰新村5栋")
    assert (a.lon, a.lat) == pytest.approx(IN_A1, abs=1e-6)
    assert (b.lon, b.lat) == pytest.approx(IN_B1, abs=1e-6)
    assert (a.grid, b.grid) == (mini.grid_a1, mini.grid_b1)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["清水塘社区", "起重生活区2栋", "东经113", 27.865, 6], "经度", "东经113 is not a number of degrees"),
        (["清水塘社区", "起重生活区2栋", 113.105, 97.0, 6], "纬度", "97 is out of range (±90)."),
        (["清水塘社区", "起重生活区2栋", 113.105, None, 6], "纬度", "the value is missing"),
        (["清水塘社区", "起重生活区2栋", *IN_A1, "六"], "层数", "六 is not a whole number of floors"),
        (["清水塘社区", None, *IN_A1, 6], "楼栋名称", "the building name or address is missing"),
    ],
)
def test_bad_building_cells_are_named(
    mini: MiniDistrict, tmp_path: Path, row: list[Any], column: str, message: str
) -> None:
    output, _error = fail(roster(tmp_path, buildings(row), None))
    assert f"row 2, {column}: {message}" in output


def test_a_building_listed_twice_is_an_error(mini: MiniDistrict, tmp_path: Path) -> None:
    rows = buildings(
        ["清水塘社区", "起重生活区2栋", *IN_A1, 6], ["清水塘社区", "起重生活区二号楼", *IN_A1, 6]
    )
    output, _error = fail(roster(tmp_path, rows, None))
    assert "row 3, 楼栋名称: the building is also on row 2." in output


def test_an_id_number_typed_as_a_number_is_refused(mini: MiniDistrict, tmp_path: Path) -> None:
    rows = residents(["清水塘社区", "起重生活区2栋1单元302", "张三", 430204194803020311, "", ""])
    output, _error = fail(roster(tmp_path, GOOD_BUILDINGS, rows))
    assert "stored as a number and has lost digits" in output


def test_residents_match_buildings_already_registered(mini: MiniDistrict, tmp_path: Path) -> None:
    Building.objects.create(
        code="X1",
        community=mini.grid_a1.community,
        grid=mini.grid_a1,
        name="起重生活区2栋",
        address="株洲市石峰区清水塘街道起重生活区2栋",
        address_key="起重生活区2栋",
        lon=IN_A1[0],
        lat=IN_A1[1],
    )
    rows = residents(["", "石峰区清水塘街道起重生活区2号楼1单元302", "张三", ID_1, "", ""])
    run(roster(tmp_path, None, rows), "--commit")
    resident = Resident.objects.get()
    assert resident.household.building.code == "X1"
    hashed = cipher_for(settings.FIELD_ENCRYPTION_KEY).lookup_hash(ID_1)
    assert resident.id_number_hash == hashed


def test_it_refuses_a_file_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_text("姓名,身份证号\n", encoding="utf-8")
    _output, error = fail(path)
    assert "is not an Excel .xlsx workbook" in error


def test_it_refuses_a_workbook_without_roster_sheets(mini: MiniDistrict, tmp_path: Path) -> None:
    _output, error = fail(workbook(tmp_path / "r.xlsx", {"Sheet1": [["a", "b"]]}))
    assert "neither a 楼栋 (buildings) nor a 居民 (residents) sheet" in error
