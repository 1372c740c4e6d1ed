"""Demo phase: a full team for every grid, dispatchers and leaders for every level, department handlers.

The police officer, urban-management officer and cleaner of a grid often serve the neighbouring
grids too: one person holds one post per grid, as in a real district's roster.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from gridgov.people.models import Department, Level, Role
from gridgov.territory.demo.context import Demo
from gridgov.territory.demo.departments import (
    CADRE_UNITS,
    HANDLED_UNITS,
    property_companies,
    street_unit_code,
)
from gridgov.territory.demo.staff import StaffMaker
from gridgov.territory.models import Community, Grid

# Role → (user name prefix, how many neighbouring grids one person covers).
SHARED_ROLES: list[tuple[Role, str, Sequence[int]]] = [
    (Role.POLICE, "police", (2, 3)),
    (Role.URBAN_OFFICER, "urban", (2, 3, 4)),
    (Role.CLEANER, "cleaner", (1, 2)),
    (Role.PROPERTY, "property", (1, 2)),
    (Role.CADRE, "cadre", (1, 2)),
]
UTILITY_UNITS = {Role.POWER: "power", Role.WATER: "water.shifeng", Role.GAS: "gas.shifeng"}
BUILDING_LEADERS = (2, 4)
DISTRICT_DISPATCHERS, DISTRICT_LEADERS, STREET_DISPATCHERS = 4, 3, 2


def run(demo: Demo) -> dict[str, int]:
    """Create the staff users and their posts at every level."""
    maker = StaffMaker(demo)
    for community in demo.communities:
        _grid_teams(demo, maker, community)
        _add(maker, Role.DISPATCHER, f"cd.{community.code}", Level.COMMUNITY, community=community)
    for street in demo.streets:
        for _ in range(STREET_DISPATCHERS):
            _add(maker, Role.DISPATCHER, f"sd.{street.code}", Level.STREET, street=street)
        _add(maker, Role.LEADER, f"sl.{street.code}", Level.STREET, street=street)
    _district_staff(demo, maker)
    _department_handlers(demo, maker)
    staff, posts = maker.save()
    return {"staff": staff, "posts": posts}


def _add(
    maker: StaffMaker, role: Role, username: str, level: Level, *, persona: bool = False, **scope: object
) -> None:
    maker.post(maker.user(role, username, persona=persona), role, level, **scope)


def _grid_teams(demo: Demo, maker: StaffMaker, community: Community) -> None:
    rng = maker.rng
    indexes = demo.grids_of(community)
    grids = [demo.grids[i] for i in indexes]
    # The demo personas work in the district's first grid (清水塘社区第1网格).
    first = indexes[0] == 0
    street_code = community.code[:9]
    units = {
        Role.POLICE: demo.departments[f"gaj.{street_code}"],
        Role.URBAN_OFFICER: demo.departments[f"cgj.enforcement.{street_code}"],
        Role.CLEANER: demo.departments[f"cgj.sanitation.{street_code}"],
        Role.PROPERTY: rng.choice(property_companies(demo)),
    }
    for n, grid in enumerate(grids):
        _add(maker, Role.GRID_WORKER, f"gw.{grid.code}", Level.GRID, persona=first and n == 0, grid=grid)
        for k in range(rng.randint(*BUILDING_LEADERS)):
            leader = maker.user(Role.BUILDING_LEADER, f"bl.{grid.code}", persona=first and n == 0 and k == 0)
            maker.post(leader, Role.BUILDING_LEADER, Level.GRID, grid=grid)
    for role, prefix, sizes in SHARED_ROLES:
        for m, chunk in enumerate(_chunks(grids, sizes, rng)):
            unit = units.get(role) or demo.departments[rng.choice(CADRE_UNITS)]
            _cover(maker, role, f"{prefix}.{chunk[0].code}", chunk, unit, persona=first and m == 0)
    for role, code in UTILITY_UNITS.items():
        # Power has a supply office (供电所) in every street; water and gas one for the district.
        unit = demo.departments[street_unit_code(code, community.street) if role == Role.POWER else code]
        _cover(maker, role, f"{role.value}.{community.code}", grids, unit, persona=first)


def _cover(
    maker: StaffMaker, role: Role, username: str, grids: Sequence[Grid], unit: Department, *, persona: bool
) -> None:
    """Create one person holding a grid post of the role in each of the grids, for the unit."""
    user = maker.user(role, username, persona=persona)
    for grid in grids:
        maker.post(user, role, Level.GRID, grid=grid, department=unit)


def _chunks(items: Sequence[Grid], sizes: Sequence[int], rng: random.Random) -> list[Sequence[Grid]]:
    """Split the items into runs of neighbouring grids, each of a size drawn from `sizes`."""
    chunks, start = [], 0
    while start < len(items):
        size = rng.choice(sizes)
        chunks.append(items[start : start + size])
        start += size
    return chunks


def _district_staff(demo: Demo, maker: StaffMaker) -> None:
    district = demo.district
    for n in range(DISTRICT_DISPATCHERS):
        _add(maker, Role.DISPATCHER, "dd", Level.DISTRICT, persona=n == 0, district=district)
    for n in range(DISTRICT_LEADERS):
        _add(maker, Role.LEADER, "leader", Level.DISTRICT, persona=n == 0, district=district)
    _add(maker, Role.FUND_OFFICER, "fund", Level.DISTRICT, persona=True, district=district)
    for n in range(2):
        _add(maker, Role.ADMIN, "admin", Level.DISTRICT, persona=n == 0, district=district)


def _department_handlers(demo: Demo, maker: StaffMaker) -> None:
    # Two handlers in each main department, one in each of their units and street sections.
    units = [
        d.code for d in demo.departments.values() if d.parent_id and d.kind != Department.Kind.GRID_CENTRE
    ]
    codes = [*HANDLED_UNITS, *units]
    for code in codes:
        department = demo.departments[code]
        for n in range(2 if code in HANDLED_UNITS else 1):
            _add(
                maker,
                Role.DEPARTMENT_HANDLER,
                f"dh.{code}",
                Level.DEPARTMENT,
                persona=code == "cgj" and n == 0,
                department=department,
            )
