"""Synthetic territory shapes: a district outline, an exact tiling of it into grids, contiguous groups.

Everything is deterministic for a seed and uses only shapely and numpy. Shapes are WGS-84 lon/lat
with coordinates rounded to 7 decimals (about 1 cm), which keeps GeoJSON short and makes the vertices
that neighbouring polygons share bit-for-bit identical.

`tile` computes a Voronoi diagram in a local equirectangular projection (so cells are round in metres,
not in degrees), relaxes the sites with a few Lloyd iterations so grid sizes are even, and clips the
cells to the outline. GEOS computes each Voronoi vertex once, so shared edges have identical vertices.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon

KM_PER_DEGREE = 111.32
DECIMALS = 7
LLOYD_ITERATIONS = 3

FloatArray = npt.NDArray[np.float64]


def district_outline(
    seed: int, center: tuple[float, float] = (113.10, 27.87), radius_km: float = 8.0
) -> Polygon:
    """Return an irregular, plausible district outline around the centre, in WGS-84 lon/lat."""
    rng = np.random.default_rng([seed, 1])
    theta = np.linspace(0.0, 2.0 * math.pi, 360, endpoint=False)
    radius = np.ones_like(theta)
    # A smoothed random star: low harmonics give the overall lobes, higher ones a ragged edge.
    for k in range(1, 16):
        amplitude = rng.uniform(0.4, 1.0) * 0.2 / k**1.2
        radius += amplitude * np.cos(k * theta + rng.uniform(0.0, 2.0 * math.pi))
    radius = np.clip(radius, 0.45, None) * radius_km
    lon0, lat0 = center
    lon = lon0 + radius * np.cos(theta) / (KM_PER_DEGREE * math.cos(math.radians(lat0)))
    lat = lat0 + radius * np.sin(theta) / KM_PER_DEGREE
    ring = np.round(np.column_stack([lon, lat]), DECIMALS)
    return Polygon(ring)


def tile(outline: Polygon, n: int, seed: int) -> list[Polygon]:
    """Return n polygons that tile the outline exactly, ordered north to south, then west to east."""
    if n < 1:
        raise ValueError("n must be at least 1")
    if not outline.is_valid or outline.is_empty:
        raise ValueError("the outline must be a valid, non-empty polygon")
    projection = _Projection.around(outline)
    area = shapely.transform(outline, projection.forward)
    rng = np.random.default_rng([seed, 2])
    sites = _initial_sites(area, n, rng)
    for _ in range(LLOYD_ITERATIONS if n > 1 else 0):
        sites = _relaxed(_cells(area, sites), area)
    pieces = _cells(area, sites)
    polygons = shapely.transform(pieces, projection.backward)
    polygons = shapely.remove_repeated_points(shapely.transform(polygons, _rounded))
    merged = _merge_strays(list(polygons), [shapely.Point(s) for s in projection.backward(sites)])
    return _row_major(merged)


def cluster(polygons: Sequence[Polygon | MultiPolygon], k: int, seed: int) -> list[int]:
    """Assign each polygon to one of k contiguous groups of similar area; return the group numbers."""
    count = len(polygons)
    if not 1 <= k <= count:
        raise ValueError("k must be between 1 and the number of polygons")
    geoms = np.asarray(polygons, dtype=object)
    neighbours = adjacency(geoms)
    areas = shapely.area(geoms)
    centres = shapely.get_coordinates(shapely.centroid(geoms))
    seeds = _cluster_seeds(centres, areas, k, np.random.default_rng([seed, 3]))
    groups = _grow(seeds, neighbours, areas, centres)
    # Disconnected parts of the input (islands) are never reached from a seed: join the nearest group.
    missing = np.flatnonzero(groups < 0)
    if missing.size:
        assigned = np.flatnonzero(groups >= 0)
        for i in missing:
            nearest = assigned[np.argmin(((centres[assigned] - centres[i]) ** 2).sum(axis=1))]
            groups[i] = groups[nearest]
    return [int(g) for g in groups]


def adjacency(geoms: npt.NDArray[np.object_]) -> list[list[int]]:
    """Return, for each polygon, the polygons it shares a stretch of boundary with (not just a point)."""
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    # DE-9IM: boundary ∩ boundary is one-dimensional, so the two share an edge.
    shared = shapely.relate_pattern(geoms[left], geoms[right], "****1****")
    neighbours: list[list[int]] = [[] for _ in range(len(geoms))]
    for a, b in zip(left[shared].tolist(), right[shared].tolist(), strict=True):
        neighbours[a].append(b)
        neighbours[b].append(a)
    return neighbours


class _Projection:
    """A local equirectangular projection: degrees of longitude shrunk by cos(latitude)."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0, self.scale = lon0, lat0, math.cos(math.radians(lat0))

    @classmethod
    def around(cls, outline: Polygon) -> _Projection:
        centre = outline.centroid
        return cls(centre.x, centre.y)

    def forward(self, coords: FloatArray) -> FloatArray:
        return np.column_stack([(coords[:, 0] - self.lon0) * self.scale, coords[:, 1] - self.lat0])

    def backward(self, coords: FloatArray) -> FloatArray:
        return np.column_stack([coords[:, 0] / self.scale + self.lon0, coords[:, 1] + self.lat0])


def _rounded(coords: FloatArray) -> FloatArray:
    return np.round(coords, DECIMALS)


def _initial_sites(area: Polygon, n: int, rng: np.random.Generator) -> FloatArray:
    """Return n distinct points inside the area from a jittered lattice, so Lloyd converges fast."""
    xmin, ymin, xmax, ymax = area.bounds
    step = math.sqrt(area.area / n)
    xs = np.arange(xmin + step / 2, xmax, step)
    ys = np.arange(ymin + step / 2, ymax, step)
    lattice = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    lattice += rng.uniform(-0.35 * step, 0.35 * step, lattice.shape)
    shapely.prepare(area)
    sites = lattice[shapely.contains_xy(area, lattice[:, 0], lattice[:, 1])]
    if len(sites) > n:
        sites = sites[np.sort(rng.choice(len(sites), n, replace=False))]
    while len(sites) < n:
        extra = rng.uniform((xmin, ymin), (xmax, ymax), (2 * (n - len(sites)) + 8, 2))
        extra = extra[shapely.contains_xy(area, extra[:, 0], extra[:, 1])]
        sites = np.unique(np.concatenate([sites, extra[: n - len(sites)]]), axis=0)
    return sites


def _cells(area: Polygon, sites: FloatArray) -> npt.NDArray[np.object_]:
    """Return the Voronoi cells of the sites clipped to the area, in the order of the sites."""
    if len(sites) == 1:
        return np.array([area], dtype=object)
    xmin, ymin, xmax, ymax = area.bounds
    margin = max(xmax - xmin, ymax - ymin)
    frame = shapely.box(xmin - margin, ymin - margin, xmax + margin, ymax + margin)
    diagram = shapely.voronoi_polygons(shapely.multipoints(sites), extend_to=frame, ordered=True)
    cells = shapely.get_parts(diagram)
    shapely.prepare(area)
    # Most cells lie wholly inside; clipping only the others saves most of the overlay work.
    inside = shapely.contains(area, cells)
    cells[~inside] = shapely.intersection(cells[~inside], area)
    return cells


def _relaxed(cells: npt.NDArray[np.object_], area: Polygon) -> FloatArray:
    """Return the Lloyd step: each cell's centroid, or a point inside the cell where that falls outside."""
    centres = shapely.centroid(cells)
    outside = ~shapely.contains(cells, centres)
    centres[outside] = shapely.point_on_surface(cells[outside])
    return shapely.get_coordinates(centres)


def _merge_strays(cells: list[Polygon | MultiPolygon], sites: list[shapely.Point]) -> list[Polygon]:
    """Keep the part of each cell around its site and give other parts to a neighbour sharing an edge."""
    polygons: list[Polygon] = []
    strays: list[Polygon] = []
    for cell, site in zip(cells, sites, strict=True):
        if isinstance(cell, Polygon):
            polygons.append(cell)
            continue
        # Clipping a convex cell to a concave outline can cut it in two.
        parts = list(cell.geoms)
        own = next((p for p in parts if p.covers(site)), max(parts, key=lambda p: p.area))
        polygons.append(own)
        strays.extend(p for p in parts if p is not own)
    while strays:
        tree = shapely.STRtree(polygons)
        remaining = []
        for stray in strays:
            candidates = tree.query(stray, predicate="intersects")
            shared = [shapely.intersection(polygons[i].boundary, stray.boundary).length for i in candidates]
            if not shared or max(shared) == 0.0:
                remaining.append(stray)
                continue
            target = int(candidates[int(np.argmax(shared))])
            union = shapely.union(polygons[target], stray)
            polygons[target] = union if isinstance(union, Polygon) else polygons[target]
            if not isinstance(union, Polygon):
                remaining.append(stray)
        if len(remaining) == len(strays):
            raise RuntimeError("could not attach every part of the tiling to a neighbour")
        strays = remaining
    return polygons


def _row_major(polygons: list[Polygon]) -> list[Polygon]:
    """Return the polygons sorted in rows of about one polygon's height, north to south, west to east."""
    geoms = np.asarray(polygons, dtype=object)
    centres = shapely.get_coordinates(shapely.centroid(geoms))
    top = centres[:, 1].max()
    band = math.sqrt(shapely.area(geoms).mean())
    rows = np.floor((top - centres[:, 1]) / band)
    order = np.lexsort((centres[:, 0], rows))
    return [polygons[i] for i in order]


def _cluster_seeds(
    centres: FloatArray, areas: FloatArray, k: int, rng: np.random.Generator
) -> npt.NDArray[np.intp]:
    """Return k distinct polygon indices near the centres of an area-weighted k-means of the centroids."""
    points = centres * np.array([math.cos(math.radians(float(np.mean(centres[:, 1])))), 1.0])
    means = points[rng.choice(len(points), k, replace=False, p=areas / areas.sum())]
    for _ in range(20):
        labels = _nearest(means, points)
        weight = np.bincount(labels, weights=areas, minlength=k)
        moved = weight > 0  # a mean that lost every point stays where it is
        for axis in (0, 1):
            total = np.bincount(labels, weights=areas * points[:, axis], minlength=k)
            means[moved, axis] = total[moved] / weight[moved]
    seeds = _nearest(points, means)
    # Two means may share a nearest polygon: give the later ones the nearest free polygon instead.
    taken = np.zeros(len(points), dtype=bool)
    for j, s in enumerate(seeds.tolist()):
        if taken[s]:
            distance = ((points - means[j]) ** 2).sum(axis=1)
            distance[taken] = np.inf
            seeds[j] = int(np.argmin(distance))
        taken[seeds[j]] = True
    return seeds


def _nearest(targets: FloatArray, points: FloatArray) -> npt.NDArray[np.intp]:
    """Return, for each point, the index of the nearest target (the lowest index on ties)."""
    tree = shapely.STRtree(shapely.points(targets))
    found = tree.query_nearest(shapely.points(points), all_matches=True)
    best = np.full(len(points), len(targets), dtype=np.intp)
    np.minimum.at(best, found[0], found[1])
    return best


def _grow(
    seeds: npt.NDArray[np.intp], neighbours: list[list[int]], areas: FloatArray, centres: FloatArray
) -> npt.NDArray[np.int64]:
    """Grow groups from the seeds over shared edges, always extending the smallest group next."""
    scale = math.cos(math.radians(float(np.mean(centres[:, 1]))))
    points = centres * np.array([scale, 1.0])
    groups = np.full(len(areas), -1, dtype=np.int64)
    sizes = np.zeros(len(seeds))
    frontiers: list[list[tuple[float, int]]] = [[] for _ in seeds]
    queue: list[tuple[float, int]] = []
    for g, s in enumerate(seeds.tolist()):
        groups[s], sizes[g] = g, areas[s]
        frontiers[g] = [(_distance(points, s, j), j) for j in neighbours[s]]
        heapq.heapify(frontiers[g])
        heapq.heappush(queue, (sizes[g], g))
    while queue:
        _, g = heapq.heappop(queue)
        frontier = frontiers[g]
        while frontier and groups[frontier[0][1]] >= 0:
            heapq.heappop(frontier)
        if not frontier:
            continue  # enclosed by other groups: it stops growing
        _, i = heapq.heappop(frontier)
        groups[i] = g
        sizes[g] += areas[i]
        seed = int(seeds[g])
        for j in neighbours[i]:
            if groups[j] < 0:
                heapq.heappush(frontier, (_distance(points, seed, j), j))
        heapq.heappush(queue, (sizes[g], g))
    return groups


def _distance(points: FloatArray, a: int, b: int) -> float:
    return float(np.hypot(*(points[a] - points[b])))
