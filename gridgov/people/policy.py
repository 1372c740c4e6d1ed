"""The one permission policy: what each staff member may see and do.

A user sees only the areas and departments of their active posts:

- a grid post covers its grid; a community post the grids of its community; a street post the grids
  of its street; a district post every grid of the district (leaders, district dispatchers, fund
  officers, administrators);
- a department post covers no area: a department handler works on the cases sent to the
  department and sees no grid, team or resident through it;
- a superuser covers everything.

Rights are checked per post, not per user: a grid worker of A1 who is also a district leader may
reveal the personal data of A1's residents (grid worker) but not of B1's (leaders may not reveal).
Every view, API endpoint and command asks here; none decides on its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from gridgov.people.models import Level, Post, Resident, Role, User
from gridgov.territory.models import Community, Grid, Street

# Roles whose holders may reveal a resident's unmasked ID number or phone (each reveal is logged).
PII_ROLES = frozenset({Role.GRID_WORKER, Role.POLICE, Role.ADMIN})
# Roles whose holders register and correct residents of the grids they cover.
RESIDENT_EDITOR_ROLES = frozenset({Role.GRID_WORKER, Role.ADMIN})
# Roles that manage the territory, people and rules.
ADMIN_ROLES = frozenset({Role.ADMIN})
# Roles attached to a single grid (its team); their holders get the grid home page.
GRID_ROLES = frozenset(
    {
        Role.GRID_WORKER,
        Role.POLICE,
        Role.URBAN_OFFICER,
        Role.CLEANER,
        Role.POWER,
        Role.WATER,
        Role.GAS,
        Role.PROPERTY,
        Role.BUILDING_LEADER,
        Role.CADRE,
    }
)

# The levels at which each role may be held; `people.actions.assign_post` refuses the others.
ALLOWED_LEVELS: dict[str, frozenset[str]] = {
    **{role: frozenset({Level.GRID}) for role in GRID_ROLES},
    Role.DISPATCHER: frozenset({Level.COMMUNITY, Level.STREET, Level.DISTRICT}),
    Role.DEPARTMENT_HANDLER: frozenset({Level.DEPARTMENT}),
    Role.LEADER: frozenset({Level.COMMUNITY, Level.STREET, Level.DISTRICT}),
    Role.FUND_OFFICER: frozenset({Level.STREET, Level.DISTRICT}),
    Role.ADMIN: frozenset({Level.DISTRICT}),
}


# --- posts and roles -------------------------------------------------------------------------------


def active_posts(user: User) -> list[Post]:
    """Return the user's active posts (cached on the user object for the request)."""
    cached: list[Post] | None = getattr(user, "_active_posts", None)
    if cached is None:
        if not user.is_authenticated or not user.is_active:
            cached = []
        else:
            cached = list(
                Post.objects.filter(user=user, active=True)
                .select_related("grid", "community", "street", "district", "department")
                .order_by("pk")
            )
        user._active_posts = cached  # type: ignore[attr-defined]
    return cached


def forget_posts(user: User) -> None:
    """Drop the cached posts so the next question reads them again (after a post changes)."""
    user.__dict__.pop("_active_posts", None)


def roles(user: User) -> set[str]:
    """Return the roles the user holds through active posts (superusers are administrators)."""
    held = {post.role for post in active_posts(user)}
    if _is_superuser(user):
        held.add(Role.ADMIN)
    return held


def _is_superuser(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def _posts_with(user: User, allowed_roles: Iterable[str]) -> list[Post]:
    wanted = set(allowed_roles)
    return [post for post in active_posts(user) if post.role in wanted]


# --- areas -----------------------------------------------------------------------------------------


def _grid_condition(posts: Iterable[Post]) -> Q:
    """Return the condition selecting the grids covered by the posts (nothing for none)."""
    condition = Q(pk__in=[])
    for post in posts:
        if post.level == Level.GRID:
            condition |= Q(pk=post.grid_id)
        elif post.level == Level.COMMUNITY:
            condition |= Q(community_id=post.community_id)
        elif post.level == Level.STREET:
            condition |= Q(community__street_id=post.street_id)
        elif post.level == Level.DISTRICT:
            condition |= Q(community__street__district_id=post.district_id)
        # Department posts cover no area.
    return condition


def sees_whole_district(user: User) -> bool:
    """Tell whether the user's posts cover the whole district."""
    return _is_superuser(user) or any(post.level == Level.DISTRICT for post in active_posts(user))


def visible_grids(user: User) -> QuerySet[Grid]:
    """Return the grids inside the areas of the user's posts."""
    if _is_superuser(user):
        return Grid.objects.all()
    return Grid.objects.filter(_grid_condition(active_posts(user)))


def visible_communities(user: User) -> QuerySet[Community]:
    """Return the communities the user sees at least part of."""
    if _is_superuser(user):
        return Community.objects.all()
    return Community.objects.filter(grids__in=visible_grids(user)).distinct()


def visible_streets(user: User) -> QuerySet[Street]:
    """Return the streets the user sees at least part of."""
    if _is_superuser(user):
        return Street.objects.all()
    return Street.objects.filter(communities__grids__in=visible_grids(user)).distinct()


def _post_covers(post: Post, grid: Grid) -> bool:
    """Tell whether the post's area contains the grid (reads `grid.community.street` for wide posts)."""
    if post.level == Level.GRID:
        return post.grid_id == grid.pk
    if post.level == Level.COMMUNITY:
        return post.community_id == grid.community_id
    if post.level == Level.STREET:
        return post.street_id == grid.community.street_id
    if post.level == Level.DISTRICT:
        return post.district_id == grid.community.street.district_id
    return False


def _covers(user: User, grid: Grid | None, allowed_roles: Iterable[str] | None = None) -> bool:
    """Tell whether one of the user's posts (of the allowed roles) covers the grid."""
    if _is_superuser(user):
        return True
    posts = active_posts(user) if allowed_roles is None else _posts_with(user, allowed_roles)
    if grid is None:
        # A place outside every grid belongs to the district as a whole.
        return any(post.level == Level.DISTRICT for post in posts)
    # Grid posts first: the common case answers without touching the database.
    ordered = sorted(posts, key=lambda post: post.level != Level.GRID)
    return any(_post_covers(post, grid) for post in ordered)


def can_view_grid(user: User, grid: Grid) -> bool:
    """Tell whether the user may open the grid's page, team and (masked) residents."""
    return _covers(user, grid)


def covers_in_role(user: User, grid: Grid | None, role: str) -> bool:
    """Tell whether one of the user's posts of the role covers the grid (cases ask this per move)."""
    return _covers(user, grid, (role,))


# --- residents and personal data -------------------------------------------------------------------


def resident_grid(resident: Resident) -> Grid | None:
    """Return the grid the resident lives in (None when the building lies outside every grid)."""
    return resident.household.building.grid


def visible_residents(user: User) -> QuerySet[Resident]:
    """Return the residents living in the areas of the user's posts (masked unless revealed)."""
    if _is_superuser(user):
        return Resident.objects.all()
    condition = Q(pk__in=[])
    for post in active_posts(user):
        if post.level == Level.DISTRICT:
            # Buildings outside every grid still belong to the district through their community.
            condition |= Q(household__building__community__street__district_id=post.district_id)
    grids = visible_grids(user)
    return Resident.objects.filter(condition | Q(household__building__grid__in=grids))


def can_view_resident(user: User, resident: Resident) -> bool:
    """Tell whether the user may see the resident's masked record."""
    return _covers(user, resident_grid(resident))


def can_reveal_pii(user: User, grid: Grid | None) -> bool:
    """Tell whether the user may see unmasked personal data of the grid's residents."""
    return _covers(user, grid, PII_ROLES)


def can_edit_residents(user: User, grid: Grid | None) -> bool:
    """Tell whether the user may register or correct residents of the grid."""
    return _covers(user, grid, RESIDENT_EDITOR_ROLES)


# --- administration --------------------------------------------------------------------------------


def can_administer(user: User) -> bool:
    """Tell whether the user manages territory, people, categories and rules."""
    return bool(roles(user) & ADMIN_ROLES)


def can_view_staff(user: User) -> bool:
    """Tell whether the user may open the staff list with its workforce figures."""
    return bool(roles(user) & {Role.ADMIN, Role.LEADER})


def visible_staff(user: User) -> QuerySet[User]:
    """Return the staff holding an active post inside the user's areas (everyone for the district)."""
    if sees_whole_district(user):
        return User.objects.all()
    grids = visible_grids(user)
    condition = (
        Q(posts__grid__in=grids)
        | Q(posts__community__grids__in=grids)
        | Q(posts__street__communities__grids__in=grids)
    )
    return User.objects.filter(Q(posts__active=True) & condition).distinct()


def can_view_departments(user: User) -> bool:
    """Tell whether the user may open the department tree (every staff member with a post)."""
    return _is_superuser(user) or bool(active_posts(user))


# --- navigation and home page ----------------------------------------------------------------------

# Navigation keys in display order. The shell (`gridgov.web.navigation`) labels and links each key.
NAV_MY_GRID = "my_grid"
NAV_GRID_TEAM = "grid_team"
NAV_DISPATCH = "dispatch"
NAV_PATROL = "patrol"
NAV_GROUP_MESSAGES = "group_messages"
NAV_HOTLINE = "hotline"
NAV_NOTICES = "notices"
NAV_GRID_CASES = "grid_cases"
NAV_INBOX = "inbox"
NAV_OVERDUE = "overdue"
NAV_DEPARTMENT = "department"
NAV_OVERVIEW = "overview"
NAV_TERRITORY = "territory"
NAV_MAP = "map"
NAV_FUND = "fund"
NAV_DEPARTMENTS = "departments"
NAV_STAFF = "staff"
NAV_ADMIN = "admin"
NAV_ORDER = (
    NAV_MY_GRID,
    NAV_PATROL,
    NAV_GRID_CASES,
    NAV_INBOX,
    NAV_GROUP_MESSAGES,
    NAV_GRID_TEAM,
    NAV_DISPATCH,
    NAV_HOTLINE,
    NAV_DEPARTMENT,
    NAV_NOTICES,
    NAV_OVERVIEW,
    NAV_OVERDUE,
    NAV_TERRITORY,
    NAV_MAP,
    NAV_FUND,
    NAV_DEPARTMENTS,
    NAV_STAFF,
    NAV_ADMIN,
)
_NAV_BY_ROLE: dict[str, frozenset[str]] = {
    **{role: frozenset({NAV_MY_GRID, NAV_GRID_CASES, NAV_INBOX, NAV_GRID_TEAM}) for role in GRID_ROLES},
    # The grid worker also patrols (quick report) and reads the grid group's forwarded messages.
    Role.GRID_WORKER: frozenset(
        {NAV_MY_GRID, NAV_PATROL, NAV_GRID_CASES, NAV_INBOX, NAV_GROUP_MESSAGES, NAV_GRID_TEAM}
    ),
    Role.DISPATCHER: frozenset(
        {NAV_DISPATCH, NAV_HOTLINE, NAV_NOTICES, NAV_OVERDUE, NAV_TERRITORY, NAV_MAP, NAV_DEPARTMENTS}
    ),
    Role.DEPARTMENT_HANDLER: frozenset({NAV_INBOX, NAV_DEPARTMENT, NAV_NOTICES, NAV_DEPARTMENTS}),
    Role.LEADER: frozenset({NAV_OVERVIEW, NAV_OVERDUE, NAV_TERRITORY, NAV_MAP, NAV_DEPARTMENTS, NAV_STAFF}),
    Role.FUND_OFFICER: frozenset({NAV_FUND, NAV_TERRITORY}),
    Role.ADMIN: frozenset({NAV_TERRITORY, NAV_MAP, NAV_DEPARTMENTS, NAV_STAFF, NAV_ADMIN}),
}


def nav_sections(user: User) -> list[str]:
    """Return the navigation keys for the user's roles, in display order (see `NAV_ORDER`)."""
    keys: set[str] = set()
    for role in roles(user):
        keys |= _NAV_BY_ROLE.get(role, frozenset())
    return [key for key in NAV_ORDER if key in keys]


HOME_LEADER = "leader"
HOME_DISPATCH = "dispatch"
HOME_DEPARTMENT = "department"
HOME_FUND = "fund"
HOME_GRID = "grid"
HOME_ADMIN = "admin"
HOME_NONE = "none"
# Precedence when a user holds several posts: the widest daily work first, administration last
# (an administrator who also dispatches spends the day dispatching; the admin site is in the menu).
_HOME_PRECEDENCE: tuple[tuple[str, frozenset[str]], ...] = (
    (HOME_LEADER, frozenset({Role.LEADER})),
    (HOME_DISPATCH, frozenset({Role.DISPATCHER})),
    (HOME_DEPARTMENT, frozenset({Role.DEPARTMENT_HANDLER})),
    (HOME_FUND, frozenset({Role.FUND_OFFICER})),
    (HOME_GRID, GRID_ROLES),
    (HOME_ADMIN, ADMIN_ROLES),
)


def home_kind(user: User) -> str:
    """Return which home page to show: leader, dispatch, department, fund, grid, admin or none."""
    held = roles(user)
    for kind, wanted in _HOME_PRECEDENCE:
        if held & wanted:
            return kind
    return HOME_NONE


def grid_posts(user: User) -> list[Post]:
    """Return the user's active grid-level posts, grid worker posts first."""
    posts = [post for post in active_posts(user) if post.level == Level.GRID]
    return sorted(posts, key=lambda post: (post.role != Role.GRID_WORKER, post.pk))


def primary_grid(user: User) -> Grid | None:
    """Return the grid of the user's main grid post ("my grid"), or None."""
    posts = grid_posts(user)
    return posts[0].grid if posts else None
