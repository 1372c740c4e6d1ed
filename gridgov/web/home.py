"""What each persona's home page shows; every builder runs a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, F, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gridgov.people import policy
from gridgov.people.models import CareTag, Department, Level, Post, Resident, Role, User
from gridgov.people.teams import GridTeam, team_for_grids
from gridgov.people.workforce import Workforce, summarise
from gridgov.territory.models import Building, Community, Generation, Grid, Household, Street
from gridgov.web.maps import boundary_features

# A department page lists at most this many staff; the staff page has the full, filtered list.
DEPARTMENT_STAFF_LIMIT = 200


# --- grid home: "my grid" -------------------------------------------------------------------------


@dataclass
class GridCard:
    """One grid of a grid-level user, with its counts and team."""

    grid: Grid
    buildings: int = 0
    households: int = 0
    residents: int = 0
    care: list[tuple[str, Promise, int]] = field(default_factory=list)
    team: GridTeam | None = None


def grid_cards(grids: list[Grid]) -> list[GridCard]:
    """Return a card per grid with building, household, resident and care-tag counts and the team."""
    cards = {grid.pk: GridCard(grid=grid) for grid in grids}
    ids = list(cards)
    for row in Building.objects.filter(grid__in=ids).values("grid").annotate(n=Count("pk")).order_by():
        cards[row["grid"]].buildings = row["n"]
    households = Household.objects.filter(building__grid__in=ids).values(grid=F("building__grid"))
    for row in households.annotate(n=Count("pk")).order_by():
        cards[row["grid"]].households = row["n"]
    for grid_id, counts in _resident_counts(ids).items():
        cards[grid_id].residents = counts.pop("total")
        cards[grid_id].care = [(tag.value, tag.label, counts[tag.value]) for tag in CareTag]
    for pk, team in team_for_grids(grids).items():
        cards[pk].team = team
    for card in cards.values():
        card.care = card.care or [(tag.value, tag.label, 0) for tag in CareTag]
    return [cards[grid.pk] for grid in grids]


def _resident_counts(grid_ids: list[int]) -> dict[int, dict[str, int]]:
    """Return per grid the resident total and the count of each care tag, in one query."""
    # Care tags are a comma-separated list; one conditional count per tag keeps this a single query.
    tag_counts = {tag.value: Count("pk", filter=Q(care_tags__contains=tag.value)) for tag in CareTag}
    residents = Resident.objects.filter(household__building__grid__in=grid_ids)
    grouped = residents.values(grid=F("household__building__grid")).annotate(total=Count("pk"), **tag_counts)
    # The tag columns are dynamic, which the typed rows of django-stubs cannot express.
    rows = cast(Iterable[dict[str, Any]], grouped.order_by())
    return {row.pop("grid"): row for row in rows}


def grid_home(user: User) -> dict[str, Any]:
    """Return the context of the grid home page: the user's grids, their figures, team and map."""
    grid_ids = list(dict.fromkeys(post.grid_id for post in policy.grid_posts(user) if post.grid_id))
    order = {pk: index for index, pk in enumerate(grid_ids)}
    grids = sorted(
        Grid.objects.filter(pk__in=grid_ids).select_related("community__street"), key=lambda g: order[g.pk]
    )
    return {
        "cards": grid_cards(grids),
        "is_grid_worker": Role.GRID_WORKER in policy.roles(user),
        "my_roles": sorted({str(post.get_role_display()) for post in policy.grid_posts(user)}),
        "boundaries": boundary_features(grids),
    }


# --- area overview: dispatchers, leaders, fund officers ---------------------------------------------


@dataclass
class StreetRow:
    """A street of the user's scope with what the user sees of it."""

    street: Street
    communities: int = 0
    grids: int = 0
    residents: int = 0
    staff: int = 0


@dataclass
class AreaOverview:
    rows: list[StreetRow]

    def total(self, name: str) -> int:
        """Return the sum of one column."""
        return sum(getattr(row, name) for row in self.rows)

    @property
    def streets(self) -> int:
        return len(self.rows)

    @property
    def communities(self) -> int:
        return self.total("communities")

    @property
    def grids(self) -> int:
        return self.total("grids")

    @property
    def residents(self) -> int:
        return self.total("residents")

    @property
    def staff(self) -> int:
        return self.total("staff")


def area_overview(user: User, with_people: bool = False) -> AreaOverview:
    """Return per-street counts of the grids the user sees (and of residents and grid staff)."""
    grids = policy.visible_grids(user)
    per_street = grids.values(street_pk=F("community__street")).annotate(
        n=Count("pk"), communities=Count("community", distinct=True)
    )
    rows = {row["street_pk"]: row for row in per_street.order_by()}
    result = [
        StreetRow(street, communities=rows[street.pk]["communities"], grids=rows[street.pk]["n"])
        for street in Street.objects.filter(pk__in=list(rows)).order_by("code")
    ]
    if with_people:
        by_street = {row.street.pk: row for row in result}
        for street_id, count in _residents_per_street(grids):
            by_street[street_id].residents = count
        for street_id, count in _grid_staff_per_street(grids):
            by_street[street_id].staff = count
    return AreaOverview(result)


def _residents_per_street(grids: QuerySet[Grid]) -> list[tuple[int, int]]:
    residents = Resident.objects.filter(household__building__grid__in=grids)
    rows = residents.values(street_pk=F("household__building__grid__community__street")).annotate(
        n=Count("pk")
    )
    return [(row["street_pk"], row["n"]) for row in rows.order_by()]


def _grid_staff_per_street(grids: QuerySet[Grid]) -> list[tuple[int, int]]:
    """Count people holding an active grid post (the grid teams), per street."""
    posts = Post.objects.filter(active=True, level=Level.GRID, grid__in=grids)
    rows = posts.values(street_pk=F("grid__community__street")).annotate(n=Count("user", distinct=True))
    return [(row["street_pk"], row["n"]) for row in rows.order_by()]


def grid_worker_workforce(user: User) -> Workforce:
    """Return the workforce figures of the grid workers of the user's grids."""
    workers = User.objects.filter(
        posts__role=Role.GRID_WORKER, posts__active=True, posts__grid__in=policy.visible_grids(user)
    )
    return summarise(workers)


def dispatch_home(user: User) -> dict[str, Any]:
    """Return the context of the dispatcher's page: the area of their scope, the desk to come."""
    return {"area": area_overview(user)}


def leader_home(user: User) -> dict[str, Any]:
    """Return the context of the leader's district overview with the grid workforce figures."""
    return {"area": area_overview(user, with_people=True), "workforce": grid_worker_workforce(user)}


def fund_home(user: User) -> dict[str, Any]:
    """Return the context of the fund officer's page: the area overview until the fund ledger exists."""
    return {"area": area_overview(user)}


# --- department handler ---------------------------------------------------------------------------


def department_home(user: User) -> dict[str, Any]:
    """Return the context of a department handler's page: departments, sub-departments and staff."""
    departments = [post.department for post in policy.active_posts(user) if post.department is not None]
    children = list(
        Department.objects.filter(parent__in=departments)
        .annotate(staff=Count("posts", filter=Q(posts__active=True)))
        .order_by("code")
    )
    staff = (
        Post.objects.filter(active=True, department__in=[*departments, *children])
        .select_related("user", "department")
        .order_by("department__code", "role", "user__full_name")
    )
    return {
        "departments": departments,
        "children": children,
        "staff": list(staff[:DEPARTMENT_STAFF_LIMIT]),
        "staff_limit": DEPARTMENT_STAFF_LIMIT,
    }


# --- administrator --------------------------------------------------------------------------------

# (label, admin URL name) of the admin pages an administrator starts from.
ADMIN_LINKS: tuple[tuple[Promise, str], ...] = (
    (_("Streets"), "admin:territory_street_changelist"),
    (_("Communities"), "admin:territory_community_changelist"),
    (_("Grids"), "admin:territory_grid_changelist"),
    (_("Buildings"), "admin:territory_building_changelist"),
    (_("Boundary generations"), "admin:territory_generation_changelist"),
    (_("Departments"), "admin:people_department_changelist"),
    (_("Staff"), "admin:people_user_changelist"),
    (_("Residents"), "admin:people_resident_changelist"),
)


def _admin_links() -> list[tuple[Promise, str]]:
    links = []
    for label, name in ADMIN_LINKS:
        try:
            links.append((label, reverse(name)))
        except NoReverseMatch:
            continue  # the model is not registered with the admin site
    return links


def admin_home(user: User) -> dict[str, Any]:
    """Return the context of the administrator's page: totals, generations, admin links, commands."""
    totals = [
        (_("Streets"), Street.objects.count()),
        (_("Communities"), Community.objects.count()),
        (_("Grids"), Grid.objects.count()),
        (_("Buildings"), Building.objects.count()),
        (_("Residents"), Resident.objects.count()),
        (_("Staff with a post"), User.objects.filter(posts__active=True).distinct().count()),
    ]
    generations = Generation.objects.annotate(grids=Count("boundaries")).order_by("-created", "-pk")[:10]
    return {"totals": totals, "generations": list(generations), "admin_links": _admin_links()}


def no_post_home(user: User) -> dict[str, Any]:
    return {}


BUILDERS = {
    policy.HOME_GRID: grid_home,
    policy.HOME_DISPATCH: dispatch_home,
    policy.HOME_LEADER: leader_home,
    policy.HOME_FUND: fund_home,
    policy.HOME_DEPARTMENT: department_home,
    policy.HOME_ADMIN: admin_home,
    policy.HOME_NONE: no_post_home,
}
