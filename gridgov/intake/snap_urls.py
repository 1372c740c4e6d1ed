"""URLs of the snap pages (included by `gridgov.intake.urls`, namespace `intake`, mounted at the site root)."""

from __future__ import annotations

from django.urls import URLPattern, path

from gridgov.intake import category_search, snap

urlpatterns: list[URLPattern] = [
    path("report/", snap.report, name="snap"),
    path("report/done/<str:tracking_no>/", snap.done, name="snap_done"),
    path("report/categories/", category_search.category_search, name="category_search"),
    path("report/area.geojson", snap.area, name="snap_area"),
]
