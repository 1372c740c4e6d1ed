"""The one permission policy: what each staff member may see and do.

A user sees only the areas and departments of their active posts. District-level posts (leaders,
district dispatchers, administrators, fund officers) see the whole district. Every view, API
endpoint and command asks here; none decides on its own.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gridgov.people.models import Level, Post, Role, User
from gridgov.territory.models import Community, Grid, Street

# Roles whose holders may reveal a resident's unmasked ID number or phone (each reveal is logged).
PII_ROLES = frozenset({Role.GRID_WORKER, Role.POLICE, Role.ADMIN})
# Roles that manage the territory, people and rules.
ADMIN_ROLES = frozenset({Role.ADMIN})


def active_posts(user: User) -> list[Post]:
    """Return the user's active posts (cached on the user object for the request)."""
    cached: list[Post] | None = getattr(user, "_active_posts", None)
    if cached is None:
        if not user.is_authenticated:
            cached = []
        else:
            cached = list(
                Post.objects.filter(user=user, active=True).select_related(
                    "grid", "community", "street", "district", "department"
                )
            )
        user._active_posts = cached  # type: ignore[attr-defined]
    return cached


def roles(user: User) -> set[str]:
    """Return the roles the user holds through active posts (superusers are administrators)."""
    held = {post.role for post in active_posts(user)}
    if user.is_authenticated and user.is_superuser:
        held.add(Role.ADMIN)
    return held


def sees_whole_district(user: User) -> bool:
    """Tell whether the user's posts cover the whole district."""
    if user.is_authenticated and user.is_superuser:
        return True
    return any(post.level == Level.DISTRICT for post in active_posts(user))


def visible_grids(user: User) -> QuerySet[Grid]:
    """Return the grids inside the areas of the user's posts."""
    if sees_whole_district(user):
        return Grid.objects.all()
    condition = Q(pk__in=[])
    for post in active_posts(user):
        if post.level == Level.GRID:
            condition |= Q(pk=post.grid_id)
        elif post.level == Level.COMMUNITY:
            condition |= Q(community_id=post.community_id)
        elif post.level == Level.STREET:
            condition |= Q(community__street_id=post.street_id)
    return Grid.objects.filter(condition)


def visible_communities(user: User) -> QuerySet[Community]:
    """Return the communities the user sees at least part of."""
    if sees_whole_district(user):
        return Community.objects.all()
    return Community.objects.filter(grids__in=visible_grids(user)).distinct()


def visible_streets(user: User) -> QuerySet[Street]:
    """Return the streets the user sees at least part of."""
    if sees_whole_district(user):
        return Street.objects.all()
    return Street.objects.filter(communities__grids__in=visible_grids(user)).distinct()


def can_view_grid(user: User, grid: Grid) -> bool:
    """Tell whether the user may open the grid's page and team."""
    return visible_grids(user).filter(pk=grid.pk).exists()


def can_reveal_pii(user: User, grid: Grid) -> bool:
    """Tell whether the user may see unmasked personal data of the grid's residents."""
    return bool(roles(user) & PII_ROLES) and can_view_grid(user, grid)


def can_administer(user: User) -> bool:
    """Tell whether the user manages territory, people, categories and rules."""
    return bool(roles(user) & ADMIN_ROLES)
