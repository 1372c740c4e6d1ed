"""Conversions between WGS-84, GCJ-02 (WeChat, AMap, Tencent) and BD-09 (Baidu) coordinates.

GCJ-02 is the obfuscated datum that maps published in mainland China must use; BD-09 adds Baidu's
own offset on top of it. The forward transforms are the published standard algorithm; the inverses
are solved by fixed-point iteration to well below a micro-degree, because the common one-step
inverse is off by up to a couple of metres. Points outside the rough China rectangle are not
offset, in any of the three systems, so conversions there are the identity.

Every function accepts Python numbers (and returns a tuple of floats) or numpy arrays (vectorised,
returns arrays of the broadcast shape).
"""

from __future__ import annotations

import math
from enum import StrEnum
from types import SimpleNamespace
from typing import Any, overload

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# Krasovsky 1940 ellipsoid, as the GCJ-02 algorithm uses it.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0

# The rectangle used by the common open implementations (eviltransform and its ports).
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)

# The inverse converges by about two decimal digits per step; 1e-10° is ~0.01 mm.
_TOLERANCE = 1e-10
_MAX_STEPS = 30


class Crs(StrEnum):
    """A coordinate reference system a client may send."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


@overload
def to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]: ...
@overload
def to_wgs84(lon: FloatArray, lat: FloatArray | float, crs: str) -> tuple[FloatArray, FloatArray]: ...
@overload
def to_wgs84(lon: float, lat: FloatArray, crs: str) -> tuple[FloatArray, FloatArray]: ...
def to_wgs84(lon: Any, lat: Any, crs: str) -> tuple[Any, Any]:
    """Return the WGS-84 position of a point (or points) given in the named system."""
    system = parse_crs(crs)
    x, y, scalar = _prepare(lon, lat)
    if system is Crs.GCJ02:
        x, y = _gcj02_to_wgs84(x, y, scalar)
    elif system is Crs.BD09:
        x, y = _gcj02_to_wgs84(*_bd09_to_gcj02(x, y, scalar), scalar)
    return _finish(x, y, scalar)


@overload
def from_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]: ...
@overload
def from_wgs84(lon: FloatArray, lat: FloatArray | float, crs: str) -> tuple[FloatArray, FloatArray]: ...
@overload
def from_wgs84(lon: float, lat: FloatArray, crs: str) -> tuple[FloatArray, FloatArray]: ...
def from_wgs84(lon: Any, lat: Any, crs: str) -> tuple[Any, Any]:
    """Return the position in the named system of a WGS-84 point (or points)."""
    system = parse_crs(crs)
    x, y, scalar = _prepare(lon, lat)
    if system is Crs.GCJ02:
        x, y = _wgs84_to_gcj02(x, y, scalar)
    elif system is Crs.BD09:
        x, y = _gcj02_to_bd09(*_wgs84_to_gcj02(x, y, scalar), scalar)
    return _finish(x, y, scalar)


def parse_crs(value: str) -> Crs:
    """Return the system named by the value ("wgs84", "GCJ-02", "bd09" …), or raise ValueError."""
    key = str(value).strip().lower().replace("-", "").replace("_", "")
    try:
        return Crs(key)
    except ValueError:
        choices = ", ".join(c.value for c in Crs)
        raise ValueError(f"unknown coordinate system {value!r}; expected one of {choices}") from None


def in_china(lon: Any, lat: Any) -> Any:
    """Return whether the point lies in the rectangle where the Chinese offsets apply."""
    return (_CHINA_LON[0] <= lon) & (lon <= _CHINA_LON[1]) & (_CHINA_LAT[0] <= lat) & (lat <= _CHINA_LAT[1])


# --- input and output -------------------------------------------------------------------------


def _prepare(lon: Any, lat: Any) -> tuple[Any, Any, bool]:
    """Return the coordinates as floats or float arrays after checking their range."""
    if _is_number(lon) and _is_number(lat):
        x, y = float(lon), float(lat)
        _check_scalar(x, y)
        return x, y, True
    xs, ys = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    _check_array(xs, ys)
    return xs, ys, False


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)


def _check_scalar(lon: float, lat: float) -> None:
    # `not (a <= x <= b)` is also true for NaN, which must not slip through.
    if not -180.0 <= lon <= 180.0:
        raise ValueError(f"longitude {lon!r} is out of range (-180 to 180)")
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"latitude {lat!r} is out of range (-90 to 90)")


def _check_array(lon: FloatArray, lat: FloatArray) -> None:
    for values, name, limit in ((lon, "longitude", 180.0), (lat, "latitude", 90.0)):
        bad = ~(np.abs(values) <= limit)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            position = index[0] if len(index) == 1 else index
            raise ValueError(
                f"{name} {float(values[index])!r} at index {position} is out of range (-{limit:g} to {limit:g})"
            )


def _finish(x: Any, y: Any, scalar: bool) -> tuple[Any, Any]:
    if scalar:
        return float(x), float(y)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


# --- the standard algorithm --------------------------------------------------------------------
# Scalars go through `math` (a numpy ufunc on a Python float costs ~1 µs each); arrays through numpy.
_NP = SimpleNamespace(sin=np.sin, cos=np.cos, sqrt=np.sqrt, atan2=np.arctan2)


def _math(scalar: bool) -> Any:
    return math if scalar else _NP


def _offset(lon: Any, lat: Any, scalar: bool) -> tuple[Any, Any]:
    """Return the GCJ-02 offset in degrees at a WGS-84 point, ignoring the China rectangle."""
    m = _math(scalar)
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * m.sin(6.0 * x * math.pi) + 20.0 * m.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * m.sqrt(abs(x)) + common
    dlat += (20.0 * m.sin(y * math.pi) + 40.0 * m.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * m.sin(y / 12.0 * math.pi) + 320.0 * m.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * m.sqrt(abs(x)) + common
    dlon += (20.0 * m.sin(x * math.pi) + 40.0 * m.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * m.sin(x / 12.0 * math.pi) + 300.0 * m.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * math.pi
    magic = 1.0 - _EE * m.sin(radlat) ** 2
    sqrtmagic = m.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * m.cos(radlat) * math.pi)
    return dlon, dlat


def _wgs84_to_gcj02(lon: Any, lat: Any, scalar: bool) -> tuple[Any, Any]:
    if scalar and not in_china(lon, lat):
        return lon, lat
    dlon, dlat = _offset(lon, lat, scalar)
    if scalar:
        return lon + dlon, lat + dlat
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def _gcj02_to_wgs84(lon: Any, lat: Any, scalar: bool) -> tuple[Any, Any]:
    """Solve forward(w) = g for w by fixed-point iteration; the offset varies slowly, so it converges fast."""
    if scalar and not in_china(lon, lat):
        return lon, lat
    x, y = lon, lat
    for _ in range(_MAX_STEPS):
        dlon, dlat = _offset(x, y, scalar)
        ex, ey = x + dlon - lon, y + dlat - lat
        x, y = x - ex, y - ey
        if _max_abs(ex, ey, scalar) < _TOLERANCE:
            break
    if scalar:
        return x, y
    inside = in_china(lon, lat)
    return np.where(inside, x, lon), np.where(inside, y, lat)


def _gcj02_to_bd09(lon: Any, lat: Any, scalar: bool) -> tuple[Any, Any]:
    if scalar and not in_china(lon, lat):
        return lon, lat
    bx, by = _bd09_raw(lon, lat, _math(scalar))
    if scalar:
        return bx, by
    inside = in_china(lon, lat)
    return np.where(inside, bx, lon), np.where(inside, by, lat)


def _bd09_to_gcj02(lon: Any, lat: Any, scalar: bool) -> tuple[Any, Any]:
    """Invert Baidu's offset: start from the published one-step inverse, then refine by iteration."""
    if scalar and not in_china(lon, lat):
        return lon, lat
    m = _math(scalar)
    x0, y0 = lon - 0.0065, lat - 0.006
    z = m.sqrt(x0 * x0 + y0 * y0) - 0.00002 * m.sin(y0 * _X_PI)
    theta = m.atan2(y0, x0) - 0.000003 * m.cos(x0 * _X_PI)
    x, y = z * m.cos(theta), z * m.sin(theta)
    for _ in range(_MAX_STEPS):
        bx, by = _bd09_raw(x, y, m)
        ex, ey = bx - lon, by - lat
        x, y = x - ex, y - ey
        if _max_abs(ex, ey, scalar) < _TOLERANCE:
            break
    if scalar:
        return x, y
    inside = in_china(lon, lat)
    return np.where(inside, x, lon), np.where(inside, y, lat)


def _bd09_raw(lon: Any, lat: Any, m: Any) -> tuple[Any, Any]:
    z = m.sqrt(lon * lon + lat * lat) + 0.00002 * m.sin(lat * _X_PI)
    theta = m.atan2(lat, lon) + 0.000003 * m.cos(lon * _X_PI)
    return z * m.cos(theta) + 0.0065, z * m.sin(theta) + 0.006


def _max_abs(ex: Any, ey: Any, scalar: bool) -> float:
    if scalar:
        return max(abs(ex), abs(ey))
    if ex.size == 0:
        return 0.0
    return float(max(np.max(np.abs(ex)), np.max(np.abs(ey))))


__all__ = ["Crs", "from_wgs84", "in_china", "parse_crs", "to_wgs84"]
