"""URLs of the public notices pages (mounted at /notices/, namespace `notices`)."""

from __future__ import annotations

from django.urls import path

from gridgov.groups import public

app_name = "notices"
urlpatterns = [
    path("", public.notice_list, name="list"),
    path("<int:pk>/", public.notice_detail, name="detail"),
]
