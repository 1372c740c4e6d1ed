"""Demo phase: the district, its streets, communities and grids, and one active boundary generation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon, mapping

from gridgov.territory import tiling
from gridgov.territory.demo import names
from gridgov.territory.demo.context import CENTER, DISTRICT_CODE, DISTRICT_NAME, Demo, bulk
from gridgov.territory.models import Community, District, Generation, Grid, GridBoundary, Street

EARTH_RADIUS_M = 6_371_008.8
# Generations made by the demo carry this source, so that `gridgov demo --reset` knows a demo database.
DEMO_SOURCE = "gridgov demo"


def run(demo: Demo) -> dict[str, int]:
    """Create the district, streets, communities, grids and their boundaries."""
    scale = demo.scale
    outline = tiling.district_outline(demo.seed, center=CENTER, radius_km=scale.radius_km)
    cells = tiling.tile(outline, scale.grids, demo.seed)
    communities = _groups(tiling.cluster(cells, scale.communities, demo.seed))
    community_shapes = [shapely.union_all([cells[i] for i in members]) for members in communities]
    streets = _groups(tiling.cluster(community_shapes, scale.streets, demo.seed))
    # Number streets and communities north to south, west to east, as the tiles are.
    streets = _ordered(streets, [shapely.union_all([community_shapes[i] for i in s]) for s in streets])
    rng = demo.sub_rng("territory")
    street_names = names.street_names(rng, len(streets))
    ordered = [_ordered([communities[i] for i in s], [community_shapes[i] for i in s]) for s in streets]
    community_names = names.community_names(rng, [len(s) for s in ordered])
    demo.district = District.objects.create(code=DISTRICT_CODE, name=DISTRICT_NAME)
    _create_areas(demo, street_names, community_names, ordered, cells)
    _create_boundaries(demo)
    return {"streets": len(demo.streets), "communities": len(demo.communities), "grids": len(demo.grids)}


def _groups(labels: Sequence[int]) -> list[list[int]]:
    """Return the member indexes of each label, dropping labels that got no member."""
    members: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        members.setdefault(int(label), []).append(index)
    return [members[label] for label in sorted(members)]


def _ordered(groups: list[Any], shapes: Sequence[Any]) -> list[Any]:
    """Return the groups sorted by the centroids of their shapes, north to south, then west to east."""
    centroids = shapely.centroid(np.asarray(shapes, dtype=object))
    keys = [(-round(float(point.y), 4), float(point.x)) for point in centroids]
    return [group for _, group in sorted(zip(keys, groups, strict=True), key=lambda pair: pair[0])]


def _create_areas(
    demo: Demo,
    street_names: list[names.PlaceName],
    community_names: list[list[names.PlaceName]],
    ordered: list[list[list[int]]],
    cells: list[Polygon],
) -> None:
    assert demo.district is not None
    code = demo.district.code
    demo.streets = bulk(
        Street,
        [
            Street(district=demo.district, code=f"{code}{i + 1:03d}", name=place.name, kind=place.kind)
            for i, place in enumerate(street_names)
        ],
    )
    communities: list[Community] = []
    grids: list[tuple[Community, int, Polygon]] = []
    for street, places, groups in zip(demo.streets, community_names, ordered, strict=True):
        for j, (place, members) in enumerate(zip(places, groups, strict=True)):
            community = Community(
                street=street, code=f"{street.code}{j + 1:03d}", name=place.name, kind=place.kind
            )
            communities.append(community)
            grids.extend((community, k, cells[i]) for k, i in enumerate(sorted(members), start=1))
    demo.communities = bulk(Community, communities)
    demo.grids = bulk(
        Grid,
        [
            Grid(community=community, code=f"{community.code}{k:03d}", name=f"{community.name}第{k}网格")
            for community, k, _ in grids
        ],
    )
    demo.polygons = [polygon for _, _, polygon in grids]


def _create_boundaries(demo: Demo) -> None:
    demo.generation = Generation.objects.create(
        description=f"demo district, seed {demo.seed}",
        source=f"{DEMO_SOURCE} --seed {demo.seed}",
        active=True,
    )
    areas = areas_m2(demo.polygons)
    bulk(
        GridBoundary,
        [
            GridBoundary(
                grid=grid, generation=demo.generation, geometry=geojson(polygon), area_m2=round(area, 1)
            )
            for grid, polygon, area in zip(demo.grids, demo.polygons, areas, strict=True)
        ],
        batch_size=500,
    )


def geojson(geometry: Polygon) -> dict[str, Any]:
    """Return the geometry as a GeoJSON dict with lists (JSON has no tuples)."""
    shape = mapping(geometry)
    return {"type": shape["type"], "coordinates": _lists(shape["coordinates"])}


def _lists(value: Any) -> Any:
    if isinstance(value, tuple | list):
        if value and isinstance(value[0], float | int):
            return [float(v) for v in value]
        return [_lists(v) for v in value]
    return value


def areas_m2(polygons: Sequence[Polygon]) -> list[float]:
    """Return the areas in square metres of WGS-84 polygons (sinusoidal projection, equal-area)."""

    def project(coords: np.ndarray) -> np.ndarray:
        lon, lat = np.radians(coords[:, 0]), np.radians(coords[:, 1])
        return np.column_stack([EARTH_RADIUS_M * lon * np.cos(lat), EARTH_RADIUS_M * lat])

    projected = shapely.transform(np.asarray(polygons, dtype=object), project)
    return [float(a) for a in shapely.area(projected)]
