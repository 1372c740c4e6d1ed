"""Plan and commit an import of grid boundaries as a new generation.

`plan_grids` checks everything and compares with the active generation without writing; the plan
says what a commit would do. `commit_grids` writes a plan in one transaction: streets and
communities it must create, new grids, a new active generation with one boundary per grid, the
previous generation deactivated (its boundaries stay: old cases keep the grid of their time), and
buildings located again in the new boundaries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import Polygon

from gridgov.lib.coords import Crs
from gridgov.territory.address_index import reset_address_index
from gridgov.territory.importers.geojson import FeatureProblem, GridFeature, read_features
from gridgov.territory.importers.geometry import Area, area_m2, from_geojson, same_shapes, to_geojson
from gridgov.territory.models import Building, Community, District, Generation, Grid, GridBoundary, Street

Progress = Callable[[str], None]
BATCH = 2000


@dataclass
class NewArea:
    """A street or community the import creates (`--create-areas`)."""

    code: str
    name: str


@dataclass
class GridPlan:
    """What importing a file would do; `problems` must be empty before it may be committed."""

    features: list[GridFeature]
    problems: list[FeatureProblem] = field(default_factory=list)
    warnings: list[FeatureProblem] = field(default_factory=list)
    new_codes: list[str] = field(default_factory=list)
    changed_codes: list[str] = field(default_factory=list)
    unchanged_codes: list[str] = field(default_factory=list)
    dropped_codes: list[str] = field(default_factory=list)
    renamed_codes: list[str] = field(default_factory=list)
    new_districts: list[NewArea] = field(default_factory=list)
    new_streets: list[NewArea] = field(default_factory=list)
    new_communities: list[NewArea] = field(default_factory=list)
    active_generation: int | None = None

    @property
    def same_boundaries(self) -> bool:
        """Return whether the file's boundaries equal those of the active generation."""
        return self.active_generation is not None and not (
            self.new_codes or self.changed_codes or self.dropped_codes
        )


@dataclass
class GridCommit:
    """What a commit did."""

    generation: Generation | None
    grids_created: int
    grids_renamed: int
    boundaries: int
    buildings_moved: int
    buildings_outside: int


def plan_grids(
    data: Any,
    crs: Crs = Crs.WGS84,
    *,
    tolerance_m2: float = 1.0,
    create_areas: bool = False,
    allow_gaps: bool = False,
    progress: Progress | None = None,
) -> GridPlan:
    """Check a FeatureCollection and compare it with the active generation; write nothing."""
    say = progress or (lambda _message: None)
    problems: list[FeatureProblem] = []
    features = read_features(data, crs, tolerance_m2, problems)
    say(_("Read %(count)d features.") % {"count": len(features)})
    plan = GridPlan(features=features, problems=problems)
    features = _drop_duplicates(features, plan.problems)
    _check_areas(features, plan, create_areas)
    geometries = np.array([f.geometry for f in features], dtype=object)
    _check_overlaps(features, geometries, tolerance_m2, plan.problems)
    say(_("Checked overlaps."))
    gaps = plan.warnings if allow_gaps else plan.problems
    _check_gaps(geometries, tolerance_m2, gaps)
    say(_("Checked gaps."))
    _compare_with_active(features, plan)
    plan.problems.sort(key=lambda p: p.number or 0)
    return plan


def _drop_duplicates(features: list[GridFeature], problems: list[FeatureProblem]) -> list[GridFeature]:
    first: dict[str, GridFeature] = {}
    for feature in features:
        if feature.code in first:
            problems.append(
                FeatureProblem(
                    feature.number,
                    feature.code,
                    _("the code is used by feature %(other)d too.") % {"other": first[feature.code].number},
                )
            )
        else:
            first[feature.code] = feature
    return list(first.values())


def _check_areas(features: list[GridFeature], plan: GridPlan, create: bool) -> None:
    """Check that the community of every code exists, or plan to create it from the names given."""
    districts = set(District.objects.values_list("code", flat=True))
    streets = set(Street.objects.values_list("code", flat=True))
    communities = set(Community.objects.values_list("code", flat=True))
    planned: dict[str, list[NewArea]] = {"district": [], "street": [], "community": []}
    for feature in features:
        community = feature.code[:12]
        if community in communities:
            continue
        message = _missing_area(feature, create, districts)
        if message:
            plan.problems.append(FeatureProblem(feature.number, feature.code, message))
            continue
        for level, code, name, known in (
            ("district", feature.code[:6], feature.district_name, districts),
            ("street", feature.code[:9], feature.street_name, streets),
            ("community", community, feature.community_name, communities),
        ):
            if code not in known:
                known.add(code)
                planned[level].append(NewArea(code, name))
    plan.new_districts, plan.new_streets = planned["district"], planned["street"]
    plan.new_communities = planned["community"]


def _missing_area(feature: GridFeature, create: bool, districts: set[str]) -> str:
    if not create:
        return _(
            "no community has the code %(community)s; create it first, or pass --create-areas with"
            " community_name and street_name in the feature."
        ) % {"community": feature.code[:12]}
    if not feature.community_name or not feature.street_name:
        return _("to create community %(community)s the feature needs community_name and street_name.") % {
            "community": feature.code[:12]
        }
    if feature.code[:6] not in districts and not feature.district_name:
        return _("no district has the code %(district)s; give district_name to create it.") % {
            "district": feature.code[:6]
        }
    return ""


def _check_overlaps(
    features: list[GridFeature], geometries: np.ndarray, tolerance_m2: float, problems: list[FeatureProblem]
) -> None:
    """Report every pair of grids whose interiors share more than the tolerance."""
    if len(geometries) < 2:
        return
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    # Neighbours touch along their edges; only a shared interior is an overlap.
    inner = shapely.relate_pattern(geometries[left], geometries[right], "T********")
    left, right = left[inner], right[inner]
    if not len(left):
        return
    areas = area_m2(shapely.intersection(geometries[left], geometries[right]))
    for i, j, area in zip(left, right, areas, strict=True):
        if area > tolerance_m2:
            a, b = features[i], features[j]
            problems.append(
                FeatureProblem(
                    b.number,
                    b.code,
                    _("overlaps grid %(other)s (feature %(number)d) by %(area).1f m².")
                    % {"other": a.code, "number": a.number, "area": area},
                )
            )


def _check_gaps(geometries: np.ndarray, tolerance_m2: float, problems: list[FeatureProblem]) -> None:
    """Report holes in the union of all grids: land inside the district that no grid covers."""
    if not len(geometries):
        return
    union = shapely.union_all(geometries)
    holes = [Polygon(ring) for part in shapely.get_parts(union) for ring in part.interiors]
    for hole in holes:
        area = area_m2(hole)
        if area > tolerance_m2:
            point = hole.representative_point()
            problems.append(
                FeatureProblem(
                    None,
                    "",
                    _("Gap of %(area).1f m² that no grid covers, near %(lon).6f, %(lat).6f.")
                    % {"area": area, "lon": point.x, "lat": point.y},
                )
            )


def _compare_with_active(features: list[GridFeature], plan: GridPlan) -> None:
    active = Generation.objects.filter(active=True).first()
    known = dict(Grid.objects.values_list("code", "name"))
    stored: dict[str, Area] = {}
    if active is not None:
        plan.active_generation = active.pk
        rows = GridBoundary.objects.filter(generation=active).values_list("grid__code", "geometry")
        stored = {code: from_geojson(geometry) for code, geometry in rows}
    codes = [f.code for f in features]
    old = [f for f in features if f.code in stored]
    same = same_shapes([f.geometry for f in old], [stored[f.code] for f in old]) if old else np.zeros(0, bool)
    unchanged = {f.code for f, equal in zip(old, same, strict=True) if equal}
    plan.unchanged_codes = sorted(unchanged)
    plan.changed_codes = sorted({f.code for f in old} - unchanged)
    plan.new_codes = sorted(code for code in codes if code not in stored)
    plan.dropped_codes = sorted(set(stored) - set(codes))
    plan.renamed_codes = sorted(f.code for f in features if f.code in known and known[f.code] != f.name)


@transaction.atomic
def commit_grids(plan: GridPlan, *, source: str = "", progress: Progress | None = None) -> GridCommit:
    """Write the plan; with the same boundaries as the active generation only names are updated."""
    if plan.problems:
        raise ValueError("a plan with problems cannot be committed")
    say = progress or (lambda _message: None)
    # Lock the active generation: two imports at once must not both believe they replace it.
    active = Generation.objects.select_for_update().filter(active=True).first()
    if (active.pk if active else None) != plan.active_generation:
        raise RuntimeError("the active generation changed since the plan was made; plan again")
    _create_areas(plan)
    grids, created, renamed = _save_grids(plan.features)
    if plan.same_boundaries:
        return GridCommit(None, created, renamed, 0, 0, 0)
    generation = _new_generation(active, source, len(plan.features))
    GridBoundary.objects.bulk_create(
        (
            GridBoundary(
                grid=grids[f.code], generation=generation, geometry=to_geojson(f.geometry), area_m2=f.area_m2
            )
            for f in plan.features
        ),
        batch_size=BATCH,
    )
    say(
        _("Wrote %(count)d boundaries in generation %(generation)d.")
        % {"count": len(plan.features), "generation": generation.pk}
    )
    moved, outside = relocate_buildings(
        [f.geometry for f in plan.features], [grids[f.code].pk for f in plan.features]
    )
    return GridCommit(generation, created, renamed, len(plan.features), moved, outside)


def _create_areas(plan: GridPlan) -> None:
    for area in plan.new_districts:
        District.objects.create(code=area.code, name=area.name)
    districts = {d.code: d for d in District.objects.filter(code__in={a.code[:6] for a in plan.new_streets})}
    for area in plan.new_streets:
        kind = Street.Kind.OFFICE if area.name.endswith("办事处") else Street.Kind.STREET
        if area.name.endswith(("镇", "乡")):
            kind = Street.Kind.TOWN
        Street.objects.create(district=districts[area.code[:6]], code=area.code, name=area.name, kind=kind)
    streets = {s.code: s for s in Street.objects.filter(code__in={a.code[:9] for a in plan.new_communities})}
    for area in plan.new_communities:
        village = area.name.endswith("村")
        Community.objects.create(
            street=streets[area.code[:9]],
            code=area.code,
            name=area.name,
            kind=Community.Kind.VILLAGE if village else Community.Kind.COMMUNITY,
        )


def _save_grids(features: Sequence[GridFeature]) -> tuple[dict[str, Grid], int, int]:
    """Return the grids by code, creating new ones and renaming changed ones; and how many of each."""
    grids = {g.code: g for g in Grid.objects.filter(code__in=[f.code for f in features])}
    communities = {c.code: c for c in Community.objects.filter(code__in={f.code[:12] for f in features})}
    new = [
        Grid(community=communities[f.code[:12]], code=f.code, name=f.name)
        for f in features
        if f.code not in grids
    ]
    for grid in Grid.objects.bulk_create(new, batch_size=BATCH):
        grids[grid.code] = grid
    renamed = [grids[f.code] for f in features if grids[f.code].name != f.name]
    names = {f.code: f.name for f in features}
    for grid in renamed:
        grid.name = names[grid.code]
    Grid.objects.bulk_update(renamed, ["name"], batch_size=BATCH)
    if any(grid.pk is None for grid in grids.values()):
        # Backends without RETURNING for bulk inserts: read the ids back.
        grids = {g.code: g for g in Grid.objects.filter(code__in=list(grids))}
    return grids, len(new), len(renamed)


def _new_generation(previous: Generation | None, source: str, count: int) -> Generation:
    if previous is not None:
        # Deactivate first: at most one generation may be active (a partial unique constraint).
        Generation.objects.filter(pk=previous.pk).update(active=False)
    description = _("%(count)d grids imported") % {"count": count}
    return Generation.objects.create(description=description[:200], source=source[:200], active=True)


def relocate_buildings(polygons: Sequence[Area], grid_ids: Sequence[int]) -> tuple[int, int]:
    """Set every building's grid from its point; return how many moved and how many lie outside all grids."""
    from gridgov.territory.locator import GridIndex

    rows = list(Building.objects.values_list("id", "lon", "lat", "grid_id"))
    if not rows:
        return 0, 0
    ids, lons, lats, current = zip(*rows, strict=True)
    index = GridIndex.from_polygons(list(polygons), list(grid_ids))
    located = index.locate_many(np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64))
    changed = [
        Building(pk=pk, grid_id=(int(grid) if grid >= 0 else None))
        for pk, grid, old in zip(ids, located, current, strict=True)
        if (int(grid) if grid >= 0 else None) != old
    ]
    Building.objects.bulk_update(changed, ["grid"], batch_size=BATCH)
    reset_address_index()
    return len(changed), int((located < 0).sum())
