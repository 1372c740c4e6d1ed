"""Likely duplicates of a report: open cases of the same category within 100 m and 72 hours.

The database narrows by a bounding box on the indexed columns it has (category, time, lon/lat
ranges); the exact great-circle distance is computed here, on the few rows left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from gridgov.cases.models import Case
from gridgov.cases.workflow import OPEN

RADIUS_M = 100.0
WINDOW = timedelta(hours=72)
EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180


@dataclass(frozen=True)
class Duplicate:
    """An open case that may report the same matter, and how far from the report it is."""

    case: Case
    distance_m: float


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Return the great-circle distance between two WGS-84 points in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def suggest_duplicates(
    case: Case, *, radius_m: float = RADIUS_M, window: timedelta = WINDOW, limit: int = 10
) -> list[Duplicate]:
    """Return open cases of the case's category reported within the radius and window, nearest first."""
    if case.category_id is None or case.lon is None or case.lat is None:
        return []
    dlat = radius_m / METRES_PER_DEGREE
    # Degrees of longitude shrink towards the poles; guard the cosine for the (theoretical) pole.
    dlon = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(case.lat)), 1e-6))
    candidates = (
        Case.objects.filter(
            category_id=case.category_id,
            status__in=OPEN,
            created_at__gte=case.created_at - window,
            created_at__lte=case.created_at + window,
            lon__range=(case.lon - dlon, case.lon + dlon),
            lat__range=(case.lat - dlat, case.lat + dlat),
        )
        .exclude(pk=case.pk)
        .select_related("category", "grid")
    )
    found = []
    for other in candidates:
        assert other.lon is not None and other.lat is not None
        distance = haversine_m(case.lon, case.lat, other.lon, other.lat)
        if distance <= radius_m:
            found.append(Duplicate(other, round(distance, 1)))
    found.sort(key=lambda d: (d.distance_m, d.case.created_at))
    return found[:limit]
