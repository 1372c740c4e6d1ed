"""Check a community roster workbook (sheets 楼栋 and 居民) and plan what importing it would write.

Every row is checked and every problem is kept (sheet, row, column, reason), so one run lists them
all. Buildings are matched to the database by community and building key; residents by the keyed
hash of their ID number, so importing the same roster twice writes nothing the second time.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gridgov.lib.address import building_key, normalise_address, unit_room_part
from gridgov.lib.coords import Crs, parse_crs, to_wgs84
from gridgov.lib.crypto import cipher_for
from gridgov.people.actions import clean_id_number, clean_phone
from gridgov.people.models import CareTag, Resident
from gridgov.territory.address_index import AddressIndex, Entry
from gridgov.territory.importers.sheets import (
    Row,
    Sheet,
    SheetError,
    SheetSpec,
    find_sheet,
    open_workbook,
    read_sheet,
)
from gridgov.territory.locator import get_locator
from gridgov.territory.models import Building, Community, Household

Progress = Callable[[str], None]
PROGRESS_EVERY = 20_000
CHUNK = 900  # below SQLite's oldest limit of 999 variables in one statement
DEFAULT_FLOORS = 6
MAX_FLOORS = 200

_COMMUNITY = ("社区", "社区名称", "所属社区", "社区村", "村社区", "社区居委会", "村", "community")
BUILDINGS = SheetSpec(
    names=("楼栋", "楼栋信息", "楼栋表", "buildings"),
    synonyms={
        "community": _COMMUNITY,
        "name": ("楼栋名称", "楼栋", "楼栋名", "名称", "name"),
        "address": ("地址", "楼栋地址", "详细地址", "address"),
        "lon": ("经度", "lon", "lng", "longitude"),
        "lat": ("纬度", "lat", "latitude"),
        "floors": ("层数", "楼层数", "总层数", "楼层", "floors"),
        "crs": ("坐标系", "坐标系统", "crs"),
    },
    required=("community", "lon", "lat"),
    one_of=("name", "address"),
)
RESIDENTS = SheetSpec(
    names=("居民", "居民信息", "人员", "人口", "residents"),
    synonyms={
        "community": _COMMUNITY,
        "address": ("地址", "住址", "居住地址", "家庭住址", "门牌地址", "房屋地址", "address"),
        "name": ("姓名", "名字", "居民姓名", "name"),
        "id_number": (
            "身份证号",
            "身份证号码",
            "公民身份号码",
            "公民身份证号码",
            "证件号码",
            "身份证",
            "id_number",
        ),
        "phone": ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "电话号码", "phone"),
        "care_tags": ("关爱标签", "标签", "特殊人群", "人群类别", "关爱对象", "care_tags"),
    },
    required=("address", "name", "id_number"),
)
CARE_TAG_LABELS = {
    "独居老人": CareTag.ELDERLY_ALONE,
    "独居": CareTag.ELDERLY_ALONE,
    "空巢老人": CareTag.ELDERLY_ALONE,
    "残疾人": CareTag.DISABLED,
    "残疾": CareTag.DISABLED,
    "低保": CareTag.LOW_INCOME,
    "低保户": CareTag.LOW_INCOME,
    "低收入": CareTag.LOW_INCOME,
    "特困": CareTag.LOW_INCOME,
    "留守儿童": CareTag.LEFT_BEHIND_CHILD,
    "退役军人": CareTag.VETERAN,
    "重病": CareTag.SERIOUS_ILLNESS,
    "大病": CareTag.SERIOUS_ILLNESS,
    **{tag.value: tag for tag in CareTag},
}
CRS_LABELS = {"高德": Crs.GCJ02, "腾讯": Crs.GCJ02, "微信": Crs.GCJ02, "火星": Crs.GCJ02, "百度": Crs.BD09}
CRS_LABELS |= {"gps": Crs.WGS84, "北斗": Crs.WGS84, "cgcs2000": Crs.WGS84}
_TAG_SEPARATORS = re.compile(r"[,，、;；/\s]+")


@dataclass(frozen=True)
class RowProblem:
    """A problem with one cell of one row, or with a whole sheet (row None)."""

    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        return _("Sheet “%(sheet)s” row %(row)d, %(column)s: %(message)s") % {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class RowError(Exception):
    """One cell is wrong: the field it belongs to and the reason."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class BuildingRow:
    """A checked building row: a new building, or an existing one (perhaps with new details)."""

    row: int
    community: Community
    name: str
    address: str
    key: str
    lon: float
    lat: float
    floors: int
    grid_id: int | None
    existing: Building | None = None
    changed: bool = False


@dataclass
class ResidentRow:
    """A checked resident row: `building` is an existing building id or a new `BuildingRow`."""

    row: int
    building: int | BuildingRow
    unit: str
    room: str
    name: str
    id_number: str
    birth_date: date
    gender: str
    phone: str
    care_tags: str
    existing: int | None = None
    changed: bool = False


@dataclass
class RosterPlan:
    """What importing the roster would write, and every problem found."""

    buildings: list[BuildingRow] = field(default_factory=list)
    residents: list[ResidentRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    sheets: list[Sheet] = field(default_factory=list)

    def problems_by_row(self, sheet: Sheet) -> dict[int, list[str]]:
        """Return the problems of the sheet's rows, keyed by row number, as "column: reason"."""
        result: dict[int, list[str]] = defaultdict(list)
        for problem in self.problems:
            if problem.sheet == sheet.title and problem.row is not None:
                result[problem.row].append(f"{problem.column}: {problem.message}")
        return result

    def count(self, rows: list[Any], *, new: bool = False, changed: bool = False) -> int:
        """Return how many rows are new (no existing record) or change an existing record."""
        if new:
            return sum(1 for r in rows if r.existing is None)
        return sum(1 for r in rows if r.existing is not None and r.changed == changed)


def plan_roster(path: Path, crs: Crs = Crs.WGS84, progress: Progress | None = None) -> RosterPlan:
    """Read and check the workbook; write nothing."""
    say = progress or (lambda _message: None)
    plan = RosterPlan()
    workbook = open_workbook(path)
    try:
        sheets = {spec.names[0]: _read(workbook, spec, plan) for spec in (BUILDINGS, RESIDENTS)}
    finally:
        workbook.close()
    if not any(sheets.values()) and not plan.problems:
        raise SheetError(_("The workbook has neither a 楼栋 (buildings) nor a 居民 (residents) sheet."))
    communities = _Communities()
    index = AddressIndex.load()
    if sheets["楼栋"] is not None:
        _check_buildings(sheets["楼栋"], plan, communities, index, crs)
        say(_("Checked %(count)d building rows.") % {"count": len(sheets["楼栋"].rows)})
    if sheets["居民"] is not None:
        _check_residents(sheets["居民"], plan, communities, index, say)
    plan.problems.sort(
        key=lambda p: (p.sheet != (sheets["楼栋"].title if sheets["楼栋"] else ""), p.row or 0)
    )
    return plan


def _read(workbook: Any, spec: SheetSpec, plan: RosterPlan) -> Sheet | None:
    worksheet = find_sheet(workbook, spec)
    if worksheet is None:
        return None
    try:
        sheet = read_sheet(worksheet, spec)
    except SheetError as exc:
        plan.problems.append(RowProblem(worksheet.title, None, "", str(exc)))
        return None
    plan.sheets.append(sheet)
    return sheet


class _Communities:
    """Find a community by its name as written ("清水塘社区", "清水塘") or its 12-digit code."""

    def __init__(self) -> None:
        self.by_code = {c.code: c for c in Community.objects.all()}
        self.by_name: dict[str, list[Community]] = defaultdict(list)
        for community in self.by_code.values():
            self.by_name[community.name].append(community)

    def find(self, text: str) -> Community:
        if not text:
            raise RowError("community", _("the community is missing."))
        if text in self.by_code:
            return self.by_code[text]
        for name in (text, text + "社区", text + "村"):
            found = self.by_name.get(name, [])
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise RowError(
                    "community",
                    _("several communities are called %(name)s; give its 12-digit code.") % {"name": name},
                )
        raise RowError("community", _("no community is called %(name)s.") % {"name": text})


# --- buildings ---------------------------------------------------------------------------------


def _check_buildings(
    sheet: Sheet, plan: RosterPlan, communities: _Communities, index: AddressIndex, crs: Crs
) -> None:
    seen: dict[tuple[int, str], int] = {}
    checked: list[tuple[Row, BuildingRow]] = []
    for row in sheet.rows:
        try:
            building = _building_row(row, communities, crs)
        except RowError as exc:
            plan.problems.append(
                RowProblem(sheet.title, row.number, sheet.column_label(exc.field), exc.message)
            )
            continue
        ident = (building.community.pk, building.key)
        if ident in seen:
            message = _("the building is also on row %(row)d.") % {"row": seen[ident]}
            plan.problems.append(RowProblem(sheet.title, row.number, sheet.column_label("name"), message))
            continue
        seen[ident] = row.number
        checked.append((row, building))
    _locate(sheet, checked, plan)
    existing = _existing_buildings({b.key for b in plan.buildings})
    for position, building in enumerate(plan.buildings, start=1):
        building.existing = existing.get((building.community.pk, building.key))
        if building.existing is not None:
            building.changed = _building_changed(building.existing, building)
        else:
            # A new building is known to the index by a negative id: minus its position in the plan.
            index.add(building.key, Entry(-position, building.community.pk, building.grid_id))


def _existing_buildings(keys: set[str]) -> dict[tuple[int, str], Building]:
    ordered = sorted(keys)
    result: dict[tuple[int, str], Building] = {}
    for start in range(0, len(ordered), CHUNK):
        for building in Building.objects.filter(address_key__in=ordered[start : start + CHUNK]):
            result[(building.community_id, building.address_key)] = building
    return result


def _building_row(row: Row, communities: _Communities, default_crs: Crs) -> BuildingRow:
    community = communities.find(row.text("community"))
    name = row.text("name") or row.text("address")
    address = row.text("address") or name
    if not name:
        raise RowError("name", _("the building name or address is missing."))
    if len(name) > 100 or len(address) > 200:
        raise RowError("name", _("the name or address is too long."))
    crs = _row_crs(row.text("crs"), default_crs)
    lon = _coordinate(row, "lon", 180.0)
    try:
        lat = _coordinate(row, "lat", 90.0)
    except RowError as exc:
        if abs(lon) <= 90.0 and _number(row.text("lat")) is not None:
            raise RowError(
                "lat", exc.message + " " + _("Longitude and latitude seem to be swapped.")
            ) from None
        raise
    lon, lat = to_wgs84(lon, lat, crs)
    return BuildingRow(
        row=row.number,
        community=community,
        name=name,
        address=address,
        key=building_key(address),
        lon=round(lon, 7),
        lat=round(lat, 7),
        floors=_floors(row.text("floors")),
        grid_id=None,
    )


def _row_crs(text: str, default: Crs) -> Crs:
    if not text:
        return default
    for label, crs in CRS_LABELS.items():
        if label in text.lower():
            return crs
    try:
        return parse_crs(text)
    except ValueError:
        raise RowError(
            "crs", _("unknown coordinate system %(value)s; use wgs84, gcj02 or bd09.") % {"value": text}
        ) from None


def _coordinate(row: Row, name: str, limit: float) -> float:
    text = row.text(name)
    if not text:
        raise RowError(name, _("the value is missing."))
    value = _number(text)
    if value is None:
        raise RowError(name, _("%(value)s is not a number of degrees.") % {"value": text})
    if not abs(value) <= limit:
        raise RowError(name, _("%(value)s is out of range (±%(limit)d).") % {"value": text, "limit": limit})
    return value


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _floors(text: str) -> int:
    if not text:
        return DEFAULT_FLOORS
    try:
        floors = int(text)
    except ValueError:
        raise RowError("floors", _("%(value)s is not a whole number of floors.") % {"value": text}) from None
    if not 1 <= floors <= MAX_FLOORS:
        raise RowError("floors", _("%(value)s floors is not plausible.") % {"value": text})
    return floors


def _locate(sheet: Sheet, checked: list[tuple[Row, BuildingRow]], plan: RosterPlan) -> None:
    """Set the grid of each building from its point; a point outside every grid is a problem."""
    if not checked:
        return
    locator = get_locator()
    lons = np.array([b.lon for _row, b in checked])
    lats = np.array([b.lat for _row, b in checked])
    grids = locator.locate_many(lons, lats)
    swapped = _swapped_inside(locator, lons, lats)
    for (row, building), grid, was_swapped in zip(checked, grids, swapped, strict=True):
        if grid >= 0:
            building.grid_id = int(grid)
            plan.buildings.append(building)
            continue
        message = _("the point %(lon)s, %(lat)s lies outside every grid of the district.") % {
            "lon": building.lon,
            "lat": building.lat,
        }
        if was_swapped:
            message += " " + _("Longitude and latitude seem to be swapped.")
        plan.problems.append(RowProblem(sheet.title, row.number, sheet.column_label("lon"), message))


def _swapped_inside(locator: Any, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    swappable = np.abs(lons) <= 90.0
    result = np.zeros(len(lons), dtype=bool)
    if swappable.any():
        result[swappable] = locator.locate_many(lats[swappable], lons[swappable]) >= 0
    return result


def _building_changed(old: Building, new: BuildingRow) -> bool:
    return (old.name, old.address, old.lon, old.lat, old.floors, old.grid_id) != (
        new.name,
        new.address,
        new.lon,
        new.lat,
        new.floors,
        new.grid_id,
    )


# --- residents ---------------------------------------------------------------------------------


def _check_residents(
    sheet: Sheet, plan: RosterPlan, communities: _Communities, index: AddressIndex, say: Progress
) -> None:
    cipher = cipher_for(settings.FIELD_ENCRYPTION_KEY)
    seen: dict[str, int] = {}
    for done, row in enumerate(sheet.rows, start=1):
        if done % PROGRESS_EVERY == 0:
            say(_("Checked %(done)d of %(total)d resident rows.") % {"done": done, "total": len(sheet.rows)})
        try:
            resident = _resident_row(row, communities, index, plan)
        except RowError as exc:
            plan.problems.append(
                RowProblem(sheet.title, row.number, sheet.column_label(exc.field), exc.message)
            )
            continue
        digest = cipher.lookup_hash(resident.id_number)
        if digest in seen:
            message = _("the same ID number is on row %(row)d.") % {"row": seen[digest]}
            plan.problems.append(
                RowProblem(sheet.title, row.number, sheet.column_label("id_number"), message)
            )
            continue
        seen[digest] = row.number
        plan.residents.append(resident)
    _match_existing_residents(plan, seen)


def _resident_row(row: Row, communities: _Communities, index: AddressIndex, plan: RosterPlan) -> ResidentRow:
    community_text = row.text("community")
    community = communities.find(community_text) if community_text else None
    address = row.text("address")
    if not address:
        raise RowError("address", _("the address is missing."))
    normal = normalise_address(address)
    building = _building_of(address, normal, community, index, plan)
    unit, room = unit_room_part(normal)
    if len(unit) > 10 or len(room) > 10:
        raise RowError("address", _("the unit or room number is too long."))
    name = row.text("name")
    if not name:
        raise RowError("name", _("the name is missing."))
    if len(name) > 50:
        raise RowError("name", _("the name is longer than 50 characters."))
    number, birth_date, gender = _id_number(row.values.get("id_number"))
    return ResidentRow(
        row=row.number,
        building=building,
        unit=unit,
        room=room,
        name=name,
        id_number=number,
        birth_date=birth_date,
        gender=gender,
        phone=_phone(row.text("phone")),
        care_tags=_care_tags(row.text("care_tags")),
    )


def _building_of(
    address: str, normal: str, community: Community | None, index: AddressIndex, plan: RosterPlan
) -> int | BuildingRow:
    found = index.candidates_of_normal(normal, community.pk if community else None)
    if not found:
        raise RowError(
            "address", _("no known building matches the address %(address)s.") % {"address": address}
        )
    if len(found) > 1:
        raise RowError(
            "address",
            _("several buildings match the address %(address)s; give the community.") % {"address": address},
        )
    entry = found[0]
    return plan.buildings[-entry.building_id - 1] if entry.building_id < 0 else entry.building_id


def _id_number(value: Any) -> tuple[str, date, str]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Excel keeps numbers to 15 significant digits: an ID number typed as a number has lost its end.
        raise RowError(
            "id_number",
            _("the ID number is stored as a number and has lost digits; format the column as text."),
        )
    try:
        return clean_id_number("" if value is None else str(value))
    except ValidationError as exc:
        raise RowError("id_number", " ".join(exc.messages)) from None


def _phone(text: str) -> str:
    try:
        return clean_phone(text)
    except ValidationError as exc:
        raise RowError("phone", " ".join(exc.messages)) from None


def _care_tags(text: str) -> str:
    tags: list[str] = []
    for label in _TAG_SEPARATORS.split(text):
        if not label:
            continue
        tag = CARE_TAG_LABELS.get(label)
        if tag is None:
            known = "、".join(label for label in CARE_TAG_LABELS if not label.isascii())
            raise RowError(
                "care_tags",
                _("unknown care tag %(tag)s; known tags: %(known)s.") % {"tag": label, "known": known},
            )
        if tag.value not in tags:
            tags.append(tag.value)
    return ",".join(tags)


def _match_existing_residents(plan: RosterPlan, hashes: dict[str, int]) -> None:
    """Find the residents already registered; a row that would change nothing is unchanged."""
    cipher = cipher_for(settings.FIELD_ENCRYPTION_KEY)
    digests = list(hashes)
    stored: dict[str, tuple[int, int, str, str, str]] = {}
    for start in range(0, len(digests), CHUNK):
        rows = Resident.objects.filter(id_number_hash__in=digests[start : start + CHUNK]).values_list(
            "id_number_hash", "id", "household_id", "name", "phone_hash", "care_tags"
        )
        for digest, pk, household_id, name, phone_hash, care_tags in rows:
            stored[digest] = (pk, household_id, name, phone_hash, care_tags)
    if not stored:
        return
    households = household_ids(sorted({r.building for r in plan.residents if isinstance(r.building, int)}))
    for resident in plan.residents:
        found = stored.get(cipher.lookup_hash(resident.id_number))
        if found is None:
            continue
        pk, household_id, name, phone_hash, care_tags = found
        resident.existing = pk
        here = (
            households.get((resident.building, resident.unit, resident.room))
            if isinstance(resident.building, int)
            else None
        )
        phone = cipher.lookup_hash(resident.phone) if resident.phone else ""
        resident.changed = (household_id, name, phone_hash, care_tags) != (
            here,
            resident.name,
            phone,
            resident.care_tags,
        )


def household_ids(buildings: list[int]) -> dict[tuple[int, str, str], int]:
    """Return the ids of the households of the buildings, by (building, unit, room)."""
    result: dict[tuple[int, str, str], int] = {}
    for start in range(0, len(buildings), CHUNK):
        rows = Household.objects.filter(building_id__in=buildings[start : start + CHUNK]).values_list(
            "building_id", "unit", "room", "id"
        )
        result |= {(b, unit, room): pk for b, unit, room, pk in rows}
    return result
