"""Clock actions: urging a case once when its running clock turns red (the worker's deadline sweep)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases import workflow
from gridgov.cases.actions.base import CaseChanged, MoveRefused, apply_move
from gridgov.cases.models import Case, Stage, Status, Transition
from gridgov.notify.outbox import notify_user
from gridgov.people.models import Level, Post, Role, User

# Statuses whose clock runs (a held case's clock is paused, so it is never overdue).
RUNNING = workflow.OPEN - {Status.ON_HOLD}
# Who answers for a late stage when nobody was given the work yet: the narrowest dispatchers first.
DISPATCH_LEVELS = (Level.COMMUNITY, Level.STREET, Level.DISTRICT)


def overdue_cases(now: datetime, limit: int = 100) -> list[Case]:
    """Return open, running cases past their stage's due and not yet urged for it, earliest due first."""
    return list(
        Case.objects.filter(
            status__in=RUNNING, held_since__isnull=True, overdue_urged_at__isnull=True, due_at__lt=now
        )
        .select_related("grid__community__street", "lead_user", "lead_department")
        .order_by("due_at", "pk")[:limit]
    )


def sweep_overdue(now: datetime | None = None, limit: int = 100) -> list[Transition]:
    """Urge every case that turned red since the last sweep; return the urge transitions written."""
    now = now or timezone.now()
    urged = []
    for case in overdue_cases(now, limit):
        transition = urge_overdue(case, now)
        if transition is not None:
            urged.append(transition)
    return urged


def urge_overdue(case: Case, now: datetime) -> Transition | None:
    """Urge the overdue case by the system and notify who answers for it, once per late stage.

    One transaction: the conditional update (`overdue_urged_at` still NULL) is the claim, so of
    several sweeps only one urges; the urge transition and the inbox notices commit with it.
    Return None when the case was already urged, moved on or changed meanwhile.
    """
    try:
        with transaction.atomic():
            claimed = Case.objects.filter(
                pk=case.pk,
                status__in=RUNNING,
                held_since__isnull=True,
                overdue_urged_at__isnull=True,
                due_at__lt=now,
            ).update(overdue_urged_at=now)
            if claimed != 1:
                return None
            transition = apply_move(
                case,
                workflow.Move.URGE,
                actor=None,
                role=workflow.SYSTEM,
                note=_overdue_text(case),
                data={"overdue": True, "stage": case.stage},
                changes={"overdue_urged_at": now},
                at=now,
            )
            _notify_responsible(case)
            return transition
    except (CaseChanged, MoveRefused):  # someone moved the case first: the next sweep decides again
        return None


def _due_text(case: Case) -> str:
    """Return the case's due in local time, as staff read it."""
    return timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M") if case.due_at else ""


def _overdue_text(case: Case) -> str:
    """Return the sentence saying which stage of the case is overdue since when."""
    return _("The %(stage)s stage was due at %(due)s.") % {
        "stage": Stage(case.stage).label,
        "due": _due_text(case),
    }


def _notify_responsible(case: Case) -> None:
    """Queue an inbox notice of the overdue case for each person who answers for its stage."""
    title = _("Overdue: case %(number)s") % {"number": case.tracking_no}
    body = _overdue_text(case) + " " + _("Please deal with it now.")
    for user in responsible_users(case):
        notify_user(user, title, body, case)


def responsible_users(case: Case) -> list[User]:
    """Return who answers for the case's current stage.

    Dispatched work: the lead person, else the handlers of the lead department. Work inside the
    grid, and verification: the grid workers of the case's grid. Otherwise, or when nobody holds
    such a post, the dispatchers of the case's area at its owning level or the nearest above.
    """
    users: list[User] = []
    if case.status in (Status.DISPATCHED, Status.IN_PROGRESS):
        users = _lead_users(case)
    elif case.status in (Status.SELF_HANDLING, Status.HANDLED) and case.grid_id:
        users = _holders(Post.objects.filter(role=Role.GRID_WORKER, grid_id=case.grid_id))
    return users or area_dispatchers(case)


def _lead_users(case: Case) -> list[User]:
    """Return the lead person of the case, or the active handlers of its lead department."""
    if case.lead_user is not None:
        return [case.lead_user] if case.lead_user.is_active else []
    if case.lead_department_id is None:
        return []
    return _holders(Post.objects.filter(role=Role.DEPARTMENT_HANDLER, department_id=case.lead_department_id))


def _holders(posts: QuerySet[Post]) -> list[User]:
    """Return the distinct active users holding the active posts of the queryset, by id."""
    active = posts.filter(active=True, user__is_active=True).select_related("user").order_by("user_id")
    return list({post.user_id: post.user for post in active}.values())


def area_dispatchers(case: Case) -> list[User]:
    """Return the dispatchers of the narrowest area, at or above the case's level, that has any."""
    grid = case.grid
    if grid is None:
        scopes: dict[str, Q] = {Level.DISTRICT: Q(level=Level.DISTRICT)}
    else:
        street = grid.community.street
        scopes = {
            Level.COMMUNITY: Q(community_id=grid.community_id),
            Level.STREET: Q(street_id=street.pk),
            Level.DISTRICT: Q(district_id=street.district_id),
        }
    levels: list[str] = [level for level in DISPATCH_LEVELS if level in scopes]
    if case.level in levels:
        levels = levels[levels.index(case.level) :]
    condition = Q()
    for level in levels:
        condition |= scopes[level]
    by_level: dict[str, dict[int, User]] = {}
    for post in (
        Post.objects.filter(condition, role=Role.DISPATCHER, active=True, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    ):
        by_level.setdefault(post.level, {})[post.user_id] = post.user
    return next((list(by_level[level].values()) for level in levels if by_level.get(level)), [])


__all__ = [
    "area_dispatchers",
    "overdue_cases",
    "responsible_users",
    "sweep_overdue",
    "urge_overdue",
]
