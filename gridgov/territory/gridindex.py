"""`GridIndex`: exact, vectorised point-in-polygon lookup over many polygons (numpy and shapely only).

The tie rule: a point belongs to the polygon with the smallest id among those that *cover* it (contain
it or have it on their boundary); a point on the edge between ids 7 and 9 belongs to 7, a point on a
corner of four polygons to the smallest of the four. A point covered by none gets -1 (`None` singly).

Why it is fast and still exact. A uniform raster of cells, a few hundred per polygon, lies over the
polygons' bounds. Every boundary segment lists the cells it touches, conservatively: each cell box is
grown by a margin (1e-5 of a cell) that is far above floating-point error, so the grown box holds
every point that the cell lookup sends to the cell, and a segment merely touching a grown box lists it.
A cell that no segment touches lies wholly inside the same polygons (found by scanline parity at the
cell's centre), so its answer is one number in the raster: most points cost one array lookup.

A cell that boundaries touch is "mixed" and keeps its candidate polygons, in id order. Rings are
oriented with the interior on the left. A candidate whose boundary in the cell is one segment with both
ends outside the cell covers exactly the points left of (or on) it; one whose boundary is two
consecutive segments meeting inside covers the left of both (a convex corner) or of either (a reflex
corner). Left-or-right is a floating-point orientation test with Shewchuk's error bound; points too close
to call, and candidates with more complicated boundaries in the cell, are asked of GEOS
(`shapely.intersects_xy` on prepared polygons). When every boundary segment in a cell also appears
reversed (the cell is tiled with no gap), the last candidate needs no test at all.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]
IndexArray = npt.NDArray[np.integer[Any]]

CELLS_PER_POLYGON = 128
MIN_CELLS = 1 << 16
MAX_CELLS = 1 << 25
CHUNK = 1 << 15  # segments or candidates per vectorised build step: bounds the temporaries

WHOLE = -2  # candidate kind: covers every point that reaches it
COMPLEX = -1  # candidate kind: ask GEOS
# Shewchuk's ccwerrboundA, (3 + 16ε)ε, with room to spare: beyond it, the float sign is the true sign.
ORIENT_ERROR = 3.4e-16


@dataclass(frozen=True)
class Frame:
    """The raster: cell (col, row) is the box [x0 + col·width, …) × [y0 + row·height, …)."""

    x0: float
    y0: float
    width: float
    height: float
    ncols: int
    nrows: int

    @classmethod
    def covering(cls, bounds: Sequence[float], cells: int) -> Frame:
        """Return a raster of about the given number of square cells over the bounds."""
        xmin, ymin, xmax, ymax = (float(b) for b in bounds)
        scale = max(1.0, abs(xmin), abs(xmax), abs(ymin), abs(ymax))
        size = math.sqrt((xmax - xmin) * (ymax - ymin) / cells)
        # Cells stay far above the coordinates' rounding error (~1e-16 · scale), so the margin holds.
        size = max(size, (xmax - xmin) / 8192, (ymax - ymin) / 8192, 1e-7 * scale)
        # A border of two empty cells on every side: points off the raster are clamped into it.
        ncols, nrows = int((xmax - xmin) / size) + 5, int((ymax - ymin) / size) + 5
        return cls(xmin - 2 * size, ymin - 2 * size, size, size, ncols, nrows)

    @property
    def margin(self) -> float:
        """Return how far a cell box is grown: far above rounding error, far below a cell."""
        return 1e-5 * self.width

    def cell_indices(self, x: FloatArray, y: FloatArray) -> IntArray:
        """Return the flat cell index of each point; points off the raster get a border cell (empty)."""
        u = (x - self.x0) * (1.0 / self.width)
        v = (y - self.y0) * (1.0 / self.height)
        # fmax/fmin also turn NaN into the bound, so NaN lands in the empty border too.
        np.fmin(np.fmax(u, 0.0, out=u), self.ncols - 1, out=u)
        np.fmin(np.fmax(v, 0.0, out=v), self.nrows - 1, out=v)
        cells = v.astype(np.int64)
        cells *= self.ncols
        cells += u.astype(np.int64)
        return cells

    def cell_index(self, x: float, y: float) -> int | None:
        """Return the flat cell index of one point, or None off the raster."""
        u = (x - self.x0) * (1.0 / self.width)
        v = (y - self.y0) * (1.0 / self.height)
        if not (0.0 <= u < self.ncols and 0.0 <= v < self.nrows):
            return None
        return int(v) * self.ncols + int(u)

    def box(self, cell: IntArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Return the (ungrown) bounds of the cells."""
        row, col = (cell // self.ncols).astype(np.float64), (cell % self.ncols).astype(np.float64)
        return (
            self.x0 + col * self.width,
            self.y0 + row * self.height,
            self.x0 + (col + 1) * self.width,
            self.y0 + (row + 1) * self.height,
        )


@dataclass(frozen=True)
class Segments:
    """Boundary segments a → b, oriented so that their polygon's interior is on the left."""

    ax: FloatArray
    ay: FloatArray
    bx: FloatArray
    by: FloatArray
    owner: IntArray

    @classmethod
    def of(cls, geoms: npt.NDArray[np.object_]) -> Segments:
        """Return the non-degenerate segments of every ring of the polygons; owner = polygon position."""
        parts, part_owner = shapely.get_parts(geoms, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        exterior = np.r_[True, ring_part[1:] != ring_part[:-1]]  # each part's exterior comes first
        coords, ring_of = shapely.get_coordinates(rings, return_index=True)
        same = ring_of[:-1] == ring_of[1:]
        a, b, ring = coords[:-1][same], coords[1:][same], ring_of[:-1][same]
        # Exterior rings counter-clockwise, holes clockwise: then the interior is always on the left.
        flip = (shapely.is_ccw(rings) != exterior)[ring, None]
        a, b = np.where(flip, b, a), np.where(flip, a, b)
        keep = (a != b).any(axis=1)
        a, b, ring = a[keep], b[keep], ring[keep]
        owner = part_owner[ring_part[ring]].astype(np.int64)
        return cls(a[:, 0].copy(), a[:, 1].copy(), b[:, 0].copy(), b[:, 1].copy(), owner)

    def __len__(self) -> int:
        return len(self.ax)

    def orient(self, seg: IndexArray, x: FloatArray, y: FloatArray) -> tuple[FloatArray, BoolArray]:
        """Return the orientation determinant of each point against its segment, and whether it is sure."""
        left = (self.ax[seg] - x) * (self.by[seg] - y)
        right = (self.ay[seg] - y) * (self.bx[seg] - x)
        det = left - right
        return det, np.abs(det) > ORIENT_ERROR * (np.abs(left) + np.abs(right))

    def orient_one(self, seg: int, x: float, y: float) -> float | None:
        """Return the orientation determinant of one point against a segment, or None when unsure."""
        left = (float(self.ax[seg]) - x) * (float(self.by[seg]) - y)
        right = (float(self.ay[seg]) - y) * (float(self.bx[seg]) - x)
        det = left - right
        return det if abs(det) > ORIENT_ERROR * (abs(left) + abs(right)) else None

    def reverses(self) -> IntArray:
        """Return, for each segment, the index of a segment with the same ends swapped, or -1."""
        forward = _hash(self.ax, self.ay, self.bx, self.by)
        order = np.argsort(forward)
        sorted_hashes = forward[order]
        backward = _hash(self.bx, self.by, self.ax, self.ay)
        at = np.minimum(np.searchsorted(sorted_hashes, backward), len(order) - 1)
        other = order[at]
        # A hash collision must not pass for a match: compare the coordinates themselves.
        match = (sorted_hashes[at] == backward) & (self.ax[other] == self.bx) & (self.ay[other] == self.by)
        match &= (self.bx[other] == self.ax) & (self.by[other] == self.ay)
        return np.where(match, other, -1)


def _hash(*columns: FloatArray) -> npt.NDArray[np.uint64]:
    """Return a 64-bit hash of rows of floats (by their bits)."""
    result = np.zeros(len(columns[0]), dtype=np.uint64)
    for multiplier, column in zip(
        (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93),
        columns,
        strict=False,
    ):
        bits = np.ascontiguousarray(column, dtype=np.float64).view(np.uint64)
        result = (result ^ (bits * np.uint64(multiplier))) * np.uint64(0xFF51AFD7ED558CCD)
        result ^= result >> np.uint64(29)
    return result


@dataclass(frozen=True)
class Candidates:
    """Candidate polygons of the mixed cells: cell m has entries starts[m] to starts[m + 1] - 1."""

    starts: IntArray
    position: Int32Array  # polygon position, increasing within a cell
    first: Int32Array  # a segment index, or COMPLEX or WHOLE
    second: Int32Array  # the second segment of a corner, or -1
    reflex: BoolArray  # a corner bends right: the polygon is the left of either segment

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.starts, self.position, self.first, self.second, self.reflex))


class GridIndex:
    """Exact point-in-polygon lookup for many polygons, with the smallest-id tie rule."""

    def __init__(
        self,
        ids: IntArray,
        geoms: npt.NDArray[np.object_],
        frame: Frame,
        raster: Int32Array,
        candidates: Candidates,
        segments: Segments,
    ) -> None:
        self.ids, self.geoms, self.frame, self.raster = ids, geoms, frame, raster
        self.candidates, self.segments = candidates, segments
        # Position -1 (no polygon) maps to id -1 through the extra last element.
        self._answers = np.append(ids, -1)
        # GEOS builds a prepared polygon's point index lazily, which is not safe from two threads at once;
        # the GEOS path is rare, so one lock costs nothing worth measuring.
        self._geos = threading.Lock()

    @classmethod
    def from_polygons(
        cls,
        polygons: Sequence[Polygon | MultiPolygon],
        ids: Sequence[int] | npt.NDArray[np.integer],
        *,
        cells: int | None = None,
    ) -> GridIndex:
        """Build the index; ids must be unique and polygons valid (they may leave gaps, even overlap).

        `cells` overrides the raster size (about CELLS_PER_POLYGON per polygon); tests make it coarse.
        """
        geoms, sorted_ids = _checked(polygons, ids)
        if len(geoms) == 0:
            return cls.empty()
        segments = Segments.of(geoms)
        if cells is None:
            cells = min(max(CELLS_PER_POLYGON * len(geoms), MIN_CELLS), MAX_CELLS)
        frame = Frame.covering(shapely.total_bounds(geoms), cells)
        raster, candidates = _rasterise(frame, segments, len(geoms))
        shapely.prepare(geoms)
        # The owners were only needed to build; dropping them keeps the index lean.
        lean = Segments(segments.ax, segments.ay, segments.bx, segments.by, np.zeros(0, dtype=np.int64))
        return cls(sorted_ids, geoms, frame, raster, candidates, lean)

    @classmethod
    def empty(cls) -> GridIndex:
        """Return an index without polygons: every point is outside."""
        none_f = np.zeros(0, dtype=np.float64)
        none_i = np.zeros(0, dtype=np.int32)
        return cls(
            np.zeros(0, dtype=np.int64),
            np.zeros(0, dtype=object),
            Frame(0.0, 0.0, 1.0, 1.0, 1, 1),
            np.full(1, -1, dtype=np.int32),
            Candidates(np.zeros(1, dtype=np.int64), none_i, none_i, none_i, np.zeros(0, dtype=bool)),
            Segments(none_f, none_f, none_f, none_f, np.zeros(0, dtype=np.int64)),
        )

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        """Return the memory held by the index arrays (not counting the polygons themselves)."""
        s = self.segments
        arrays = (self.raster, self.ids, s.ax, s.ay, s.bx, s.by)
        return sum(a.nbytes for a in arrays) + self.candidates.nbytes

    def locate(self, lon: float, lat: float) -> int | None:
        """Return the id of the polygon that covers the point (smallest id on a shared edge), or None."""
        cell = self.frame.cell_index(lon, lat)
        if cell is None:
            return None
        value = int(self.raster[cell])
        if value >= -1:
            return None if value == -1 else int(self.ids[value])
        c = self.candidates
        for k in range(int(c.starts[-2 - value]), int(c.starts[-1 - value])):
            if self._covers_one(k, lon, lat):
                return int(self.ids[c.position[k]])
        return None

    def locate_many(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> IntArray:
        """Return the polygon id for every point (-1 where no polygon covers it), in the input shape."""
        x, y = np.broadcast_arrays(np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64))
        shape = x.shape
        x, y = x.ravel(), y.ravel()
        positions = self.raster[self.frame.cell_indices(x, y)]
        mixed = np.flatnonzero(positions <= -2)
        if mixed.size:
            positions[mixed] = self._resolve(-2 - positions[mixed].astype(np.int64), x[mixed], y[mixed])
        return self._answers[positions].reshape(shape)

    def _resolve(self, mixed: IntArray, x: FloatArray, y: FloatArray) -> Int32Array:
        """Return the polygon position for points in mixed cells: the first candidate that covers each."""
        c = self.candidates
        result = np.full(len(mixed), -1, dtype=np.int32)
        cursor, end = c.starts[mixed], c.starts[mixed + 1]
        active = np.arange(len(mixed))
        while active.size:
            k = cursor[active]
            hit = self._covers(k, x[active], y[active])
            result[active[hit]] = c.position[k[hit]]
            active, k = active[~hit], k[~hit] + 1
            more = k < end[active]
            active, k = active[more], k[more]
            # Most cells end with a WHOLE candidate: a miss before it needs no further round.
            last = c.first[k] == WHOLE
            result[active[last]] = c.position[k[last]]
            active, k = active[~last], k[~last]
            cursor[active] = k
        return result

    def _covers(self, k: IntArray, x: FloatArray, y: FloatArray) -> BoolArray:
        """Return whether candidate k covers its point, for arrays of candidates and points."""
        c, s = self.candidates, self.segments
        first = c.first[k]
        hit = first == WHOLE
        lined = np.flatnonzero(first >= 0)
        det, sure = s.orient(first[lined], x[lined], y[lined])
        inside = det > 0.0
        second = c.second[k[lined]]
        corner = np.flatnonzero(second >= 0)
        if corner.size:
            det2, sure2 = s.orient(second[corner], x[lined[corner]], y[lined[corner]])
            reflex = c.reflex[k[lined[corner]]]
            both, either = inside[corner] & (det2 > 0.0), inside[corner] | (det2 > 0.0)
            inside[corner] = np.where(reflex, either, both)
            sure[corner] &= sure2
        hit[lined] = inside
        unsure = np.concatenate([lined[~sure], np.flatnonzero(first == COMPLEX)])
        if unsure.size:
            geoms = self.geoms[c.position[k[unsure]]]
            with self._geos:
                hit[unsure] = shapely.intersects_xy(geoms, x[unsure], y[unsure])
        return hit

    def _covers_one(self, k: int, x: float, y: float) -> bool:
        """Return whether candidate k covers one point (the scalar twin of `_covers`)."""
        c, s = self.candidates, self.segments
        first, second = int(c.first[k]), int(c.second[k])
        if first == WHOLE:
            return True
        if first >= 0:
            det = s.orient_one(first, x, y)
            det2 = s.orient_one(second, x, y) if second >= 0 else det
            if det is not None and det2 is not None:
                if second >= 0 and bool(c.reflex[k]):
                    return det > 0.0 or det2 > 0.0
                return det > 0.0 and det2 > 0.0
        with self._geos:
            return bool(shapely.intersects_xy(self.geoms[c.position[k]], x, y))


def _checked(
    polygons: Sequence[Polygon | MultiPolygon], ids: Sequence[int] | npt.NDArray[np.integer]
) -> tuple[npt.NDArray[np.object_], IntArray]:
    """Return the polygons and ids sorted by id, or raise ValueError on bad input."""
    geoms = np.empty(len(polygons), dtype=object)
    geoms[:] = list(polygons)
    keys = np.asarray(ids, dtype=np.int64).ravel()
    if len(geoms) != len(keys):
        raise ValueError(f"{len(geoms)} polygons but {len(keys)} ids")
    if len(np.unique(keys)) != len(keys):
        raise ValueError("ids must be unique")
    if len(geoms) == 0:
        return geoms, keys
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    bad = np.flatnonzero(~polygonal | shapely.is_empty(geoms) | ~shapely.is_valid(geoms))
    if bad.size:
        i = int(bad[0])
        reason = shapely.is_valid_reason(geoms[i]) if polygonal[i] else "not a polygon"
        raise ValueError(f"the polygon with id {int(keys[i])} is not valid: {reason}")
    order = np.argsort(keys, kind="stable")
    return geoms[order], keys[order]


def _rasterise(frame: Frame, segments: Segments, count: int) -> tuple[Int32Array, Candidates]:
    """Return the raster (a position, -1 for none, or -2 - m for mixed cell m) and the candidates."""
    ncells = frame.ncols * frame.nrows
    touched_cell, touched_seg = _touched_cells(frame, segments)
    is_mixed = np.zeros(ncells, dtype=bool)
    is_mixed[touched_cell] = True
    raster = np.full(ncells, np.iinfo(np.int32).max, dtype=np.int32)
    covering = []
    # Chunks start at a polygon's first segment (segments come in polygon order): parity needs them all.
    starts = np.searchsorted(segments.owner, segments.owner[np.arange(0, len(segments), CHUNK)])
    for which in _chunks(starts, len(segments)):
        cell, position = _filled_cells(frame, segments, which)
        # Where polygons overlap, the smallest position (= smallest id) wins.
        np.minimum.at(raster, cell, position)
        on_mixed = is_mixed[cell]
        covering.append(cell[on_mixed] * count + position[on_mixed])
    raster[raster == np.iinfo(np.int32).max] = -1
    table = _candidates(frame, segments, count, touched_cell, touched_seg)
    table = _with_overlaps(table, np.concatenate(covering))
    _close_tiled_cells(table, count, _untiled_cells(frame, segments, touched_cell, touched_seg))
    mixed_cells = np.flatnonzero(is_mixed)
    raster[mixed_cells] = -2 - np.arange(len(mixed_cells), dtype=np.int32)
    return raster, table.packed(count)


def _expand(counts: IntArray) -> tuple[IntArray, IntArray]:
    """Return, for ranges of the given lengths laid end to end, each element's range and offset in it."""
    owner = np.repeat(np.arange(len(counts)), counts)
    first = np.cumsum(counts) - counts
    return owner, np.arange(len(owner)) - first[owner]


def _chunks(starts: IntArray, total: int) -> list[IntArray]:
    """Return index ranges [starts[i], starts[i + 1]) covering 0 … total - 1."""
    bounds = np.unique(np.r_[starts, total])
    return [np.arange(lo, hi) for lo, hi in itertools.pairwise(bounds)]


def _touched_cells(frame: Frame, s: Segments) -> tuple[IntArray, IntArray]:
    """Return (cell, segment) pairs for every cell whose box, grown twice over, a segment touches."""
    # In chunks: the vectorised steps make a dozen temporaries per (segment, column) pair.
    parts = [_touched_by(frame, s, which) for which in _chunks(np.arange(0, len(s), CHUNK), len(s))]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _touched_by(frame: Frame, s: Segments, which: IntArray) -> tuple[IntArray, IntArray]:
    """Return the (cell, segment) pairs of `_touched_cells` for some of the segments."""
    grow = 3.0 * frame.margin  # two margins, and one more for the rounding in this very computation
    xlo, xhi = np.minimum(s.ax[which], s.bx[which]), np.maximum(s.ax[which], s.bx[which])
    c0 = np.clip(np.floor((xlo - frame.x0 - grow) / frame.width), 0, frame.ncols - 1).astype(np.int64)
    c1 = np.clip(np.floor((xhi - frame.x0 + grow) / frame.width), 0, frame.ncols - 1).astype(np.int64)
    local, offset = _expand(c1 - c0 + 1)
    col = c0[local] + offset
    xa = np.maximum(frame.x0 + col * frame.width - grow, xlo[local])
    xb = np.minimum(frame.x0 + (col + 1) * frame.width + grow, xhi[local])
    ylo, yhi = _y_range(s, which[local], xa, xb)
    r0 = np.clip(np.floor((ylo - frame.y0 - grow) / frame.height), 0, frame.nrows - 1).astype(np.int64)
    r1 = np.clip(np.floor((yhi - frame.y0 + grow) / frame.height), 0, frame.nrows - 1).astype(np.int64)
    pair, offset = _expand(r1 - r0 + 1)
    return (r0[pair] + offset) * frame.ncols + col[pair], which[local[pair]]


def _y_range(s: Segments, seg: IntArray, xa: FloatArray, xb: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the lowest and highest y of each segment over [xa, xb] (all of it if it is vertical)."""
    ax, ay, bx, by = s.ax[seg], s.ay[seg], s.bx[seg], s.by[seg]
    dx = bx - ax
    vertical = dx == 0.0
    slope = np.divide(by - ay, dx, out=np.zeros_like(dx), where=~vertical)
    ya, yb = ay + (xa - ax) * slope, ay + (xb - ax) * slope
    ylo = np.where(vertical, np.minimum(ay, by), np.minimum(ya, yb))
    yhi = np.where(vertical, np.maximum(ay, by), np.maximum(ya, yb))
    return ylo, yhi


def _filled_cells(frame: Frame, s: Segments, which: IntArray) -> tuple[IntArray, Int32Array]:
    """Return (cell, polygon position) for every cell centre inside the polygons of the segments.

    By scanline parity: the segments must be all those of some whole polygons.
    """
    ylo, yhi = np.minimum(s.ay[which], s.by[which]), np.maximum(s.ay[which], s.by[which])
    j0 = np.clip(np.floor((ylo - frame.y0) / frame.height - 0.5), 0, frame.nrows - 1).astype(np.int64)
    j1 = np.clip(np.ceil((yhi - frame.y0) / frame.height - 0.5), 0, frame.nrows - 1).astype(np.int64)
    local, offset = _expand(j1 - j0 + 1)
    row = j0[local] + offset
    # One expression gives one float per row for every segment, so the half-open test below counts a
    # vertex shared by two edges once (or, at a turning point, twice or never): parity stays right.
    yc = frame.y0 + (row + 0.5) * frame.height
    keep = (ylo[local] <= yc) & (yc < yhi[local])
    seg, row, yc = which[local[keep]], row[keep], yc[keep]
    x = s.ax[seg] + (yc - s.ay[seg]) * ((s.bx[seg] - s.ax[seg]) / (s.by[seg] - s.ay[seg]))
    key = s.owner[seg] * frame.nrows + row
    order = np.lexsort((x, key))
    key, x = key[order], x[order]
    if len(key) % 2 or np.any(key[0::2] != key[1::2]):
        raise ValueError("polygon rings are not closed")
    key, start, stop = key[0::2], x[0::2], x[1::2]
    # Cells whose centre lies in [start, stop); rounding only matters where a boundary is near, and
    # those cells are mixed and decided exactly later.
    i0 = np.clip(np.ceil((start - frame.x0) / frame.width - 0.5), 0, frame.ncols).astype(np.int64)
    i1 = np.clip(np.ceil((stop - frame.x0) / frame.width - 0.5), 0, frame.ncols).astype(np.int64)
    span, offset = _expand(np.maximum(i1 - i0, 0))
    cells = (key[span] % frame.nrows) * frame.ncols + i0[span] + offset
    return cells, (key[span] // frame.nrows).astype(np.int32)


@dataclass
class _Table:
    """Candidates while building: key = cell·count + position, sorted, with how to test each."""

    key: IntArray
    first: IntArray
    second: IntArray
    reflex: BoolArray

    def packed(self, count: int) -> Candidates:
        """Return the candidates grouped by mixed cell in cell order."""
        cells = self.key // count
        starts = np.r_[np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]]), len(cells)].astype(np.int64)
        position = (self.key % count).astype(np.int32)
        return Candidates(
            starts, position, self.first.astype(np.int32), self.second.astype(np.int32), self.reflex
        )


def _candidates(frame: Frame, s: Segments, count: int, cell: IntArray, seg: IntArray) -> _Table:
    """Return one candidate per (mixed cell, polygon with boundary in it), with how to test it."""
    if frame.ncols * frame.nrows * count * len(s) < 2**62:
        # One packed key sorted in place: the least memory for the largest array of the build.
        packed = cell * count
        packed += s.owner[seg]
        packed *= len(s)
        packed += seg
        packed.sort()
        group = np.empty_like(packed)
        group, seg = np.divmod(packed, len(s), out=(group, packed))
    else:
        order = np.lexsort((seg, s.owner[seg], cell))
        group, seg = cell[order] * count + s.owner[seg[order]], seg[order]
    first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    size = np.diff(np.r_[first, len(group)])
    key = group[first]
    kind = np.full(len(first), COMPLEX, dtype=np.int64)
    second = np.full(len(first), -1, dtype=np.int64)
    reflex = np.zeros(len(first), dtype=bool)
    single = np.flatnonzero(size == 1)
    for one in _chunks(np.arange(0, len(single), CHUNK), len(single)):
        g = single[one]
        chord = _chords(frame, s, seg[first[g]], key[g] // count)
        kind[g[chord]] = seg[first[g[chord]]]
    double = np.flatnonzero(size == 2)
    for two in _chunks(np.arange(0, len(double), CHUNK), len(double)):
        g = double[two]
        a, b, ok, bends_right = _corners(frame, s, seg[first[g]], seg[first[g] + 1], key[g] // count)
        kind[g[ok]], second[g[ok]], reflex[g[ok]] = a[ok], b[ok], bends_right[ok]
    return _Table(key, kind, second, reflex)


def _with_overlaps(table: _Table, wanted: IntArray) -> _Table:
    """Add the polygons that cover a mixed cell without a boundary in it (only if polygons overlap)."""
    at = np.minimum(np.searchsorted(table.key, wanted), len(table.key) - 1)
    extra = np.unique(wanted[table.key[at] != wanted])
    if extra.size == 0:
        return table
    order = np.argsort(np.r_[table.key, extra], kind="stable")
    return _Table(
        np.r_[table.key, extra][order],
        np.r_[table.first, np.full(len(extra), WHOLE)][order],
        np.r_[table.second, np.full(len(extra), -1)][order],
        np.r_[table.reflex, np.zeros(len(extra), dtype=bool)][order],
    )


def _untiled_cells(frame: Frame, s: Segments, cell: IntArray, seg: IntArray) -> IntArray:
    """Return the mixed cells not known to be gap-free.

    A cell is gap-free when every segment listed for it has a reverse (the polygon on its other side)
    and at least one of them surely enters the cell. Then the candidates' union has no boundary in the
    cell except at vertices, and it meets the cell, so it is the whole cell.
    """
    lonely = cell[s.reverses()[seg] < 0]
    enters = np.zeros(len(cell), dtype=bool)
    for part in _chunks(np.arange(0, len(cell), CHUNK), len(cell)):
        enters[part] = _touches(s, seg[part], *frame.box(cell[part]))
    entered = np.zeros(frame.ncols * frame.nrows, dtype=bool)
    entered[cell[enters]] = True
    return np.unique(np.r_[lonely, cell[~entered[cell]]])


def _close_tiled_cells(table: _Table, count: int, untiled: IntArray) -> None:
    """Mark the last candidate of each gap-free cell WHOLE: a point that reaches it must be inside it."""
    cells = table.key // count
    last = np.flatnonzero(np.r_[cells[1:] != cells[:-1], True])
    at = np.minimum(np.searchsorted(untiled, cells[last]), max(len(untiled) - 1, 0))
    tiled = last if untiled.size == 0 else last[untiled[at] != cells[last]]
    table.first[tiled] = WHOLE
    table.second[tiled] = -1


def _chords(frame: Frame, s: Segments, seg: IntArray, cell: IntArray) -> BoolArray:
    """Return whether each segment cuts right through its cell: it touches the cell, its ends lie outside.

    Then inside the grown cell the polygon's boundary is that one chord and the polygon is its left side.
    """
    x0, y0, x1, y1 = frame.box(cell)
    return (
        _touches(s, seg, x0, y0, x1, y1)
        & _outside(frame, s.ax[seg], s.ay[seg], x0, y0, x1, y1)
        & _outside(frame, s.bx[seg], s.by[seg], x0, y0, x1, y1)
    )


def _corners(
    frame: Frame, s: Segments, one: IntArray, other: IntArray, cell: IntArray
) -> tuple[IntArray, IntArray, BoolArray, BoolArray]:
    """Return, for pairs of segments of one polygon in a cell, (incoming, outgoing, usable, bends right).

    Usable: consecutive segments, both touching the cell, outer ends outside it, and a sure bend.
    """
    forward = (s.bx[one] == s.ax[other]) & (s.by[one] == s.ay[other])
    backward = (s.bx[other] == s.ax[one]) & (s.by[other] == s.ay[one])
    a, b = np.where(forward, one, other), np.where(forward, other, one)
    x0, y0, x1, y1 = frame.box(cell)
    usable = (forward | backward) & _touches(s, a, x0, y0, x1, y1) & _touches(s, b, x0, y0, x1, y1)
    usable &= _outside(frame, s.ax[a], s.ay[a], x0, y0, x1, y1) & _outside(
        frame, s.bx[b], s.by[b], x0, y0, x1, y1
    )
    # The bend: on which side of the incoming segment the outgoing one's far end lies.
    det, sure = s.orient(a, s.bx[b], s.by[b])
    return a, b, usable & sure, det < 0.0


def _touches(
    s: Segments, seg: IntArray, x0: FloatArray, y0: FloatArray, x1: FloatArray, y1: FloatArray
) -> BoolArray:
    """Return whether each segment meets its (ungrown) box; rounding here is far below the margin."""
    xa = np.maximum(x0, np.minimum(s.ax[seg], s.bx[seg]))
    xb = np.minimum(x1, np.maximum(s.ax[seg], s.bx[seg]))
    ylo, yhi = _y_range(s, seg, xa, xb)
    return (xa <= xb) & (ylo <= y1) & (yhi >= y0)


def _outside(
    frame: Frame, x: FloatArray, y: FloatArray, x0: FloatArray, y0: FloatArray, x1: FloatArray, y1: FloatArray
) -> BoolArray:
    """Return whether each point lies surely outside its box grown by the margin."""
    grow = 2.0 * frame.margin
    return (x < x0 - grow) | (x > x1 + grow) | (y < y0 - grow) | (y > y1 + grow)
