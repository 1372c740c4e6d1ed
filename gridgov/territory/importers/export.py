"""Export the boundaries of one generation as a GeoJSON FeatureCollection that `import_grids` reads back."""

from __future__ import annotations

from typing import Any

import numpy as np

from gridgov.lib.coords import Crs, from_wgs84
from gridgov.territory.importers.geometry import DECIMALS
from gridgov.territory.models import Generation, GridBoundary


def export_generation(generation: Generation, crs: Crs = Crs.WGS84) -> dict[str, Any]:
    """Return the generation's grids as a FeatureCollection, ordered by grid code."""
    boundaries = (
        GridBoundary.objects.filter(generation=generation)
        .select_related("grid__community__street__district")
        .order_by("grid__code")
    )
    return {
        "type": "FeatureCollection",
        "name": f"gridgov generation {generation.pk}",
        "features": [_feature(boundary, crs) for boundary in boundaries],
    }


def _feature(boundary: GridBoundary, crs: Crs) -> dict[str, Any]:
    grid = boundary.grid
    community = grid.community
    return {
        "type": "Feature",
        "properties": {
            "code": grid.code,
            "name": grid.name,
            "community_name": community.name,
            "street_name": community.street.name,
            "district_name": community.street.district.name,
            "area_m2": round(boundary.area_m2, 1),
        },
        "geometry": _converted(boundary.geometry, crs) if crs != Crs.WGS84 else boundary.geometry,
    }


def _converted(geometry: dict[str, Any], crs: Crs) -> dict[str, Any]:
    """Return the GeoJSON geometry with every position converted from WGS-84."""

    def ring(positions: list[list[float]]) -> list[list[float]]:
        xy = np.asarray(positions, dtype=np.float64)[:, :2]
        lon, lat = from_wgs84(xy[:, 0], xy[:, 1], crs)
        return np.round(np.column_stack([lon, lat]), DECIMALS).tolist()

    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in geometry["coordinates"]]}
    return {
        "type": "MultiPolygon",
        "coordinates": [[ring(r) for r in polygon] for polygon in geometry["coordinates"]],
    }
