"""URLs of the desk pages (included by `gridgov.intake.urls`, namespace `intake`): patrol and hotline."""

from __future__ import annotations

from django.urls import URLPattern, path

from gridgov.intake import hotline, patrol

urlpatterns: list[URLPattern] = [
    path("patrol/", patrol.patrol, name="patrol"),
    path("hotline/", hotline.hotline, name="hotline"),
    path("hotline/duplicates/", hotline.duplicates, name="hotline_duplicates"),
]
