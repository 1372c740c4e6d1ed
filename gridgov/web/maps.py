"""Grid boundaries as GeoJSON for the Leaflet maps of the pages, and the map settings they need."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.urls import reverse

from gridgov.territory.models import Grid, GridBoundary


def boundary_features(grids: Iterable[Grid], link: bool = True) -> dict[str, Any]:
    """Return a FeatureCollection of the grids' active-generation boundaries, in one query."""
    by_id = {grid.pk: grid for grid in grids}
    boundaries = GridBoundary.objects.filter(grid_id__in=list(by_id), generation__active=True).values_list(
        "grid_id", "geometry"
    )
    features = []
    for grid_id, geometry in boundaries:
        grid = by_id[grid_id]
        properties = {"code": grid.code, "name": grid.name}
        if link:
            properties["url"] = reverse("territory:grid", kwargs={"code": grid.code})
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    features.sort(key=lambda feature: feature["properties"]["code"])
    return {"type": "FeatureCollection", "features": features}


def map_options() -> dict[str, str]:
    """Return the base-layer settings the map script reads (no tiles unless configured)."""
    return {
        "tiles": settings.MAP_TILES_URL,
        "crs": settings.MAP_TILES_CRS,
        "attribution": settings.MAP_TILES_ATTRIBUTION,
    }
