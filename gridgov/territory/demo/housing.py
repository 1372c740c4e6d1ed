"""Demo phase: estates and numbered buildings in every community, and the households living in them."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import shapely
from django.db import connection
from shapely.geometry import Polygon

from gridgov.lib.address import building_key
from gridgov.territory.demo.context import CITY_NAME, Demo, bulk, insert_rows
from gridgov.territory.demo.names import EstateNamer
from gridgov.territory.locator import GridIndex
from gridgov.territory.models import Building, Community, Grid, Household

BUILDINGS_PER_ESTATE = 14
RESIDENTS_PER_HOUSEHOLD = 2.6
# Buildings of an estate stand within about 60 m (in degrees) of its centre.
ESTATE_SPREAD_DEG = 0.0006
_OLD_ESTATES = ("生活区", "宿舍", "新村", "小区")


@dataclass
class Plan:
    """A building before it is saved: its shape of units, floors and doors per landing."""

    community: Community
    grid_index: int
    name: str
    lon: float
    lat: float
    units: int
    floors: int
    doors: int

    @property
    def capacity(self) -> int:
        return self.units * self.floors * self.doors


def run(demo: Demo) -> dict[str, int]:
    """Create the buildings and households; store the households for the residents phase."""
    rng = demo.sub_rng("housing")
    np_rng = np.random.default_rng([demo.seed, 2])
    plans = _plan_buildings(demo, rng, np_rng)
    occupied = _occupancy(plans, household_count(demo.scale.residents), np_rng)
    buildings = bulk(Building, _buildings(demo, plans))
    rows = _households(buildings, plans, occupied, rng)
    insert_rows(Household, ("building", "unit", "room"), rows)
    # The residents phase needs the households' keys, in the order they were made.
    keys = {(b, u, r): pk for pk, b, u, r in Household.objects.values_list("pk", "building", "unit", "room")}
    demo.extra["households"] = [keys[row] for row in rows]
    _count_households(demo, buildings, occupied)
    return {"buildings": len(buildings), "households": len(rows)}


def household_count(residents: int) -> int:
    """Return the number of households for the residents: about 2.6 people each, never empty."""
    return min(residents, max(1, round(residents / RESIDENTS_PER_HOUSEHOLD))) if residents else 0


def _plan_buildings(demo: Demo, rng: random.Random, np_rng: np.random.Generator) -> list[Plan]:
    per_grid = _spread(demo.scale.buildings, len(demo.grids), np_rng)
    namer = EstateNamer(rng)
    plans: list[Plan] = []
    for community in demo.communities:
        grid_indexes = demo.grids_of(community)
        total = int(sum(per_grid[i] for i in grid_indexes))
        if total == 0:
            continue
        estates = min(total, max(len(grid_indexes), round(total / BUILDINGS_PER_ESTATE)))
        sizes = 1 + _spread(total - estates, estates, np_rng)
        for e, (estate, size) in enumerate(zip(namer.names_for(community.name, estates), sizes, strict=True)):
            grid_index = grid_indexes[e % len(grid_indexes)]
            points = _scatter(demo.polygons[grid_index], int(size), np_rng)
            plans.extend(
                _plan(community, grid_index, f"{estate}{n}栋", lon, lat, rng)
                for n, (lon, lat) in enumerate(points, start=1)
            )
    return plans


def _spread(total: int, parts: int, np_rng: np.random.Generator) -> np.ndarray:
    """Return `parts` counts that add up to `total`, about equal."""
    if parts <= 0:
        return np.zeros(0, dtype=np.int64)
    base = np.full(parts, total // parts, dtype=np.int64)
    extra = np_rng.choice(parts, size=total % parts, replace=False)
    base[extra] += 1
    return base


def _scatter(polygon: Polygon, count: int, np_rng: np.random.Generator) -> list[tuple[float, float]]:
    """Return `count` points inside the polygon, gathered around one random estate centre."""
    centre = _random_point(polygon, np_rng)
    candidates = centre + np_rng.normal(0.0, ESTATE_SPREAD_DEG, size=(4 * count + 8, 2))
    inside = candidates[shapely.contains_xy(polygon, candidates[:, 0], candidates[:, 1])]
    points = [(float(x), float(y)) for x, y in inside[:count]]
    # An estate squeezed into a thin corner keeps its remaining buildings at its centre.
    points += [(float(centre[0]), float(centre[1]))] * (count - len(points))
    return points


def _random_point(polygon: Polygon, np_rng: np.random.Generator) -> np.ndarray:
    """Return a uniformly random point strictly inside the polygon."""
    west, south, east, north = polygon.bounds
    for _ in range(100):
        xy = np_rng.uniform((west, south), (east, north), size=(32, 2))
        hits = xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]
        if len(hits):
            return np.asarray(hits[0])
    point = polygon.representative_point()
    return np.array([point.x, point.y])


def _plan(
    community: Community, grid_index: int, name: str, lon: float, lat: float, rng: random.Random
) -> Plan:
    """Return the building's plan: village houses, old walk-ups or new towers."""
    if community.kind == Community.Kind.VILLAGE:
        units, floors, doors = 1, rng.randint(2, 4), 1
    elif name.rstrip("0123456789栋").endswith(_OLD_ESTATES) or rng.random() < 0.5:
        units, floors, doors = rng.randint(2, 4), rng.choice((5, 6, 6, 6, 7)), 2
    else:
        units, floors, doors = rng.randint(1, 2), rng.randint(11, 33), rng.choice((2, 2, 3, 4))
    return Plan(community, grid_index, name, lon, lat, units, floors, doors)


def _occupancy(plans: list[Plan], households: int, np_rng: np.random.Generator) -> list[int]:
    """Return how many households live in each building: in proportion to its size, never over it."""
    if not plans:
        return []
    capacity = np.array([plan.capacity for plan in plans], dtype=np.float64)
    occupied = np_rng.multinomial(households, capacity / capacity.sum())
    for plan, count in zip(plans, occupied, strict=True):
        # Rarely a building draws more households than it has rooms: it gets the floors they need.
        while plan.capacity < count:
            plan.floors += 1
    return [int(count) for count in occupied]


def _buildings(demo: Demo, plans: list[Plan]) -> list[Building]:
    lons = np.array([plan.lon for plan in plans])
    lats = np.array([plan.lat for plan in plans])
    located = GridIndex.from_polygons(demo.polygons, list(range(len(demo.polygons)))).locate_many(lons, lats)
    streets = {street.pk: street for street in demo.streets}
    district = demo.district.name if demo.district else ""
    buildings, sequence = [], dict.fromkeys((c.pk for c in demo.communities), 0)
    for plan, index in zip(plans, located, strict=True):
        sequence[plan.community.pk] += 1
        address = f"{CITY_NAME}{district}{streets[plan.community.street_id].name}{plan.name}"
        buildings.append(
            Building(
                code=f"{plan.community.code}{sequence[plan.community.pk]:04d}",
                community=plan.community,
                grid=demo.grids[index] if index >= 0 else None,
                name=plan.name,
                address=address,
                address_key=building_key(address),
                lon=round(plan.lon, 7),
                lat=round(plan.lat, 7),
                floors=plan.floors,
            )
        )
    return buildings


def _households(
    buildings: list[Building], plans: list[Plan], occupied: list[int], rng: random.Random
) -> list[tuple[int, str, str]]:
    """Return (building, unit, room) of each household: rooms drawn at random among the building's."""
    households = []
    for building, plan, count in zip(buildings, plans, occupied, strict=True):
        for slot in sorted(rng.sample(range(plan.capacity), count)):
            unit, rest = divmod(slot, plan.floors * plan.doors)
            floor, door = divmod(rest, plan.doors)
            households.append((building.pk, str(unit + 1), f"{floor + 1}{door + 1:02d}"))
    return households


def _count_households(demo: Demo, buildings: list[Building], occupied: list[int]) -> None:
    counts: dict[int, int] = {}
    for building, count in zip(buildings, occupied, strict=True):
        if building.grid_id is not None:
            counts[building.grid_id] = counts.get(building.grid_id, 0) + count
    for grid in demo.grids:
        grid.households = counts.get(grid.pk, 0)
    # One prepared UPDATE for all grids: bulk_update's CASE expressions take minutes at city scale.
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(Grid._meta.db_table)} SET {quote('households')} = %s WHERE {quote('id')} = %s",
            [(count, pk) for pk, count in counts.items()],
        )
