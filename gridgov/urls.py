"""Root URL configuration."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from gridgov.cases.urls import track_patterns

urlpatterns = [
    path("admin/", admin.site.urls),
    # The language switcher must work on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("territory/", include("gridgov.territory.urls")),
    path("people/", include("gridgov.people.urls")),
    path("cases/", include("gridgov.cases.urls")),
    # The reporter's public progress page (its views are marked `login_not_required`).
    path("track/", include((track_patterns, "track"))),
    # Intake: the public report page, the patrol and hotline forms, and the machine channels.
    path("", include("gridgov.intake.urls")),
    path("open311/v2/", include("gridgov.open311.urls")),
    path("intake/wechat/", include("gridgov.wechat.urls")),
    path("groups/", include("gridgov.groups.urls")),
    # The public service notices (water cuts, power outages, campaigns); no login.
    path("notices/", include("gridgov.groups.public_urls")),
    path("api/v1/", include("gridgov.api.urls")),
    path("", include("gridgov.web.urls")),
]
