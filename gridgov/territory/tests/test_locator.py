"""Tests for point → grid: the exact index, its tie rule, and the process-wide locator."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon, shape

from gridgov.lib.coords import from_wgs84
from gridgov.territory import locator as locator_module
from gridgov.territory.gridindex import GridIndex
from gridgov.territory.locator import Locator, get_locator, reset_locator
from gridgov.territory.models import Generation, GridBoundary
from gridgov.territory.tiling import district_outline, tile
from gridgov.testing import SIZE, SOUTH, WEST, square

# The four test squares as (column, row) → id; ids deliberately not in reading order.
SQUARES = {(0, 0): 30, (1, 0): 10, (0, 1): 40, (1, 1): 20}
CORNER = (WEST + SIZE, SOUTH + SIZE)


def brute_force(polygons: list, ids: list[int], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the smallest id of the polygons covering each point, -1 for none, the slow obvious way."""
    result = np.full(len(x), -1, dtype=np.int64)
    for polygon, id_ in sorted(zip(polygons, ids, strict=True), key=lambda pair: -pair[1]):
        result[shapely.intersects_xy(polygon, x, y)] = id_
    return result


def boundary_points(polygons: list, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Return vertices of the polygons (exactly on boundaries) and points on their horizontal edges."""
    coords = np.concatenate([shapely.get_coordinates(p) for p in polygons])
    picked = coords[rng.integers(0, len(coords), count)]
    return picked[:, 0], picked[:, 1]


@pytest.fixture(scope="module")
def squares() -> GridIndex:
    polygons = [shape(square(col, row)) for col, row in SQUARES]
    return GridIndex.from_polygons(polygons, list(SQUARES.values()))


def test_a_point_inside_a_square_gets_that_square(squares: GridIndex) -> None:
    assert squares.locate(WEST + 0.005, SOUTH + 0.005) == 30
    assert squares.locate(WEST + 0.015, SOUTH + 0.015) == 20


def test_a_point_outside_every_square_gets_none(squares: GridIndex) -> None:
    assert squares.locate(WEST - 0.001, SOUTH + 0.005) is None
    assert squares.locate(WEST + 0.03, SOUTH + 0.005) is None
    assert squares.locate(float("nan"), SOUTH) is None


def test_a_point_on_a_shared_edge_goes_to_the_smaller_id(squares: GridIndex) -> None:
    edge_x = shape(square(1, 0)).bounds[0]  # the very float both squares use
    assert squares.locate(edge_x, SOUTH + 0.004) == 10  # between 30 (west) and 10 (east)
    edge_y = shape(square(0, 1)).bounds[1]
    assert squares.locate(WEST + 0.004, edge_y) == 30  # between 30 (south) and 40 (north)


def test_a_point_on_the_corner_of_four_squares_goes_to_the_smallest_id(squares: GridIndex) -> None:
    x, y = shape(square(1, 1)).bounds[:2]
    assert squares.locate(x, y) == 10
    assert squares.locate_many([x], [y]).tolist() == [10]


def test_a_point_on_the_outer_border_belongs_to_its_square(squares: GridIndex) -> None:
    x0, y0 = shape(square(0, 0)).bounds[:2]
    assert squares.locate(x0, y0) == 30
    assert squares.locate(x0, y0 + 0.003) == 30


def test_locate_many_keeps_the_input_shape_and_marks_outside_with_minus_one(squares: GridIndex) -> None:
    lons = np.array([[WEST + 0.005, WEST + 0.015], [WEST - 1.0, np.nan]])
    lats = np.array([[SOUTH + 0.005, SOUTH + 0.015], [SOUTH, SOUTH]])
    assert squares.locate_many(lons, lats).tolist() == [[30, 20], [-1, -1]]


def test_locate_many_agrees_with_locate_on_edges_and_corners(squares: GridIndex) -> None:
    xs = np.array([shape(square(c, r)).bounds[i] for c, r in SQUARES for i in (0, 2)])
    ys = np.array([shape(square(c, r)).bounds[i] for c, r in SQUARES for i in (1, 3)])
    lon, lat = (g.ravel() for g in np.meshgrid(np.r_[xs, xs + 0.0031], np.r_[ys, ys + 0.0047]))
    many = squares.locate_many(lon, lat)
    single = [squares.locate(float(a), float(b)) for a, b in zip(lon, lat, strict=True)]
    assert many.tolist() == [-1 if s is None else s for s in single]
    polygons = [shape(square(col, row)) for col, row in SQUARES]
    assert many.tolist() == brute_force(polygons, list(SQUARES.values()), lon, lat).tolist()


def test_an_empty_index_finds_nothing() -> None:
    index = GridIndex.from_polygons([], [])
    assert index.locate(113.1, 27.87) is None
    assert index.locate_many([113.1, 0.0], [27.87, 0.0]).tolist() == [-1, -1]


def test_it_rejects_mismatched_ids() -> None:
    with pytest.raises(ValueError, match="2 polygons but 1 ids"):
        GridIndex.from_polygons([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], [1])


def test_it_rejects_duplicate_ids() -> None:
    with pytest.raises(ValueError, match="unique"):
        GridIndex.from_polygons([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], [1, 1])


def test_it_rejects_a_self_intersecting_polygon() -> None:
    bow_tie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    with pytest.raises(ValueError, match="id 5 is not valid: Self-intersection"):
        GridIndex.from_polygons([shapely.box(2, 2, 3, 3), bow_tie], [4, 5])


def test_it_rejects_what_is_not_a_polygon() -> None:
    with pytest.raises(ValueError, match="not a polygon"):
        GridIndex.from_polygons([shapely.Point(0, 0)], [1])


def test_holes_multipolygons_and_overlaps_follow_the_rule() -> None:
    ring = shapely.box(0, 0, 10, 10).difference(shapely.box(3, 3, 7, 7))
    islands = MultiPolygon([shapely.box(4, 4, 5, 5), shapely.box(5.5, 5.5, 6.5, 6.5)])
    overlapping = shapely.box(6, 6, 12, 12)  # over part of the ring, an island and empty space
    polygons, ids = [ring, islands, overlapping], [3, 2, 1]
    rng = np.random.default_rng(4)
    x, y = rng.uniform(-1, 13, 20_000), rng.uniform(-1, 13, 20_000)
    bx, by = boundary_points(polygons, rng, 500)
    x, y = np.r_[x, bx], np.r_[y, by]
    for cells in (16, 400, None):
        index = GridIndex.from_polygons(polygons, ids, cells=cells)
        assert index.locate_many(x, y).tolist() == brute_force(polygons, ids, x, y).tolist()
    assert index.locate(8, 8) == 1 and index.locate(5, 5) == 2 and index.locate(1, 1) == 3
    assert index.locate(3.5, 5) is None  # in the ring's hole, beside the islands


def test_thirty_grids_of_the_demo_outline_match_brute_force_everywhere() -> None:
    outline = district_outline(11)
    polygons = tile(outline, 30, seed=11)
    ids = list(range(500, 530))
    index = GridIndex.from_polygons(polygons, ids)
    rng = np.random.default_rng(11)
    xmin, ymin, xmax, ymax = outline.bounds
    x, y = rng.uniform(xmin, xmax, 50_000), rng.uniform(ymin, ymax, 50_000)
    bx, by = boundary_points(polygons, rng, 2_000)
    x, y = np.r_[x, bx], np.r_[y, by]
    expected = brute_force(polygons, ids, x, y)
    assert (expected == -1).any() and (expected >= 0).any()
    assert index.locate_many(x, y).tolist() == expected.tolist()
    single = [index.locate(float(a), float(b)) for a, b in zip(x[:3000], y[:3000], strict=True)]
    assert [-1 if s is None else s for s in single] == expected[:3000].tolist()


@st.composite
def tilings(draw: st.DrawFn) -> tuple[list[Polygon], list[int], int | None]:
    """Draw a tiling (random outline, count, seed), shuffled ids, and a raster size from coarse to fine."""
    outline = district_outline(draw(st.integers(0, 10_000)), radius_km=draw(st.floats(0.5, 20.0)))
    n = draw(st.integers(1, 40))
    polygons = tile(outline, n, seed=draw(st.integers(0, 10_000)))
    ids = draw(st.permutations(list(range(1, n + 1))))
    cells = draw(st.sampled_from([4, 50, 1_000, None]))
    return polygons, ids, cells


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tilings(), st.integers(0, 2**32 - 1))
def test_locate_many_equals_brute_force_on_random_tilings(
    tiling: tuple[list[Polygon], list[int], int | None], seed: int
) -> None:
    polygons, ids, cells = tiling
    index = GridIndex.from_polygons(polygons, ids, cells=cells)
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = shapely.total_bounds(polygons)
    pad = 0.1 * (xmax - xmin)
    x, y = rng.uniform(xmin - pad, xmax + pad, 2_000), rng.uniform(ymin - pad, ymax + pad, 2_000)
    bx, by = boundary_points(polygons, rng, 300)
    x, y = np.r_[x, bx], np.r_[y, by]
    assert index.locate_many(x, y).tolist() == brute_force(polygons, ids, x, y).tolist()


NINE = [shape(square(col, row)) for row in range(3) for col in range(3)]
LINES_X = sorted({float(v) for p in NINE for v in shapely.get_coordinates(p)[:, 0]})
LINES_Y = sorted({float(v) for p in NINE for v in shapely.get_coordinates(p)[:, 1]})
# The very floats of the edges (exactly on them), and points between them.
STOPS_X = sorted({*LINES_X, *((a + b) / 2 for a, b in itertools.pairwise(LINES_X))})
STOPS_Y = sorted({*LINES_Y, *((a + b) / 2 for a, b in itertools.pairwise(LINES_Y))})


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(STOPS_X), st.sampled_from(STOPS_Y)), min_size=1, max_size=50),
    st.permutations(range(1, 10)),
    st.sampled_from([4, 9, 100, None]),
)
def test_points_on_grid_lines_and_corners_follow_the_tie_rule(
    points: list[tuple[float, float]], ids: list[int], cells: int | None
) -> None:
    index = GridIndex.from_polygons(NINE, ids, cells=cells)
    x, y = np.array(points).T
    assert index.locate_many(x, y).tolist() == brute_force(NINE, ids, x, y).tolist()
    assert [index.locate(a, b) or -1 for a, b in points] == brute_force(NINE, ids, x, y).tolist()


def test_thirty_thousand_grids_build_in_modest_time_and_memory() -> None:
    polygons = tile(district_outline(1), 30_000, seed=1)
    index = GridIndex.from_polygons(polygons, range(30_000))
    assert index.nbytes < 100 * 2**20
    rng = np.random.default_rng(1)
    xmin, ymin, xmax, ymax = shapely.total_bounds(polygons)
    x, y = rng.uniform(xmin, xmax, 20_000), rng.uniform(ymin, ymax, 20_000)
    assert index.locate_many(x, y).tolist() == brute_force_tree(polygons, x, y).tolist()


def brute_force_tree(polygons: list[Polygon], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the position of the polygon covering each point (ids = positions), via a plain STRtree."""
    tree = shapely.STRtree(polygons)
    point, polygon = tree.query(shapely.points(x, y), predicate="intersects")
    result = np.full(len(x), np.iinfo(np.int64).max)
    np.minimum.at(result, point, polygon)
    return np.where(result == np.iinfo(np.int64).max, -1, result)


# --- the locator of the running system -------------------------------------------------------------


@pytest.fixture
def fresh_locator():  # type: ignore[no-untyped-def]
    reset_locator()
    yield
    reset_locator()


def inside(col: int, row: int) -> tuple[float, float]:
    return WEST + (col + 0.3) * SIZE, SOUTH + (row + 0.6) * SIZE


def test_get_locator_finds_the_grid_of_the_active_generation(mini, fresh_locator) -> None:  # type: ignore[no-untyped-def]
    located = get_locator().locate(*inside(1, 1))
    assert located is not None
    assert located.grid_id == mini.grid_b1.pk
    assert located.grid_code == mini.grid_b1.code
    assert located.generation_id == mini.generation.pk
    assert (located.lon, located.lat) == inside(1, 1)


def test_a_point_outside_the_district_is_located_nowhere(mini, fresh_locator) -> None:  # type: ignore[no-untyped-def]
    assert get_locator().locate(113.5, 28.2) is None


def test_the_corner_of_the_four_test_grids_goes_to_the_smallest_grid_id(mini, fresh_locator) -> None:  # type: ignore[no-untyped-def]
    grids = [mini.grid_a1, mini.grid_a2, mini.grid_b1, mini.grid_c1]
    x, y = shape(square(1, 1)).bounds[:2]
    located = get_locator().locate(x, y)
    assert located is not None and located.grid_id == min(g.pk for g in grids)


def test_gcj02_and_bd09_points_are_converted_before_locating(mini, fresh_locator) -> None:  # type: ignore[no-untyped-def]
    wgs = (WEST + 0.7 * SIZE, SOUTH + 1.2 * SIZE)  # in A2, near its south-east corner
    for crs in ("gcj02", "bd09"):
        located = get_locator().locate(*from_wgs84(*wgs, crs), crs=crs)
        assert located is not None and located.grid_id == mini.grid_a2.pk
        assert math.dist((located.lon, located.lat), wgs) < 1e-6
    # The offset is hundreds of metres: read as WGS-84, the GCJ-02 point would land elsewhere.
    shifted = get_locator().locate(*from_wgs84(*wgs, "gcj02"))
    assert shifted is None or shifted.grid_id != mini.grid_a2.pk


def test_locate_many_answers_grid_ids_and_minus_one_outside(mini, fresh_locator) -> None:  # type: ignore[no-untyped-def]
    points = [inside(0, 0), inside(1, 0), (100.0, 20.0)]
    lons, lats = zip(*points, strict=True)
    assert get_locator().locate_many(lons, lats).tolist() == [mini.grid_a1.pk, mini.grid_c1.pk, -1]


@pytest.mark.parametrize(
    ("lon", "lat", "message"),
    [
        (181.0, 27.0, "Longitude 181.0"),
        (113.0, -90.5, "Latitude -90.5"),
        (float("nan"), 27.0, "Longitude nan"),
    ],
)
def test_it_rejects_coordinates_out_of_range(mini, fresh_locator, lon, lat, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        get_locator().locate(lon, lat)
    with pytest.raises(ValueError, match=message):
        get_locator().locate_many([113.1, lon], [27.87, lat])


def test_it_rejects_an_unknown_coordinate_system(mini, fresh_locator) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown coordinate system"):
        get_locator().locate(113.1, 27.87, crs="mercator")


def test_the_locator_is_cached_and_checked_with_one_query_every_few_seconds(
    mini, fresh_locator, django_assert_num_queries, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    first = get_locator()
    with django_assert_num_queries(0):
        assert get_locator() is first
    monkeypatch.setattr(locator_module, "_checked_at", time.monotonic() - locator_module.FRESH_SECONDS - 1)
    with django_assert_num_queries(1):
        assert get_locator() is first


def test_another_process_switching_generations_is_noticed_within_seconds(
    mini, fresh_locator, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    before = get_locator()
    # Another process activates a new generation: nothing here hears a signal.
    newer = Generation.objects.bulk_create([Generation(description="swapped", active=False)])[0]
    GridBoundary.objects.bulk_create(
        [
            GridBoundary(grid=grid, generation=newer, geometry=square(col, row))
            for grid, (col, row) in [
                (mini.grid_a1, (1, 0)),
                (mini.grid_c1, (0, 0)),
                (mini.grid_a2, (0, 1)),
                (mini.grid_b1, (1, 1)),
            ]
        ]
    )
    Generation.objects.filter(pk=mini.generation.pk).update(active=False)
    Generation.objects.filter(pk=newer.pk).update(active=True)
    assert get_locator() is before  # within the freshness window
    monkeypatch.setattr(locator_module, "_checked_at", time.monotonic() - locator_module.FRESH_SECONDS - 1)
    located = get_locator().locate(*inside(0, 0))
    assert located is not None
    assert (located.grid_id, located.generation_id) == (mini.grid_c1.pk, newer.pk)


def test_a_new_active_generation_replaces_the_cached_locator(mini, fresh_locator) -> None:  # type: ignore[no-untyped-def]
    assert get_locator().locate(*inside(0, 0)).grid_id == mini.grid_a1.pk
    # Swap A1 and C1 in a new generation, as a re-import would; the update sends no signal.
    Generation.objects.filter(pk=mini.generation.pk).update(active=False)
    newer = Generation.objects.create(description="swapped")
    for grid, (col, row) in [(mini.grid_a1, (1, 0)), (mini.grid_c1, (0, 0))]:
        GridBoundary.objects.create(grid=grid, generation=newer, geometry=square(col, row))
    Generation.objects.filter(pk=newer.pk).update(active=True)
    located = get_locator().locate(*inside(0, 0))
    assert located is not None
    assert (located.grid_id, located.generation_id) == (mini.grid_c1.pk, newer.pk)


def test_editing_a_boundary_in_this_process_drops_the_cached_locator(mini, fresh_locator) -> None:  # type: ignore[no-untyped-def]
    before = get_locator()
    boundary = GridBoundary.objects.get(grid=mini.grid_a1, generation=mini.generation)
    boundary.geometry = square(2, 0)
    boundary.save()
    after = get_locator()
    assert after is not before
    assert after.locate(*inside(0, 0)) is None
    assert after.locate(*inside(2, 0)).grid_id == mini.grid_a1.pk


def test_without_an_active_generation_nothing_is_located(db, fresh_locator) -> None:  # type: ignore[no-untyped-def]
    locator = get_locator()
    assert locator.generation_id is None
    assert locator.locate(113.1, 27.87) is None
    assert locator.locate_many([113.1], [27.87]).tolist() == [-1]


def test_a_locator_can_be_loaded_for_an_older_generation(mini) -> None:  # type: ignore[no-untyped-def]
    located = Locator.load(mini.generation.pk).locate(*inside(1, 0))
    assert located is not None and located.grid_id == mini.grid_c1.pk
