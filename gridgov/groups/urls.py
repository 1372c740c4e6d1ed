"""URLs of the groups app."""

from __future__ import annotations

app_name = "groups"
urlpatterns: list = []
