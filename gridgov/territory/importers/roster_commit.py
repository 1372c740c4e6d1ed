"""Write a checked roster plan in one transaction: buildings, households, residents.

Residents are written in bulk here rather than one by one through `people.actions.create_resident`:
a district roster has a quarter of a million rows. The checks are the same (`clean_id_number`,
`clean_phone` of people.actions, uniqueness by the keyed hash), done once for the whole file by
`roster.plan_roster`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from gridgov.lib.crypto import cipher_for
from gridgov.people.models import Resident
from gridgov.territory.address_index import reset_address_index
from gridgov.territory.importers.roster import CHUNK, BuildingRow, ResidentRow, RosterPlan, household_ids
from gridgov.territory.models import Building, Community, Grid, Household

BATCH = 2000


@dataclass
class RosterCommit:
    """What a commit wrote."""

    buildings_created: int = 0
    buildings_updated: int = 0
    households_created: int = 0
    residents_created: int = 0
    residents_updated: int = 0


@transaction.atomic
def commit_roster(
    plan: RosterPlan, *, skip_invalid: bool = False, progress: Callable[[str], None] | None = None
) -> RosterCommit:
    """Write the plan's good rows; refuse a plan with problems unless `skip_invalid`."""
    if plan.problems and not skip_invalid:
        raise ValueError("a roster plan with problems cannot be committed")
    say = progress or (lambda _message: None)
    result = RosterCommit()
    touched_grids: set[int] = set()
    pks = _save_buildings(plan.buildings, result, touched_grids)
    say(_("Wrote %(count)d buildings.") % {"count": result.buildings_created + result.buildings_updated})
    households = _save_households(plan.residents, pks, result)
    say(_("Wrote %(count)d households.") % {"count": result.households_created})
    _save_residents(plan.residents, pks, households, result)
    touched_grids |= _grids_of(sorted({_building_pk(r, pks) for r in plan.residents}))
    _recount_households(touched_grids)
    reset_address_index()
    return result


def _grids_of(buildings: list[int]) -> set[int]:
    grids: set[int] = set()
    for start in range(0, len(buildings), CHUNK):
        rows = Building.objects.filter(pk__in=buildings[start : start + CHUNK], grid__isnull=False)
        grids.update(rows.values_list("grid_id", flat=True).distinct())
    return grids


def _building_pk(resident: ResidentRow, pks: dict[int, int]) -> int:
    building = resident.building
    return pks[id(building)] if isinstance(building, BuildingRow) else building


def _save_buildings(rows: list[BuildingRow], result: RosterCommit, touched: set[int]) -> dict[int, int]:
    """Create new buildings and update changed ones; return building pks by `id(row)`."""
    pks: dict[int, int] = {}
    changed = [row for row in rows if row.existing is not None and row.changed]
    for row in changed:
        building = row.existing
        assert building is not None
        touched.update(g for g in (building.grid_id, row.grid_id) if g is not None)
        building.name, building.address, building.address_key = row.name, row.address, row.key
        building.lon, building.lat, building.floors, building.grid_id = (
            row.lon,
            row.lat,
            row.floors,
            row.grid_id,
        )
    Building.objects.bulk_update(
        [r.existing for r in changed if r.existing], _BUILDING_FIELDS, batch_size=BATCH
    )
    result.buildings_updated = len(changed)
    for row in rows:
        if row.existing is not None:
            pks[id(row)] = row.existing.pk
    new = [row for row in rows if row.existing is None]
    codes = _next_codes([row.community for row in new])
    created = Building.objects.bulk_create(
        [
            Building(
                code=code,
                community=row.community,
                grid_id=row.grid_id,
                name=row.name,
                address=row.address,
                address_key=row.key,
                lon=row.lon,
                lat=row.lat,
                floors=row.floors,
            )
            for row, code in zip(new, codes, strict=True)
        ],
        batch_size=BATCH,
    )
    by_code = _pks_by_code(created)
    for row, code in zip(new, codes, strict=True):
        pks[id(row)] = by_code[code]
        if row.grid_id is not None:
            touched.add(row.grid_id)
    result.buildings_created = len(new)
    return pks


_BUILDING_FIELDS = ["name", "address", "address_key", "lon", "lat", "floors", "grid"]


def _next_codes(communities: list[Community]) -> list[str]:
    """Return a fresh building code for each entry: the community code and a 4-digit sequence."""
    last: dict[int, int] = {}
    for community in {c.pk: c for c in communities}.values():
        codes = Building.objects.filter(code__startswith=community.code).values_list("code", flat=True)
        tails = [int(code[len(community.code) :]) for code in codes if code[len(community.code) :].isdigit()]
        last[community.pk] = max(tails, default=0)
    result = []
    for community in communities:
        last[community.pk] += 1
        result.append(f"{community.code}{last[community.pk]:04d}")
    return result


def _pks_by_code(created: list[Building]) -> dict[str, int]:
    if all(b.pk is not None for b in created):
        return {b.code: b.pk for b in created}
    # Backends that cannot return ids from a bulk insert: read them back.
    codes = [b.code for b in created]
    result: dict[str, int] = {}
    for start in range(0, len(codes), CHUNK):
        result |= dict(
            Building.objects.filter(code__in=codes[start : start + CHUNK]).values_list("code", "id")
        )
    return result


def _save_households(
    residents: list[ResidentRow], pks: dict[int, int], result: RosterCommit
) -> dict[tuple[int, str, str], int]:
    """Return household ids by (building, unit, room), creating the missing ones."""
    wanted = {(_building_pk(r, pks), r.unit, r.room) for r in residents if r.existing is None or r.changed}
    by_building: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for building, unit, room in wanted:
        by_building[building].add((unit, room))
    known = household_ids(list(by_building))
    missing = sorted(key for key in wanted if key not in known)
    Household.objects.bulk_create(
        [Household(building_id=b, unit=unit, room=room) for b, unit, room in missing], batch_size=BATCH
    )
    result.households_created = len(missing)
    return household_ids(list(by_building)) if missing else known


def _save_residents(
    rows: list[ResidentRow],
    pks: dict[int, int],
    households: dict[tuple[int, str, str], int],
    result: RosterCommit,
) -> None:
    cipher = cipher_for(settings.FIELD_ENCRYPTION_KEY)
    new: list[Resident] = []
    changed: list[Resident] = []
    for row in rows:
        if row.existing is not None and not row.changed:
            continue
        id_sealed, phone_sealed = cipher.seal(row.id_number), cipher.seal(row.phone)
        resident = Resident(
            pk=row.existing,
            household_id=households[(_building_pk(row, pks), row.unit, row.room)],
            name=row.name,
            gender=row.gender,
            birth_date=row.birth_date,
            id_number_encrypted=id_sealed[0],
            id_number_hash=id_sealed[1],
            phone_encrypted=phone_sealed[0],
            phone_hash=phone_sealed[1],
            care_tags=row.care_tags,
        )
        (new if row.existing is None else changed).append(resident)
    Resident.objects.bulk_create(new, batch_size=BATCH)
    Resident.objects.bulk_update(
        changed, ["household", "name", "phone_encrypted", "phone_hash", "care_tags"], batch_size=BATCH
    )
    result.residents_created, result.residents_updated = len(new), len(changed)


def _recount_households(grid_ids: set[int]) -> None:
    """Store the household count of the grids whose buildings or households changed."""
    count = (
        Household.objects.filter(building__grid=OuterRef("pk"))
        .values("building__grid")
        .annotate(n=Count("id"))
        .values("n")
    )
    Grid.objects.filter(pk__in=grid_ids).update(households=Coalesce(Subquery(count), 0))
