"""Tests for the synthetic outline, the exact tiling and the contiguous grouping."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from gridgov.territory.tiling import adjacency, cluster, district_outline, tile


def unpaired_segments(polygons: list[Polygon]) -> np.ndarray:
    """Return the midpoints of directed edges that no other polygon has in the opposite direction."""
    segments = []
    for polygon in polygons:
        ring = np.asarray(polygon.exterior.coords)
        segments.append(np.hstack([ring[:-1], ring[1:]]))
    edges = np.concatenate(segments)
    forward = {tuple(e) for e in edges.tolist()}
    lonely = [e for e in edges.tolist() if (e[2], e[3], e[0], e[1]) not in forward]
    return np.array([((a + c) / 2, (b + d) / 2) for a, b, c, d in lonely])


@pytest.fixture(scope="module")
def outline() -> Polygon:
    return district_outline(7)


@pytest.fixture(scope="module")
def grids(outline: Polygon) -> list[Polygon]:
    return tile(outline, 300, seed=7)


def test_the_outline_is_a_valid_polygon_of_about_the_requested_size() -> None:
    outline = district_outline(3, center=(113.1, 27.87), radius_km=8.0)
    area_km2 = outline.area * 111.32**2 * np.cos(np.radians(27.87))
    assert outline.is_valid
    assert 100 < area_km2 < 300
    assert outline.centroid.distance(shapely.Point(113.1, 27.87)) < 0.03


def test_the_outline_depends_only_on_the_seed() -> None:
    assert district_outline(5).equals_exact(district_outline(5), 0.0)
    assert not district_outline(5).equals(district_outline(6))


def test_the_tiles_cover_the_outline_without_gaps(outline: Polygon, grids: list[Polygon]) -> None:
    union = shapely.union_all(grids)
    assert len(grids) == 300
    assert union.geom_type == "Polygon" and len(union.interiors) == 0
    assert shapely.symmetric_difference(union, outline).area < 1e-6 * outline.area


def test_the_tiles_do_not_overlap(grids: list[Polygon]) -> None:
    geoms = np.asarray(grids, dtype=object)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]])).sum()
    assert pairs.sum() > len(grids)  # neighbours were found at all
    assert overlap < 1e-12 * sum(g.area for g in grids)


def test_neighbouring_tiles_share_edges_with_identical_vertices(
    outline: Polygon, grids: list[Polygon]
) -> None:
    lonely = unpaired_segments(grids)
    distance = shapely.distance(outline.exterior, shapely.points(lonely))
    assert distance.max() < 1e-7  # only the district's own border has no partner edge


def test_every_tile_is_a_valid_simple_polygon(grids: list[Polygon]) -> None:
    assert all(isinstance(g, Polygon) and g.is_valid and not g.interiors for g in grids)


def test_the_tiles_have_even_sizes(grids: list[Polygon]) -> None:
    areas = np.array([g.area for g in grids])
    assert areas.min() > 0.4 * areas.mean()
    assert areas.max() < 2.0 * areas.mean()


def test_the_tiles_come_north_to_south(grids: list[Polygon]) -> None:
    latitudes = np.array([g.centroid.y for g in grids])
    assert latitudes[:20].mean() > latitudes[-20:].mean()
    assert np.corrcoef(np.arange(len(grids)), latitudes)[0, 1] < -0.95


def test_tiling_is_deterministic_for_a_seed(outline: Polygon, grids: list[Polygon]) -> None:
    again = tile(outline, 300, seed=7)
    other = tile(outline, 300, seed=8)
    assert [g.wkb for g in again] == [g.wkb for g in grids]
    assert [g.wkb for g in other] != [g.wkb for g in grids]


def test_a_concave_outline_is_still_tiled_by_simple_polygons() -> None:
    # A comb: Voronoi cells reach across the gaps between teeth and get cut in two by the clipping.
    teeth = [shapely.box(x, 0.0, x + 0.01, 0.1) for x in np.arange(0.0, 0.2, 0.02)]
    comb = shapely.union_all([*teeth, shapely.box(0.0, 0.0, 0.19, 0.01)])
    grids = tile(comb, 7, seed=1)
    assert len(grids) == 7
    assert all(isinstance(g, Polygon) and g.is_valid for g in grids)
    assert shapely.symmetric_difference(shapely.union_all(grids), comb).area < 1e-9


def test_one_tile_is_the_whole_outline(outline: Polygon) -> None:
    (only,) = tile(outline, 1, seed=1)
    assert shapely.symmetric_difference(only, outline).area < 1e-9 * outline.area


def test_tile_rejects_a_count_below_one(outline: Polygon) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        tile(outline, 0, seed=1)


def test_clusters_are_contiguous_and_of_similar_size(grids: list[Polygon]) -> None:
    groups = np.array(cluster(grids, 12, seed=3))
    areas = np.array([g.area for g in grids])
    assert sorted(set(groups.tolist())) == list(range(12))
    for g in range(12):
        union = shapely.union_all([p for p, k in zip(grids, groups, strict=True) if k == g])
        assert union.geom_type == "Polygon", f"group {g} is not contiguous"
    totals = np.bincount(groups, weights=areas)
    assert totals.min() > 0.5 * totals.mean()
    assert totals.max() < 1.6 * totals.mean()


def test_clustering_is_deterministic(grids: list[Polygon]) -> None:
    assert cluster(grids, 12, seed=3) == cluster(grids, 12, seed=3)


def test_clusters_of_clusters_nest(grids: list[Polygon]) -> None:
    groups = np.array(cluster(grids, 12, seed=3))
    merged = [shapely.union_all([p for p, k in zip(grids, groups, strict=True) if k == g]) for g in range(12)]
    streets = cluster(merged, 3, seed=3)
    assert sorted(set(streets)) == [0, 1, 2]


def test_cluster_rejects_more_groups_than_polygons(grids: list[Polygon]) -> None:
    with pytest.raises(ValueError, match="between 1"):
        cluster(grids[:3], 4, seed=1)


def test_adjacency_ignores_polygons_that_meet_only_at_a_corner() -> None:
    squares = [shapely.box(x, y, x + 1, y + 1) for y in (0, 1) for x in (0, 1)]
    neighbours = adjacency(np.asarray(squares, dtype=object))
    assert neighbours == [[1, 2], [0, 3], [0, 3], [1, 2]]
