"""Point → grid for the running system: which grid of the active boundary generation holds a point.

A point on the boundary between grids belongs to the grid with the smallest id among those whose
polygon covers it; on a corner of four grids, likewise. A point outside every grid gets `None` (the
caller answers "not in this district"); a coordinate that is not a coordinate raises `ValueError`.
The geometry work is `GridIndex` (see `gridgov.territory.gridindex` for how it is both fast and exact).

Each process keeps one `Locator` for the active generation. `get_locator()` asks the database (one
indexed query) whether the active generation changed, at most every `FRESH_SECONDS`: every report
locates a point, and the question would otherwise cost a tenth of a report. Saving or deleting a
generation, grid or boundary in this process drops the cached locator at once (and again when the
transaction commits). Boundaries of a generation are not edited in place once it is active (a
re-import makes a new generation), so other processes notice every change by its id, within
`FRESH_SECONDS`; a point located in that moment falls in the previous generation, which is what a
report filed a moment earlier would have got. `Locator.grid()` keeps the grids it handed out (with
community and street) until the next check, so a renamed grid shows its new name as soon.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _
from shapely.geometry import shape

from gridgov.lib.coords import to_wgs84
from gridgov.territory.gridindex import GridIndex
from gridgov.territory.models import Generation, Grid, GridBoundary

__all__ = ["GridIndex", "Located", "Locator", "get_locator", "reset_locator"]


@dataclass(frozen=True)
class Located:
    """Where a point fell: the grid, its code, the boundary generation, and the point in WGS-84."""

    grid_id: int
    grid_code: str
    generation_id: int
    lon: float
    lat: float


class Locator:
    """Locate points in the grids of one boundary generation."""

    def __init__(self, generation_id: int | None, index: GridIndex, codes: dict[int, str]) -> None:
        self.generation_id = generation_id
        self.index = index
        self.codes = codes
        self._grids: dict[int, Grid] = {}

    def grid(self, grid_id: int) -> Grid:
        """Return the grid with its community and street loaded (kept until the next freshness check)."""
        found = self._grids.get(grid_id)
        if found is None:
            found = Grid.objects.select_related("community__street").get(pk=grid_id)
            self._grids[grid_id] = found
        return found

    def forget_grids(self) -> None:
        self._grids = {}

    @classmethod
    def load(cls, generation_id: int | None) -> Locator:
        """Return a locator over the boundaries of the generation (an empty one for None)."""
        if generation_id is None:
            return cls(None, GridIndex.empty(), {})
        rows = GridBoundary.objects.filter(generation_id=generation_id).values_list(
            "grid_id", "grid__code", "geometry"
        )
        ids, codes, polygons = [], {}, []
        for grid_id, code, geometry in rows.iterator(chunk_size=2000):
            ids.append(grid_id)
            codes[grid_id] = code
            polygons.append(shape(geometry))
        return cls(generation_id, GridIndex.from_polygons(polygons, ids), codes)

    def locate(self, lon: float, lat: float, crs: str = "wgs84") -> Located | None:
        """Return the grid that holds the point, or None when it lies outside every grid."""
        _check_range(np.asarray([lon], dtype=np.float64), np.asarray([lat], dtype=np.float64))
        x, y = to_wgs84(float(lon), float(lat), crs)
        grid_id = self.index.locate(x, y)
        if grid_id is None or self.generation_id is None:
            return None
        return Located(grid_id, self.codes[grid_id], self.generation_id, x, y)

    def locate_many(
        self, lons: npt.ArrayLike, lats: npt.ArrayLike, crs: str = "wgs84"
    ) -> npt.NDArray[np.int64]:
        """Return the grid id for every point, -1 where a point lies outside every grid."""
        x, y = np.broadcast_arrays(np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64))
        _check_range(x, y)
        wx, wy = to_wgs84(x, y, crs)
        return self.index.locate_many(wx, wy)


def _check_range(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> None:
    """Raise ValueError naming the first longitude or latitude that is not a valid coordinate."""
    for values, limit, message in (
        (lon, 180.0, _("Longitude %(value)s is not between -180 and 180 degrees.")),
        (lat, 90.0, _("Latitude %(value)s is not between -90 and 90 degrees.")),
    ):
        bad = ~(np.abs(values) <= limit)  # also true for NaN
        if bad.any():
            raise ValueError(message % {"value": values[bad].flat[0]})


# How long a process trusts its locator before asking again which generation is active.
FRESH_SECONDS = 2.0
_cached: Locator | None = None
_checked_at = 0.0
_lock = threading.Lock()


def get_locator() -> Locator:
    """Return this process's locator for the active generation, rebuilding it when that changed."""
    global _cached, _checked_at
    cached, now = _cached, time.monotonic()
    if cached is not None and now - _checked_at < FRESH_SECONDS:
        return cached
    active = Generation.objects.filter(active=True).values_list("pk", flat=True).first()
    if cached is not None and cached.generation_id == active:
        cached.forget_grids()
        _checked_at = now
        return cached
    # One builder at a time: the others wait and then find the fresh locator.
    with _lock:
        if _cached is None or _cached.generation_id != active:
            _cached = Locator.load(active)
        _checked_at = now
        return _cached


def reset_locator() -> None:
    """Forget the cached locator, so the next `get_locator()` rebuilds it."""
    global _cached
    _cached = None


@receiver(post_save, sender=Generation)
@receiver(post_delete, sender=Generation)
@receiver(post_save, sender=GridBoundary)
@receiver(post_delete, sender=GridBoundary)
@receiver(post_save, sender=Grid)
@receiver(post_delete, sender=Grid)
def _forget_on_change(**kwargs: Any) -> None:
    reset_locator()
    # Again after the transaction commits: an import creates the generation first and bulk-writes the
    # boundaries after it, without signals; a locator built in between would miss them.
    transaction.on_commit(reset_locator, using=kwargs.get("using"))
