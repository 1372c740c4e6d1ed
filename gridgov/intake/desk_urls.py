"""URLs of the desk pages (included by `gridgov.intake.urls`, namespace `intake`)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
