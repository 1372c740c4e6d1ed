"""URLs of the public notices pages (mounted at /notices/, namespace `notices`)."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "notices"
urlpatterns: list[URLPattern] = []
