"""Territory pages: district → streets → communities → grids, a grid with its map and buildings.

Every page shows only what `people.policy` lets the user see; an area outside the user's scope
answers 404, so its existence does not leak.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from gridgov.people import policy
from gridgov.people.models import User
from gridgov.people.teams import team_for_grids
from gridgov.territory.models import Building, Community, District
from gridgov.web.home import area_overview, grid_cards
from gridgov.web.maps import boundary_features, map_options

BUILDINGS_PER_PAGE = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # LoginRequiredMiddleware lets only signed-in users here
    return user


def district(request: HttpRequest) -> HttpResponse:
    """List the streets the user sees, with their community and grid counts."""
    user = _user(request)
    context = {
        "district": District.objects.order_by("pk").first(),
        "area": area_overview(user),
    }
    return render(request, "territory/district.html", context)


def street(request: HttpRequest, code: str) -> HttpResponse:
    """List the communities of a street the user sees, with their grid counts."""
    user = _user(request)
    found = get_object_or_404(policy.visible_streets(user).select_related("district"), code=code)
    grids = policy.visible_grids(user).filter(community__street=found)
    counts = {
        row["community"]: row["n"] for row in grids.values("community").annotate(n=Count("pk")).order_by()
    }
    communities = [
        (community, counts[community.pk])
        for community in Community.objects.filter(pk__in=list(counts)).order_by("code")
    ]
    return render(request, "territory/street.html", {"street": found, "communities": communities})


def community(request: HttpRequest, code: str) -> HttpResponse:
    """List the grids of a community the user sees, with grid workers and a map."""
    user = _user(request)
    found = get_object_or_404(policy.visible_communities(user).select_related("street"), code=code)
    grids = list(
        policy.visible_grids(user)
        .filter(community=found)
        .annotate(building_count=Count("buildings"))
        .order_by("code")
    )
    teams = team_for_grids(grids)
    context = {
        "community": found,
        "rows": [(item, teams[item.pk].grid_worker) for item in grids],
        "boundaries": boundary_features(grids),
        "map_options": map_options(),
    }
    return render(request, "territory/community.html", context)


def grid(request: HttpRequest, code: str) -> HttpResponse:
    """Show a grid: its figures, boundary map, team and buildings."""
    user = _user(request)
    found = get_object_or_404(policy.visible_grids(user).select_related("community__street"), code=code)
    buildings = (
        Building.objects.filter(grid=found)
        .annotate(
            household_count=Count("households", distinct=True), resident_count=Count("households__residents")
        )
        .order_by("code")
    )
    page = Paginator(buildings, BUILDINGS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "grid": found,
        "card": grid_cards([found])[0],
        "page": page,
        "boundaries": boundary_features([found], link=False),
        "map_options": map_options(),
    }
    return render(request, "territory/grid.html", context)


def grid_map(request: HttpRequest) -> HttpResponse:
    """Show a map of every grid the user sees."""
    return render(request, "territory/map.html", {"map_options": map_options()})


def grids_geojson(request: HttpRequest) -> HttpResponse:
    """Return the active boundaries of the grids the user sees as a GeoJSON FeatureCollection."""
    grids = policy.visible_grids(_user(request)).only("pk", "code", "name")
    response = JsonResponse(boundary_features(grids), json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/geo+json"
    return response
