"""Shell pages: the home page of each persona, the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from gridgov.people import policy
from gridgov.people.models import User
from gridgov.web.home import BUILDERS
from gridgov.web.maps import map_options


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Answer ok after a round trip to the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok"})


def home(request: HttpRequest) -> HttpResponse:
    """Show the home page of the user's main role (see `policy.home_kind`)."""
    user = request.user
    assert isinstance(user, User)  # LoginRequiredMiddleware lets only signed-in users here
    kind = policy.home_kind(user)
    context = BUILDERS[kind](user)
    context.update(home_kind=kind, map_options=map_options())
    return render(request, f"web/home_{kind}.html", context)
