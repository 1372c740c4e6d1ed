"""Read grid features from a GeoJSON FeatureCollection, checking each one on its own.

Checks per feature: the GeoJSON shape, the properties (15-digit `code`, `name`), coordinates in
range, conversion to WGS-84 from the file's coordinate system, polygon validity (GEOS's reason, e.g.
a self-intersection with its location) and a minimum area. Checks across features (duplicates,
overlaps, gaps) are in `grids.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon, Polygon

from gridgov.lib import jsonfile
from gridgov.lib.coords import Crs, to_wgs84
from gridgov.territory.importers.geometry import DECIMALS, Area, area_m2

GRID_CODE = re.compile(r"[0-9]{15}")
NAME_MAX = 50


@dataclass(frozen=True)
class FeatureProblem:
    """Something wrong with one feature (`number` counts from 1) or with the file (`number` None)."""

    number: int | None
    code: str
    message: str

    def __str__(self) -> str:
        if self.number is None:
            return self.message
        if self.code:
            return _("Feature %(number)d (%(code)s): %(message)s") % {
                "number": self.number,
                "code": self.code,
                "message": self.message,
            }
        return _("Feature %(number)d: %(message)s") % {"number": self.number, "message": self.message}


@dataclass
class GridFeature:
    """One checked feature, its geometry converted to WGS-84."""

    number: int
    code: str
    name: str
    community_name: str
    street_name: str
    district_name: str
    geometry: Area
    area_m2: float


class FeatureError(Exception):
    """A feature cannot be used; the message is for the user."""


def load_json(path: Path) -> Any:
    """Return the parsed JSON file, or raise FeatureError with a message for the user."""
    try:
        return jsonfile.read(path)
    except jsonfile.UnreadableJson as exc:
        raise FeatureError(str(exc)) from None


def read_features(
    data: Any, crs: Crs, min_area_m2: float, problems: list[FeatureProblem]
) -> list[GridFeature]:
    """Return the usable features of a FeatureCollection; add a problem for each unusable one."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        problems.append(FeatureProblem(None, "", _("The file is not a GeoJSON FeatureCollection.")))
        return []
    features = data.get("features")
    if not isinstance(features, list):
        problems.append(FeatureProblem(None, "", _("The FeatureCollection has no list of features.")))
        return []
    if not features:
        problems.append(FeatureProblem(None, "", _("The FeatureCollection has no features.")))
    result = []
    for number, feature in enumerate(features, start=1):
        code = _raw_code(feature)
        try:
            result.append(read_feature(number, feature, crs, min_area_m2))
        except FeatureError as exc:
            problems.append(FeatureProblem(number, code, str(exc)))
    return result


def read_feature(number: int, feature: Any, crs: Crs, min_area_m2: float) -> GridFeature:
    """Return the checked feature, or raise FeatureError saying what is wrong with it."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise FeatureError(_("not a GeoJSON Feature."))
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        raise FeatureError(_("the feature has no properties."))
    code, name = _code_and_name(properties)
    geometry = _geometry(feature.get("geometry"), crs)
    reason = shapely.is_valid_reason(geometry)
    if reason != "Valid Geometry":
        raise FeatureError(_("the polygon is not valid: %(reason)s.") % {"reason": reason})
    area = area_m2(geometry)
    if area < min_area_m2:
        raise FeatureError(
            _("the grid is only %(area).1f m², below the tolerance of %(tolerance)g m².")
            % {"area": area, "tolerance": min_area_m2}
        )
    return GridFeature(
        number=number,
        code=code,
        name=name,
        community_name=_text(properties, "community_name"),
        street_name=_text(properties, "street_name"),
        district_name=_text(properties, "district_name"),
        geometry=geometry,
        area_m2=area,
    )


def _raw_code(feature: Any) -> str:
    """Return the code as written, for error messages about a feature that is otherwise broken."""
    if isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
        code = feature["properties"].get("code")
        if isinstance(code, str | int) and not isinstance(code, bool):
            return str(code).strip()[:20]
    return ""


def _code_and_name(properties: dict[str, Any]) -> tuple[str, str]:
    raw = properties.get("code")
    # A code written as a JSON number is fine: grid codes never start with 0.
    code = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if not code:
        raise FeatureError(_("the property “code” is missing."))
    if not GRID_CODE.fullmatch(code):
        raise FeatureError(
            _("the code %(code)s is not a 15-digit grid code (district 6 + street 3 + community 3 + grid 3).")
            % {"code": code}
        )
    name = _text(properties, "name")
    if not name:
        raise FeatureError(_("the property “name” is missing."))
    if len(name) > NAME_MAX:
        raise FeatureError(_("the name is longer than %(max)d characters.") % {"max": NAME_MAX})
    return code, name


def _text(properties: dict[str, Any], key: str) -> str:
    value = properties.get(key)
    return value.strip() if isinstance(value, str) else ""


def _geometry(data: Any, crs: Crs) -> Area:
    if not isinstance(data, dict):
        raise FeatureError(_("the feature has no geometry."))
    kind, coordinates = data.get("type"), data.get("coordinates")
    if kind == "Polygon":
        return _polygon(coordinates, crs)
    if kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise FeatureError(_("the MultiPolygon has no polygons."))
        return MultiPolygon([_polygon(part, crs) for part in coordinates])
    raise FeatureError(
        _("the geometry is a %(kind)s; a grid must be a Polygon or MultiPolygon.") % {"kind": kind}
    )


def _polygon(rings: Any, crs: Crs) -> Polygon:
    if not isinstance(rings, list) or not rings:
        raise FeatureError(_("a polygon has no rings."))
    shell, *holes = (_ring(ring, crs) for ring in rings)
    return Polygon(shell, holes)


def _ring(ring: Any, crs: Crs) -> np.ndarray:
    xy = _positions(ring)
    if len(xy) < 4:
        raise FeatureError(_("a ring has fewer than 4 positions."))
    if not np.array_equal(xy[0], xy[-1]):
        raise FeatureError(_("a ring is not closed (its first and last positions differ)."))
    _check_range(xy)
    if crs is not Crs.WGS84:
        xy = np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], crs))
    return np.round(xy, DECIMALS)


def _positions(ring: Any) -> np.ndarray:
    """Return the ring's positions as an (n, 2) array; numbers only, as GeoJSON has them."""
    try:
        # One conversion for the whole ring: checking position by position in Python is 3x slower.
        array = np.array(ring) if isinstance(ring, list) else None
    except ValueError:  # ragged: positions of different lengths, or not lists at all
        array = None
    if array is None or array.ndim != 2 or array.shape[1] < 2 or array.dtype.kind not in "iuf":
        raise FeatureError(_("a ring is not a list of [longitude, latitude] positions."))
    return array[:, :2].astype(np.float64)


def _check_range(xy: np.ndarray) -> None:
    bad_lon = ~(np.abs(xy[:, 0]) <= 180.0)
    bad_lat = ~(np.abs(xy[:, 1]) <= 90.0)
    if bad_lon.any() or bad_lat.any():
        index = int(np.argmax(bad_lon | bad_lat))
        raise FeatureError(
            _("the position [%(lon)s, %(lat)s] is out of range (longitude ±180, latitude ±90).")
            % {"lon": xy[index, 0], "lat": xy[index, 1]}
        )
