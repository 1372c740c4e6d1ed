"""People pages: a grid's team, the staff list with workforce figures, the department tree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from gridgov.people import policy, teams, workforce
from gridgov.people.models import Department, Post, Role, User
from gridgov.territory.models import Community, Grid, Street

STAFF_PER_PAGE = 50


@login_required
def grid_team(request: HttpRequest, code: str) -> HttpResponse:
    """Show the grid's team: 1+3 core, utilities, property, building leaders, linked cadre."""
    grid = Grid.objects.select_related("community__street").filter(code=code).first()
    # 404 rather than 403 for grids outside the user's scope: their existence is not shown either.
    if grid is None or not policy.can_view_grid(request.user, grid):  # type: ignore[arg-type]
        raise Http404
    team = teams.grid_team(grid)
    return render(request, "people/team.html", {"grid": grid, "team": team, "groups": team.groups()})


# --- staff list ------------------------------------------------------------------------------------


def _area_condition(code: str) -> tuple[Q, object] | None:
    """Return the post condition for an area code (street 9, community 12, grid 15 digits) and the area."""
    if len(code) == 9 and (street := Street.objects.filter(code=code).first()):
        return Q(street=street) | Q(community__street=street) | Q(grid__community__street=street), street
    if len(code) == 12 and (community := Community.objects.filter(code=code).first()):
        return Q(community=community) | Q(grid__community=community), community
    if len(code) == 15 and (grid := Grid.objects.filter(code=code).first()):
        return Q(grid=grid), grid
    return None


def _filtered_staff(request: HttpRequest, viewer: User) -> tuple[QuerySet[User], dict[str, Any]]:
    """Return the staff matching the role and area filters of the query string, and the filters."""
    role = request.GET.get("role", "")
    area_code = request.GET.get("area", "").strip()
    posts = Post.objects.filter(active=True)
    if role in Role.values:
        posts = posts.filter(role=role)
    else:
        role = ""
    area = None
    if area_code and (found := _area_condition(area_code)):
        condition, area = found
        posts = posts.filter(condition)
    staff = policy.visible_staff(viewer)
    if role or area is not None:
        staff = staff.filter(pk__in=posts.values("user_id"))
    return staff, {"role": role, "area": area_code if area is not None else "", "area_object": area}


def _with_posts(staff: QuerySet[User]) -> QuerySet[User]:
    """Return the staff with their active posts and scopes prefetched (two queries for any page)."""
    active = Post.objects.filter(active=True).select_related(
        "grid", "community", "street", "district", "department"
    )
    return staff.prefetch_related(Prefetch("posts", queryset=active.order_by("pk"), to_attr="active_posts"))


@dataclass
class AreaChoice:
    code: str
    label: str
    indent: bool = False


def _area_choices(viewer: User) -> list[AreaChoice]:
    """Return the streets and communities the viewer sees, communities under their street."""
    communities = policy.visible_communities(viewer).select_related("street").order_by("code")
    choices: list[AreaChoice] = []
    last_street = None
    for community in communities:
        if community.street_id != last_street:
            choices.append(AreaChoice(community.street.code, community.street.name))
            last_street = community.street_id
        choices.append(AreaChoice(community.code, community.name, indent=True))
    return choices


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    """List the staff in the viewer's areas with filters and workforce figures."""
    viewer: User = request.user  # type: ignore[assignment]
    if not policy.can_view_staff(viewer):
        raise PermissionDenied
    staff, filters = _filtered_staff(request, viewer)
    today = timezone.localdate()
    summary = workforce.summarise(staff, today)
    page = Paginator(_with_posts(staff.order_by("full_name", "username")), STAFF_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [(member, workforce.age(member.birth_year, today)) for member in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "people/staff_list.html",
        {
            "page": page,
            "rows": rows,
            "summary": summary,
            "filters": filters,
            "roles": Role.choices,
            "areas": _area_choices(viewer),
            "query": query.urlencode(),
        },
    )


# --- department tree -------------------------------------------------------------------------------


@dataclass
class DepartmentNode:
    department: Department
    staff: int
    children: list[DepartmentNode] = field(default_factory=list)


def department_forest() -> list[DepartmentNode]:
    """Return the departments as trees with their active staff counts, in one query."""
    departments = Department.objects.annotate(
        staff=Count("posts__user", filter=Q(posts__active=True), distinct=True)
    ).order_by("code")
    nodes = {department.pk: DepartmentNode(department, department.staff) for department in departments}
    children: dict[int | None, list[DepartmentNode]] = defaultdict(list)
    for node in nodes.values():
        parent = node.department.parent_id
        # A parent missing from the result (cannot happen with PROTECT) would orphan a subtree.
        children[parent if parent in nodes else None].append(node)
    for pk, node in nodes.items():
        node.children = children[pk]
    return children[None]


@login_required
def department_tree(request: HttpRequest) -> HttpResponse:
    """Show the department tree with duty phones and staff counts."""
    if not policy.can_view_departments(request.user):  # type: ignore[arg-type]
        raise PermissionDenied
    forest = department_forest()
    return render(request, "people/departments.html", {"forest": forest, "kinds": Department.Kind})
