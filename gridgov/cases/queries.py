"""Read-side helpers: a user's work queue, a case's timeline, and the reporter's public view.

Urgent and emergency matters go first in every queue until someone signs for them (the lead, an
assisting handler or an alerted grid-team member): "signed" is derived from the tasks, not stored.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gridgov.cases.models import Case, Rating, Status, Task, Transition, Urgency
from gridgov.cases.permissions import OPEN_TASK_STATES, visible_cases
from gridgov.cases.workflow import OPEN, Move
from gridgov.people import policy
from gridgov.people.models import Level, Role, User
from gridgov.territory.models import Grid

# Statuses in which an urgent case still waits for someone to sign for it.
AWAITING_SIGNATURE = (Status.REPORTED, Status.REGISTERED, Status.DISPATCHED)


def with_queue_order(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Order cases for a work queue: unsigned urgent ones first, then by deadline, then oldest first."""
    signed = Task.objects.filter(case=OuterRef("pk"), signed_at__isnull=False)
    return cases.annotate(
        urgent_first=models.Case(
            When(
                Q(urgency__in=(Urgency.URGENT, Urgency.EMERGENCY), status__in=AWAITING_SIGNATURE)
                & ~Exists(signed),
                then=Value(0),
            ),
            default=Value(1),
            output_field=models.IntegerField(),
        )
    ).order_by("urgent_first", F("due_at").asc(nulls_last=True), "created_at", "pk")


def queue_for(user: User) -> QuerySet[Case]:
    """Return the open cases waiting for the user to act, in queue order.

    Dispatchers: reports to accept, cases to dispatch or verify in their area. Grid workers: their
    grid's new reports, grid matters and handled cases to verify. Handlers: the cases whose tasks
    are theirs or their department's, not yet done.
    """
    held = policy.roles(user)
    condition = Q(pk__in=[])
    if held & {Role.DISPATCHER, Role.ADMIN}:
        waiting = (Status.REPORTED, Status.REGISTERED, Status.HANDLED)
        condition |= Q(status__in=waiting, grid__in=_grids_of(user, {Role.DISPATCHER, Role.ADMIN}))
    if Role.GRID_WORKER in held:
        mine = (Status.REPORTED, Status.SELF_HANDLING, Status.HANDLED)
        condition |= Q(status__in=mine, grid__in=_grids_of(user, {Role.GRID_WORKER}))
    departments = [p.department_id for p in policy.active_posts(user) if p.level == Level.DEPARTMENT]
    tasks = Task.objects.filter(state__in=OPEN_TASK_STATES).filter(
        Q(user=user) | Q(department_id__in=departments)
    )
    condition |= Q(pk__in=tasks.values("case_id"))
    cases = Case.objects.filter(condition, status__in=OPEN).select_related("category", "grid")
    return with_queue_order(cases)


def _grids_of(user: User, roles: set[str]) -> QuerySet[Grid, Any]:
    """Return the ids of the grids covered by the user's posts of the roles (all for a superuser)."""
    if user.is_superuser:
        return Grid.objects.values("pk")
    condition = Q(pk__in=[])
    for post in policy.active_posts(user):
        if post.role not in roles:
            continue
        if post.level == Level.GRID:
            condition |= Q(pk=post.grid_id)
        elif post.level == Level.COMMUNITY:
            condition |= Q(community_id=post.community_id)
        elif post.level == Level.STREET:
            condition |= Q(community__street_id=post.street_id)
        elif post.level == Level.DISTRICT:
            condition |= Q(community__street__district_id=post.district_id)
    return Grid.objects.filter(condition).values("pk")


def open_cases_for(user: User) -> QuerySet[Case]:
    """Return every open case the user may see, in queue order (the overdue board filters it)."""
    return with_queue_order(visible_cases(user).filter(status__in=OPEN))


# --- timelines -------------------------------------------------------------------------------------


def timeline(case: Case) -> list[Transition]:
    """Return the case's transitions for staff, with those of the reports merged into it, in time order."""
    rows = Transition.objects.filter(Q(case=case) | Q(case__merged_into=case)).select_related("actor", "case")
    return sorted(rows, key=lambda t: (t.at, t.case_id != case.pk, t.seq))


# What the reporter reads for each public move; the status labels are staff words.
PUBLIC_WORDS: dict[str, Promise] = {
    Move.REPORT: _("Report received"),
    Move.ACCEPT: _("Accepted and registered"),
    Move.REJECT: _("Not accepted"),
    Move.MERGE: _("Joined with a report of the same matter"),
    Move.TAKE_IN_GRID: _("Being handled by the grid worker"),
    Move.SOLVE_IN_GRID: _("Resolved"),
    Move.DISPATCH: _("Sent to those responsible"),
    Move.SIGN: _("Work has started"),
    Move.APPROVE_HOLD: _("Paused for now"),
    Move.RESUME: _("Work has resumed"),
    Move.REPORT_DONE: _("Work done, being checked"),
    Move.VERIFY_PASS: _("Resolved"),
    Move.APPROVE_VOID: _("Withdrawn"),
    Move.REOPEN: _("Reopened for review"),
    Move.NOTE: _("Progress update"),
    Move.RATE: _("You rated the result"),
}
# Moves whose note is written to the reporter; the notes of other moves stay internal.
NOTE_IS_PUBLIC = frozenset({Move.NOTE, Move.REJECT})


@dataclass(frozen=True)
class PublicEntry:
    """One line of the public timeline: when, what happened in plain words, and any note to the reporter."""

    at: datetime
    words: str
    text: str = ""


def public_timeline(case: Case) -> list[PublicEntry]:
    """Return what the reporter may see of the case: public moves only, no staff names, no personal data.

    A report merged into another case continues with that case's public moves after the merge.
    """
    rows = list(Transition.objects.filter(case=case, public=True).order_by("seq"))
    if case.merged_into_id is not None and rows:
        merged_at = rows[-1].at
        rows += Transition.objects.filter(
            case_id=case.merged_into_id, public=True, at__gte=merged_at
        ).exclude(move=Move.REPORT)
    return [_public_entry(row) for row in rows if row.move in PUBLIC_WORDS]


def _public_entry(row: Transition) -> PublicEntry:
    words = str(PUBLIC_WORDS[row.move])
    rating = row.data.get("rating") if row.move == Move.RATE else None
    if rating in Rating.values:
        words = f"{words}: {Rating(rating).label}"
    return PublicEntry(at=row.at, words=words, text=row.note if row.move in NOTE_IS_PUBLIC else "")


# --- tracking --------------------------------------------------------------------------------------

_NO_CASE_LAST4 = "\x00\x00\x00\x00"
TRACKING_NO_MAX = 20  # Case.tracking_no's max_length


def normalise_tracking_no(tracking_no: str) -> str:
    """Return a typed tracking number as numbers are stored (trimmed, upper case), or "" if none can match.

    The empty answer covers what no case can have (empty, longer than a tracking number, control
    characters such as NUL, which PostgreSQL text refuses), so it is never looked up or counted.
    """
    number = (tracking_no or "").strip().upper()
    return number if 0 < len(number) <= TRACKING_NO_MAX and number.isprintable() else ""


def find_for_tracking(tracking_no: str, phone_last4: str) -> Case | None:
    """Return the case with the tracking number whose reporter's phone ends in the four digits.

    A wrong number and a wrong last four look the same (None), and the comparison runs in constant
    time, so the page tells nobody whether a tracking number exists. Reports without a phone cannot
    be followed here (their reporters hear back through the channel they used).
    """
    number = normalise_tracking_no(tracking_no)
    digits = (phone_last4 or "").strip()
    case = Case.objects.filter(tracking_no=number).first() if number else None
    expected = case.reporter_phone_last4 if case is not None and case.reporter_phone_last4 else _NO_CASE_LAST4
    matches = hmac.compare_digest(expected.encode(), digits.encode())
    if case is None or not matches or not (len(digits) == 4 and digits.isdigit()):
        return None
    return case
