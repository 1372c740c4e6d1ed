"""Who may read which grid's group messages, set a grid's robot, and publish or withdraw notices.

All of it asks `gridgov.people.policy`:

- a grid's inbox and robot belong to its grid worker (an active grid-worker post on that grid);
- messages from senders gridgov does not know have no grid; the dispatchers (and administrators)
  whose posts cover the whole district read them and make reports of them;
- dispatchers and administrators publish notices to the grids they cover; department handlers
  (water, power, gas companies, bureaus) cover no area, yet announce across the district, so they
  may choose any grid: a notice is public information about a place, nothing personal.
"""

from __future__ import annotations

from django.db.models import QuerySet

from gridgov.groups.models import GroupMessage, ServiceNotice
from gridgov.people import policy
from gridgov.people.models import Role, User
from gridgov.territory.models import Grid

UNASSIGNED_ROLES = frozenset({Role.DISPATCHER, Role.ADMIN})
NOTICE_ROLES = frozenset({Role.DISPATCHER, Role.DEPARTMENT_HANDLER, Role.ADMIN})


def worker_grid_ids(user: User) -> list[int]:
    """Return the ids of the grids the user is grid worker of, their primary grid first."""
    posts = [post for post in policy.grid_posts(user) if post.role == Role.GRID_WORKER and post.grid_id]
    return list(dict.fromkeys(post.grid_id for post in posts if post.grid_id is not None))


def sees_unassigned(user: User) -> bool:
    """Tell whether the user reads the messages of unknown senders (district dispatchers, administrators)."""
    return policy.sees_whole_district(user) and bool(policy.roles(user) & UNASSIGNED_ROLES)


def may_use_inbox(user: User) -> bool:
    """Tell whether the user has a message inbox at all."""
    return bool(worker_grid_ids(user)) or sees_unassigned(user)


def can_read_message(user: User, message: GroupMessage) -> bool:
    """Tell whether the user may read the message and make a report of it."""
    if message.grid_id is None:
        return sees_unassigned(user)
    return message.grid_id in worker_grid_ids(user)


def report_grids(user: User, message: GroupMessage) -> QuerySet[Grid]:
    """Return the grids the user may place a report of the message in (its grid for the grid worker)."""
    if message.grid_id is None:
        return policy.visible_grids(user) if sees_unassigned(user) else Grid.objects.none()
    return Grid.objects.filter(pk__in=worker_grid_ids(user))


def can_manage_robot(user: User, grid: Grid) -> bool:
    """Tell whether the user may set the grid's group robot (its grid worker, or an administrator)."""
    return grid.pk in worker_grid_ids(user) or policy.can_administer(user)


def can_publish_notices(user: User) -> bool:
    """Tell whether the user publishes service notices."""
    return bool(policy.roles(user) & NOTICE_ROLES)


def notice_grids(user: User) -> QuerySet[Grid]:
    """Return the grids the user may address a notice to."""
    if not can_publish_notices(user):
        return Grid.objects.none()
    if Role.DEPARTMENT_HANDLER in policy.roles(user):
        return Grid.objects.all()
    return policy.visible_grids(user)


def can_withdraw(user: User, notice: ServiceNotice) -> bool:
    """Tell whether the user may withdraw the notice: its publisher, or anyone who may address all its grids."""
    if notice.published_by_id == user.pk or policy.can_administer(user):
        return True
    if not can_publish_notices(user):
        return False
    chosen = set(notice.grids.values_list("pk", flat=True))
    return chosen <= set(notice_grids(user).filter(pk__in=chosen).values_list("pk", flat=True))
