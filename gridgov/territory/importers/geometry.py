"""Small geometry helpers for boundaries held as WGS-84 lon/lat: areas in m², GeoJSON in and out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

# Mean Earth radius (IUGG); one degree of latitude is ~111.2 km.
EARTH_RADIUS_M = 6_371_008.8
M_PER_DEGREE = math.pi / 180.0 * EARTH_RADIUS_M
DECIMALS = 7  # ~1 cm: enough for boundaries, and neighbours' shared vertices stay identical

Area: TypeAlias = Polygon | MultiPolygon


def area_m2(geometries: Any) -> Any:
    """Return the area in m² of a geometry (or an array of them), by a local equirectangular projection.

    For shapes a few kilometres across the error is far below a square metre per hectare.
    """
    degrees2 = shapely.area(geometries)
    latitude = shapely.get_y(shapely.centroid(geometries))
    result = degrees2 * M_PER_DEGREE**2 * np.cos(np.radians(latitude))
    return float(result) if np.ndim(result) == 0 else np.nan_to_num(result)


def to_geojson(geometry: Area) -> dict[str, Any]:
    """Return the geometry as a GeoJSON dict with lists (not tuples), as a JSONField stores it."""
    return _listed(shapely.geometry.mapping(geometry))


def from_geojson(data: dict[str, Any]) -> Area:
    """Return the shapely polygon or multipolygon of a stored GeoJSON geometry."""
    geometry = shape(data)
    if not isinstance(geometry, Polygon | MultiPolygon):
        raise ValueError(f"expected a Polygon or MultiPolygon, not {geometry.geom_type}")
    return geometry


def same_shapes(
    left: Sequence[Area], right: Sequence[Area], tolerance: float = 1e-7
) -> npt.NDArray[np.bool_]:
    """Return, pair by pair, whether two shapes are the same up to vertex order and ~1 cm."""
    a = shapely.normalize(np.asarray(left, dtype=object))
    b = shapely.normalize(np.asarray(right, dtype=object))
    return np.asarray(shapely.equals_exact(a, b, tolerance=tolerance), dtype=bool)


def _listed(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_listed(item) for item in value]
    if isinstance(value, dict):
        return {key: _listed(item) for key, item in value.items()}
    return value


__all__ = ["DECIMALS", "area_m2", "from_geojson", "same_shapes", "to_geojson"]
