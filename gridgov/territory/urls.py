"""URLs of the territory pages."""

from __future__ import annotations

from django.urls import path

from gridgov.territory import views

app_name = "territory"
urlpatterns = [
    path("", views.district, name="district"),
    path("streets/<str:code>/", views.street, name="street"),
    path("communities/<str:code>/", views.community, name="community"),
    path("grids/<str:code>/", views.grid, name="grid"),
    path("map/", views.grid_map, name="map"),
    path("grids.geojson", views.grids_geojson, name="grids_geojson"),
]
