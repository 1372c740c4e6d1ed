"""Who may make which move on which case: the workflow table for the roles, and the scope of the posts.

A role counts on a case on one of three bases:

- area: a dispatcher, leader or administrator whose post covers the case's grid, or the grid worker
  of the case's grid (who takes small matters in, solves, escalates, verifies and writes notes);
- lead: the handler the case is dispatched to — a handler of the lead department, or the grid-team
  member who is the lead person — for signing, returning, asking for time, reporting done;
- assist: a handler of an assisting task, who writes notes and reports their own task done.

Every move asks `refusal` (through `cases.actions`); pages ask `moves_for` which buttons to show.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db import connections, router
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from gridgov.cases import workflow
from gridgov.cases.models import Case, Task
from gridgov.people import policy
from gridgov.people.models import Level, Post, Role, User
from gridgov.territory.models import Grid

Move = workflow.Move
# Supervising roles act on every case of their area with every move the table gives them; the first
# that allows a move is the role it is recorded under (a dispatcher who is also an admin dispatches).
AREA_ROLE_ORDER = (Role.DISPATCHER, Role.ADMIN, Role.LEADER, Role.GRID_WORKER)
AREA_ROLES = frozenset({Role.DISPATCHER, Role.LEADER, Role.ADMIN})
# The grid worker's own grid gives these moves; the handler's moves (sign, report done …) need the
# work to be theirs, so a grid worker cannot sign for a department's task in their grid.
GRID_WORKER_AREA_MOVES = frozenset(
    {
        Move.TAKE_IN_GRID,
        Move.SOLVE_IN_GRID,
        Move.ESCALATE,
        Move.VERIFY_PASS,
        Move.VERIFY_FAIL,
        Move.NOTE,
    }
)
ASSIST_MOVES = frozenset({Move.NOTE})
OPEN_TASK_STATES = (Task.State.PENDING, Task.State.SIGNED)


def _area_roles(user: User, case: Case) -> list[str]:
    """Return the supervising roles and grid-worker role the user holds over the case's grid."""
    held = policy.roles(user)
    wanted = [role for role in AREA_ROLE_ORDER if role in held]
    return [role for role in wanted if policy.covers_in_role(user, case.grid, role)]


def _lead_roles(user: User, case: Case) -> list[str]:
    """Return the handler roles through which the user is the case's current lead."""
    found = []
    for post in policy.active_posts(user):
        if post.role not in workflow.HANDLERS:
            continue
        if post.level == Level.DEPARTMENT:
            if case.lead_department_id is not None and post.department_id == case.lead_department_id:
                found.append(post.role)
        elif case.lead_user_id is not None and case.lead_user_id == user.pk:
            found.append(post.role)
    return found


def user_tasks(user: User, case: Case) -> QuerySet[Task]:
    """Return the open tasks of the case that are the user's (their department's or their own)."""
    departments = [
        post.department_id
        for post in policy.active_posts(user)
        if post.level == Level.DEPARTMENT and post.role == Role.DEPARTMENT_HANDLER
    ]
    return Task.objects.filter(case=case, state__in=OPEN_TASK_STATES).filter(
        Q(user=user) | Q(department_id__in=departments)
    )


def is_task_target(user: User, task: Task) -> bool:
    """Tell whether the task is the user's: sent to them or to a department they handle for."""
    if task.user_id is not None:
        return task.user_id == user.pk
    return any(
        post.level == Level.DEPARTMENT
        and post.role == Role.DEPARTMENT_HANDLER
        and post.department_id == task.department_id
        for post in policy.active_posts(user)
    )


def _assist_roles(user: User, case: Case) -> list[str]:
    """Return the handler roles of a user with an open assisting task on the case (one query)."""
    if not user_tasks(user, case).filter(lead=False).exists():
        return []
    return [post.role for post in policy.active_posts(user) if post.role in workflow.HANDLERS]


def _permitted(move: str, status: str, role: str, basis: str) -> bool:
    if not workflow.is_allowed(move, status, {role}):
        return False
    if basis == "area":
        return role in AREA_ROLES or move in GRID_WORKER_AREA_MOVES
    if basis == "assist":
        return move in ASSIST_MOVES
    return True


def refusal(user: User, case: Case, move: str) -> tuple[str | None, str]:
    """Return the role in which the user may make the move on the case, or None and the reason why not."""
    if case.status not in workflow.RULES[move].sources:
        reason = _("“%(move)s” is not possible while the case is “%(status)s”.") % {
            "move": Move(move).label,
            "status": case.get_status_display(),
        }
        return None, reason
    if not workflow.is_allowed(move, case.status, policy.roles(user)):
        return None, _("Your roles do not allow “%(move)s”.") % {"move": Move(move).label}
    for basis, finder in (("lead", _lead_roles), ("area", _area_roles), ("assist", _assist_roles)):
        for role in finder(user, case):
            if _permitted(move, case.status, role, basis):
                return role, ""
    return None, _("This case is neither in your area nor assigned to you.")


def moves_for(user: User, case: Case) -> list[str]:
    """Return the moves the user may make on the case now, in the workflow table's order."""
    found: list[str] = []
    bases = (("lead", _lead_roles), ("area", _area_roles), ("assist", _assist_roles))
    pairs = [(basis, role) for basis, finder in bases for role in finder(user, case)]
    for move in workflow.RULES:
        if any(_permitted(move, case.status, role, basis) for basis, role in pairs):
            found.append(move)
    return found


def visible_cases(user: User) -> QuerySet[Case]:
    """Return the cases of the user's areas plus those dispatched to them or their departments."""
    if policy.sees_whole_district(user):
        return Case.objects.all()
    departments = [post.department_id for post in policy.active_posts(user) if post.level == Level.DEPARTMENT]
    condition = (
        Q(grid__in=policy.visible_grids(user))
        | Q(lead_user=user)
        | Q(tasks__user=user)
        | Q(lead_department_id__in=departments)
        | Q(tasks__department_id__in=departments)
    )
    return Case.objects.filter(condition).distinct()


def can_view_case(user: User, case: Case) -> bool:
    """Tell whether the user may open the case page."""
    in_area = policy.sees_whole_district(user) if case.grid is None else policy.can_view_grid(user, case.grid)
    if in_area:
        return True
    return bool(_lead_roles(user, case)) or user_tasks(user, case).exists() or _had_task(user, case)


def _had_task(user: User, case: Case) -> bool:
    """Tell whether the user or their department ever had a task on the case (returned or done)."""
    departments = [post.department_id for post in policy.active_posts(user) if post.level == Level.DEPARTMENT]
    return Task.objects.filter(case=case).filter(Q(user=user) | Q(department_id__in=departments)).exists()


# --- who to tell -----------------------------------------------------------------------------------


def area_staff(grid: Grid | None, role: str, *, level: str | None = None) -> list[int]:
    """Return the ids of the users holding an active post of the role (at the level) covering the grid."""
    if grid is None:
        condition = Q(level=Level.DISTRICT)
    else:
        condition = (
            Q(grid=grid)
            | Q(community__grids=grid)
            | Q(street__communities__grids=grid)
            | Q(district__streets__communities__grids=grid)
        )
    posts = Post.objects.filter(condition, role=role, active=True, user__is_active=True)
    if level is not None:
        posts = posts.filter(level=level)
    return _distinct_users(posts)


def grid_team(grid: Grid | None, roles: tuple[str, ...]) -> list[int]:
    """Return the ids of the active holders of the grid-level roles in the grid (e.g. worker and police)."""
    if grid is None or not roles:
        return []
    return _holders("grid", grid.pk, tuple(roles))


def department_handlers(department_id: int) -> list[int]:
    """Return the ids of the department's active handlers."""
    return _holders("department", department_id, (Role.DEPARTMENT_HANDLER,))


def _holders(scope: str, scope_id: int, roles: tuple[str, ...]) -> list[int]:
    """Return the sorted ids of the active users holding an active post of the roles on the scope."""
    sql, params = holders_query(scope, scope_id, roles)
    connection = connections[router.db_for_read(Post)]
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY {HOLDER}", params)
        return [row[0] for row in cursor.fetchall()]


HOLDER = "holder"


def holders_query(scope: str, scope_id: int, roles: tuple[str, ...]) -> tuple[str, list[Any]]:
    """Return a SELECT of the distinct ids (column `HOLDER`) of the active holders of the roles on the scope.

    `scope` is "grid" or "department". Moves ask this for their notices (dispatch, report done),
    so the query is written out once per shape rather than composed through the queryset API;
    `cases.actions` also nests it in the INSERT of the notices, saving a round trip.
    """
    alias = router.db_for_read(Post)
    return _holders_sql(alias, scope, len(roles)), [scope_id, *roles, True, True]


@lru_cache(maxsize=16)
def _holders_sql(alias: str, scope: str, roles: int) -> str:
    """Return the SELECT of `holders_query` for the scope's column and the number of roles."""
    quote = connections[alias].ops.quote_name

    def column(model: type[Model], name: str) -> str:
        return str(quote(str(model._meta.get_field(name).column)))  # type: ignore[union-attr]

    post, user = quote(Post._meta.db_table), quote(User._meta.db_table)
    holder = f"{post}.{column(Post, 'user')}"
    marks = ", ".join(["%s"] * roles)
    return (
        f"SELECT DISTINCT {holder} AS {HOLDER} FROM {post} "
        f"INNER JOIN {user} ON {holder} = {user}.{column(User, 'id')} "
        f"WHERE {post}.{column(Post, scope)} = %s AND {post}.{column(Post, 'role')} IN ({marks}) "
        f"AND {post}.{column(Post, 'active')} = %s AND {user}.{column(User, 'is_active')} = %s"
    )


def _distinct_users(posts: QuerySet[Post]) -> list[int]:
    # Ids, not users: notices need nothing more, and one narrow query is all a move can afford.
    return sorted(set(posts.values_list("user_id", flat=True)))
