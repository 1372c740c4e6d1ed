"""`gridgov bench lookup`: point → grid at district (232 grids) and city (30,000 grids) scale.

Random points, uniform over the outline's bounding box (so some fall outside the district), go through
`GridIndex.locate_many` and, side by side, through a plain `shapely.STRtree.query(points,
predicate="within")`; the answers must be identical. "within" leaves out points exactly on a boundary,
which random floats essentially never hit, so any mismatch is a bug. Each timing is the best of a few
runs after one warm-up run. The STRtree is timed on ready-made shapely points, as the plain query
takes them; making them (`strtree_make_points_s`) would cost it another quarter or so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from gridgov.territory.gridindex import GridIndex
from gridgov.territory.tiling import district_outline, tile

SIZES = (232, 30_000)
REPEATS = 3


def run(quick: bool, seed: int, log: Callable[[str], Any]) -> dict[str, Any]:
    """Time the locator against a plain STRtree and return the figures."""
    outline = district_outline(seed)
    count = 100_000 if quick else 1_000_000
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = outline.bounds
    x, y = rng.uniform(xmin, xmax, count), rng.uniform(ymin, ymax, count)
    figures: dict[str, Any] = {"points": count, "quick": quick, "seed": seed, "mismatches": 0}
    for n in SIZES:
        log(f"tiling the district into {n} grids …")
        polygons = tile(outline, n, seed)
        ids = np.arange(1, n + 1, dtype=np.int64)
        figures |= _compare(n, polygons, ids, x, y, log)
    figures["mismatches"] = figures.pop("mismatches_232") + figures.pop(f"mismatches_{SIZES[-1]}")
    figures["speedup_30000"] = round(figures["points_per_s_30000"] / figures["strtree_points_per_s_30000"], 1)
    figures["single_point_us"] = figures.pop("single_point_us_30000")
    return figures


def _compare(
    n: int,
    polygons: list[Any],
    ids: npt.NDArray[np.int64],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    log: Callable[[str], Any],
) -> dict[str, Any]:
    """Return the figures for one tiling: both methods' speed, build times and mismatches."""
    started = time.perf_counter()
    index = GridIndex.from_polygons(polygons, ids)
    build_s = time.perf_counter() - started
    log(f"{n} grids: index built in {build_s:.2f} s ({index.nbytes / 2**20:.1f} MB)")
    ours, ours_s = _best(lambda: index.locate_many(x, y))
    started = time.perf_counter()
    tree = shapely.STRtree(polygons)
    tree_build_s = time.perf_counter() - started
    started = time.perf_counter()
    points = shapely.points(x, y)
    make_points_s = time.perf_counter() - started
    theirs, theirs_s = _best(lambda: _strtree_lookup(tree, ids, points))
    mismatches = int(np.count_nonzero(ours != theirs))
    log(
        f"{n} grids: {len(x) / ours_s:,.0f} points/s, STRtree {len(x) / theirs_s:,.0f} points/s, {mismatches} mismatches"
    )
    return {
        f"points_per_s_{n}": round(len(x) / ours_s),
        f"strtree_points_per_s_{n}": round(len(x) / theirs_s),
        f"build_s_{n}": round(build_s, 3),
        f"strtree_build_s_{n}": round(tree_build_s, 3),
        f"strtree_make_points_s_{n}": round(make_points_s, 3),
        f"index_mb_{n}": round(index.nbytes / 2**20, 1),
        f"inside_share_{n}": round(float(np.mean(ours >= 0)), 3),
        f"mismatches_{n}": mismatches,
        f"single_point_us_{n}": _single_point_us(index, x, y),
    }


def _strtree_lookup(
    tree: shapely.STRtree, ids: npt.NDArray[np.int64], points: npt.NDArray[np.object_]
) -> npt.NDArray[np.int64]:
    """Return the grid id per point from a plain STRtree "within" query, -1 for none."""
    point, polygon = tree.query(points, predicate="within")
    result = np.full(len(points), -1, dtype=np.int64)
    result[point] = ids[polygon]
    return result


def _best(job: Callable[[], npt.NDArray[np.int64]]) -> tuple[npt.NDArray[np.int64], float]:
    """Return the job's result and its best time over a few runs after a warm-up."""
    result = job()
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        job()
        best = min(best, time.perf_counter() - started)
    return result, best


def _single_point_us(index: GridIndex, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> float:
    """Return the mean time of one `locate` call, in microseconds, over Python floats."""
    points = list(zip(x[:20_000].tolist(), y[:20_000].tolist(), strict=True))
    locate = index.locate
    started = time.perf_counter()
    for lon, lat in points:
        locate(lon, lat)
    return round((time.perf_counter() - started) / len(points) * 1e6, 2)
