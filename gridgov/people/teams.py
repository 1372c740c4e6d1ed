"""Grid teams: the "1+3" core and everyone else attached to a grid, read in one query."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gridgov.people.models import CORE_TEAM_ROLES, UTILITY_ROLES, Post, Role
from gridgov.territory.models import Grid

# Groups of a team page, in display order; each lists its roles in display order.
GROUPS: tuple[tuple[str, Promise, tuple[str, ...]], ...] = (
    ("core", _("1+3 core team"), tuple(CORE_TEAM_ROLES)),
    ("utilities", _("Utilities"), tuple(UTILITY_ROLES)),
    ("property", _("Property management"), (Role.PROPERTY,)),
    ("building_leaders", _("Building leaders"), (Role.BUILDING_LEADER,)),
    ("cadre", _("Linked cadre"), (Role.CADRE,)),
)
TEAM_ROLES: tuple[str, ...] = tuple(role for _key, _label, group in GROUPS for role in group)
_ROLE_ORDER = {role: index for index, role in enumerate(TEAM_ROLES)}
_NOT_DIALLED = re.compile(r"[^0-9+,;]")


@dataclass(frozen=True)
class TeamMember:
    """One person on a grid team, as the team page and the home page show them."""

    user_id: int
    name: str
    role: str
    role_label: str
    phone: str

    @property
    def tel(self) -> str:
        """Return the `tel:` URL of the phone (digits only), or an empty string."""
        digits = _NOT_DIALLED.sub("", self.phone)
        return f"tel:{digits}" if digits else ""


@dataclass(frozen=True)
class TeamGroup:
    """A group of the team page: its key, label, members and the roles it has no one for."""

    key: str
    label: Promise
    members: list[TeamMember]
    vacant_roles: list[tuple[str, str]]


@dataclass
class GridTeam:
    """Everyone attached to a grid through an active grid post, ordered by role then name."""

    grid: Grid
    members: list[TeamMember] = field(default_factory=list)

    def with_roles(self, roles: Iterable[str]) -> list[TeamMember]:
        """Return the members holding one of the roles, in team order."""
        wanted = set(roles)
        return [member for member in self.members if member.role in wanted]

    @property
    def core(self) -> list[TeamMember]:
        return self.with_roles(CORE_TEAM_ROLES)

    @property
    def utilities(self) -> list[TeamMember]:
        return self.with_roles(UTILITY_ROLES)

    @property
    def property_managers(self) -> list[TeamMember]:
        return self.with_roles([Role.PROPERTY])

    @property
    def building_leaders(self) -> list[TeamMember]:
        return self.with_roles([Role.BUILDING_LEADER])

    @property
    def cadre(self) -> list[TeamMember]:
        return self.with_roles([Role.CADRE])

    @property
    def grid_worker(self) -> TeamMember | None:
        """Return the grid worker (网格员), or None while the post is vacant."""
        workers = self.with_roles([Role.GRID_WORKER])
        return workers[0] if workers else None

    @property
    def missing_core_roles(self) -> list[str]:
        """Return the "1+3" roles nobody holds for this grid."""
        held = {member.role for member in self.members}
        return [role for role in CORE_TEAM_ROLES if role not in held]

    def groups(self) -> list[TeamGroup]:
        """Return the page groups: 1+3 core first, then utilities, property, building leaders, cadre."""
        held = {member.role for member in self.members}
        return [
            TeamGroup(
                key=key,
                label=label,
                members=self.with_roles(group_roles),
                # Only the core and the utilities are expected in every grid; say who is missing.
                vacant_roles=[
                    (role, str(Role(role).label))
                    for role in group_roles
                    if role not in held and key in {"core", "utilities"}
                ],
            )
            for key, label, group_roles in GROUPS
        ]


def _member(post: Post) -> TeamMember:
    user = post.user
    return TeamMember(
        user_id=user.pk,
        name=user.full_name or user.username,
        role=post.role,
        role_label=str(Role(post.role).label),
        phone=user.phone,
    )


def _team_posts(grid_ids: list[int]) -> Iterable[Post]:
    """Return the active team posts of the grids with their users, in one query."""
    return (
        Post.objects.filter(grid_id__in=grid_ids, role__in=TEAM_ROLES, active=True, user__is_active=True)
        .select_related("user")
        .only("pk", "role", "grid_id", "user__id", "user__username", "user__full_name", "user__phone")
    )


def _sorted(members: list[TeamMember]) -> list[TeamMember]:
    return sorted(members, key=lambda member: (_ROLE_ORDER[member.role], member.name, member.user_id))


def team_for_grids(grids: Iterable[Grid]) -> dict[int, GridTeam]:
    """Return the team of every grid, keyed by grid id, with one query whatever the number of grids."""
    by_id = {grid.pk: grid for grid in grids}
    members: dict[int, list[TeamMember]] = defaultdict(list)
    for post in _team_posts(list(by_id)):
        assert post.grid_id is not None
        members[post.grid_id].append(_member(post))
    return {pk: GridTeam(grid=grid, members=_sorted(members[pk])) for pk, grid in by_id.items()}


def grid_team(grid: Grid) -> GridTeam:
    """Return the grid's team: the "1+3" core, utilities, property, building leaders and cadre."""
    return team_for_grids([grid])[grid.pk]
