"""Demo phase: the departments of the district as a tree, with the units every street has."""

from __future__ import annotations

import random
from dataclasses import dataclass

from gridgov.people.models import Department
from gridgov.territory.demo.context import Demo, bulk
from gridgov.territory.demo.names import stem_of
from gridgov.territory.models import Street

Kind = Department.Kind


@dataclass(frozen=True)
class Unit:
    """A department to create: code, name, kind and the code of its parent ("" at the top)."""

    code: str
    name: str
    kind: str
    parent: str = ""


# The district's departments. Codes are stable identifiers the routing rules of later issues use.
DISTRICT_UNITS = [
    Unit("grid_centre", "区网格化服务管理中心", Kind.GRID_CENTRE),
    Unit("grid_centre.dispatch", "指挥调度科", Kind.GRID_CENTRE, "grid_centre"),
    Unit("grid_centre.inspection", "督查考核科", Kind.GRID_CENTRE, "grid_centre"),
    Unit("cgj", "区城管局", Kind.GOVERNMENT),
    Unit("cgj.enforcement", "区城管执法大队", Kind.GOVERNMENT, "cgj"),
    Unit("cgj.sanitation", "区环境卫生服务中心", Kind.GOVERNMENT, "cgj"),
    Unit("cgj.greening", "区园林绿化所", Kind.GOVERNMENT, "cgj"),
    Unit("cgj.lighting", "区市政设施维护所", Kind.GOVERNMENT, "cgj"),
    Unit("zjj", "区住建局", Kind.GOVERNMENT),
    Unit("zjj.property", "物业管理科", Kind.GOVERNMENT, "zjj"),
    Unit("scjgj", "区市场监管局", Kind.GOVERNMENT),
    Unit("sthj", "区生态环境分局", Kind.GOVERNMENT),
    Unit("yjglj", "区应急管理局", Kind.GOVERNMENT),
    Unit("mzj", "区民政局", Kind.GOVERNMENT),
    Unit("wjj", "区卫健局", Kind.GOVERNMENT),
    Unit("gaj", "公安石峰分局", Kind.POLICE),
    Unit("gaj.traffic", "交警石峰大队", Kind.POLICE, "gaj"),
    Unit("power", "国网株洲供电公司石峰供电部", Kind.UTILITY),
    Unit("water", "株洲水务", Kind.UTILITY),
    Unit("water.shifeng", "株洲水务石峰营业所", Kind.UTILITY, "water"),
    Unit("gas", "新奥燃气", Kind.UTILITY),
    Unit("gas.shifeng", "新奥燃气石峰服务站", Kind.UTILITY, "gas"),
]
# Departments whose handlers receive dispatched cases (one or two handlers each).
HANDLED_UNITS = ["cgj", "zjj", "scjgj", "sthj", "yjglj", "mzj", "wjj", "gaj", "power", "water", "gas"]
# Departments that lend linked cadres (联系网格的机关干部) to the grids.
CADRE_UNITS = ["zjj", "scjgj", "sthj", "yjglj", "mzj", "wjj"]
PROPERTY_COMPANIES = [
    "石峰物业管理有限公司",
    "株洲云峰物业服务有限公司",
    "湘华物业服务有限公司",
    "株洲红旗物业管理有限公司",
    "清水塘物业服务有限公司",
    "株洲九方物业管理有限公司",
    "株洲田心物业服务有限公司",
    "合泰物业管理有限公司",
]
# The sections of every street office, and the units each street has in district departments.
STREET_SECTIONS = [
    ("grid", "网格化服务管理站", Kind.GRID_CENTRE),
    ("safety", "综治中心", Kind.STREET_OFFICE),
    ("urban", "城管办", Kind.STREET_OFFICE),
    ("social", "社会事务办", Kind.STREET_OFFICE),
    ("work_safety", "安监站", Kind.STREET_OFFICE),
]
STREET_UNITS = [
    ("gaj", "派出所", Kind.POLICE),
    ("cgj.enforcement", "执法中队", Kind.GOVERNMENT),
    ("cgj.sanitation", "环卫站", Kind.GOVERNMENT),
    ("scjgj", "市场监管所", Kind.GOVERNMENT),
    ("power", "供电所", Kind.UTILITY),
]


def run(demo: Demo) -> dict[str, int]:
    """Create the department tree: district departments, street units, street offices, property companies."""
    rng = demo.sub_rng("departments")
    levels: list[list[Unit]] = [[], [], []]
    for unit in DISTRICT_UNITS:
        levels[1 if unit.parent else 0].append(unit)
    for street in demo.streets:
        office = street_unit_code("street", street)
        levels[0].append(Unit(office, street.name, Kind.STREET_OFFICE))
        levels[1].extend(Unit(f"{office}.{key}", name, kind, office) for key, name, kind in STREET_SECTIONS)
        stem = stem_of(street.name)
        for parent, suffix, kind in STREET_UNITS:
            unit = Unit(street_unit_code(parent, street), stem + suffix, kind, parent)
            levels[2 if "." in parent else 1].append(unit)
    levels[0].extend(
        Unit(f"property.{i + 1:02d}", name, Kind.PROPERTY) for i, name in enumerate(_companies(demo))
    )
    for units in levels:
        made = bulk(
            Department,
            [
                Department(
                    code=u.code,
                    name=u.name,
                    kind=u.kind,
                    parent=demo.departments.get(u.parent),
                    phone=_duty_phone(rng),
                )
                for u in units
            ],
        )
        demo.departments.update((d.code, d) for d in made)
    return {"departments": len(demo.departments)}


def street_unit_code(parent: str, street: Street) -> str:
    """Return the code of a street's unit in a district department (its police station, …)."""
    return f"{parent}.{street.code}"


def property_companies(demo: Demo) -> list[Department]:
    """Return the property management companies made by this phase."""
    companies: list[Department] | None = demo.extra.get("property_companies")
    if companies is None:
        companies = [d for code, d in sorted(demo.departments.items()) if code.startswith("property.")]
        demo.extra["property_companies"] = companies
    return companies


def _companies(demo: Demo) -> list[str]:
    # About one company for every five communities: a city has hundreds, numbered after the eighth.
    count = max(3, round(len(demo.communities) / 5))
    named = PROPERTY_COMPANIES[:count]
    return named + [f"株洲第{i}物业服务有限公司" for i in range(len(named) + 1, count + 1)]


def _duty_phone(rng: random.Random) -> str:
    # Zhuzhou numbers share the 0731 area code with Changsha and Xiangtan.
    return f"0731-2{rng.randrange(1_000_000, 10_000_000)}"
