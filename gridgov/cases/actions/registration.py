"""Moves on a new report: accept (立案), reject, merge, take into the grid, solve there, escalate (上报)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils.translation import gettext as _

from gridgov.cases import evidence, routing
from gridgov.cases.actions import common
from gridgov.cases.actions.base import MoveRefused, apply_move, one_transaction
from gridgov.cases.actions.handling import cancel_open_tasks, dispatch_to
from gridgov.cases.models import Attachment, Case, Category, Status, Transition, Urgency
from gridgov.cases.permissions import area_staff
from gridgov.cases.workflow import OPEN, SYSTEM, Move
from gridgov.people.models import Level, Role, User

# The owning level a case goes to when escalated (上报): grid → community → street → district.
NEXT_LEVEL: dict[str, str] = {
    Level.GRID: Level.COMMUNITY,
    Level.COMMUNITY: Level.STREET,
    Level.STREET: Level.DISTRICT,
}


def _checked_category(category: Category | None, case: Case) -> Category:
    """Return the category to register the case under, refusing none or a non-matter."""
    chosen = category or case.category
    if chosen is None:
        raise MoveRefused(_("Choose a category before registering the case."))
    if chosen.kind != Category.Kind.MATTER or not chosen.active:
        raise MoveRefused(_("Cases are registered under an active matter category (事项)."))
    return chosen


@one_transaction
def accept(
    case: Case,
    user: User,
    *,
    category: Category | None = None,
    urgency: str | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Transition:
    """Register the report (立案), correcting its category or urgency; auto-dispatch when the category says so."""
    at = common.moment(at)
    role = common.acting_role(user, case, Move.ACCEPT)
    note = common.optional_text(note)
    case.category = _checked_category(category, case)
    if urgency is not None:
        if urgency not in Urgency.values:
            raise MoveRefused(_("Unknown urgency “%(value)s”.") % {"value": urgency})
        case.urgency = urgency
    changes = {
        "category": case.category,
        "urgency": case.urgency,
        "registered_at": at,
        "case_due_at": common.whole_case_due(case, at),
        **common.clock_changes(case, Status.REGISTERED, at),
    }
    transition = apply_move(
        case, Move.ACCEPT, actor=user, role=role, note=note, public=True, changes=changes, at=at
    )
    common.tell_reporter(case, "accepted", at)
    _auto_dispatch(case, at)
    return transition


def _auto_dispatch(case: Case, at: datetime) -> None:
    """Send the case straight to the grid's team member when its category says so and one is there."""
    assert case.category is not None
    target = routing.auto_dispatch_target(case.category, case.grid)
    if target is None or target.user is None:
        return  # no such person in the grid: a dispatcher decides
    note = _("Dispatched automatically to the grid's %(role)s.") % {"role": target}
    dispatch_to(case, None, SYSTEM, lead=target.user, assists=(), note=note, due_at=None, at=at)


@one_transaction
def reject(case: Case, user: User, reason: str, *, at: datetime | None = None) -> Transition:
    """Refuse the report (不予受理) with a reason the reporter is told."""
    at = common.moment(at)
    role = common.acting_role(user, case, Move.REJECT)
    reason = common.require_text(reason, _("A reason"))
    changes = common.clock_changes(case, Status.REJECTED, at)
    transition = apply_move(
        case, Move.REJECT, actor=user, role=role, note=reason, public=True, changes=changes, at=at
    )
    cancel_open_tasks(case)  # an urgent report's alerts to the grid team end with it
    common.tell_reporter(case, "rejected", at, reason=reason)
    return transition


@one_transaction
def merge(case: Case, user: User, into: Case, *, note: str = "", at: datetime | None = None) -> Transition:
    """Merge the report into an open case of the same matter; both timelines link, both reporters hear."""
    at = common.moment(at)
    role = common.acting_role(user, case, Move.MERGE)
    note = common.optional_text(note)
    _check_merge_target(case, into)
    changes = {"merged_into": into, **common.clock_changes(case, Status.MERGED, at)}
    data = {"into": into.pk, "into_tracking_no": into.tracking_no}
    transition = apply_move(
        case, Move.MERGE, actor=user, role=role, note=note, public=True, data=data, changes=changes, at=at
    )
    cancel_open_tasks(case)  # the case it joins carries the work
    common.tell_reporter(case, "merged", at, into=into.tracking_no)
    common.tell_reporter(into, "merged_in", at, other=case.tracking_no)
    return transition


def _check_merge_target(case: Case, into: Case) -> None:
    if into.pk == case.pk:
        raise MoveRefused(_("A case cannot be merged into itself."))
    # Lock the target's row (PostgreSQL) so it cannot close between this check and the commit.
    status = Case.objects.select_for_update().filter(pk=into.pk).values_list("status", flat=True).first()
    if status not in OPEN:
        raise MoveRefused(_("Merge only into an open case; %(no)s is not open.") % {"no": into.tracking_no})
    if case.category_id is not None and case.category_id != into.category_id:
        raise MoveRefused(_("Merge only into a case of the same category."))


@one_transaction
def take_in_grid(case: Case, user: User, *, note: str = "", at: datetime | None = None) -> Transition:
    """Take a small matter into the grid (网格自办): the grid worker handles it without dispatch."""
    at = common.moment(at)
    role = common.acting_role(user, case, Move.TAKE_IN_GRID)
    note = common.optional_text(note)
    if case.category is None:
        raise MoveRefused(_("Choose a category before registering the case."))
    changes = {
        "lead_user": user,
        "lead_department": None,
        "level": Level.GRID,
        "registered_at": at,
        "case_due_at": common.whole_case_due(case, at),
        **common.clock_changes(case, Status.SELF_HANDLING, at),
    }
    transition = apply_move(
        case, Move.TAKE_IN_GRID, actor=user, role=role, note=note, public=True, changes=changes, at=at
    )
    common.tell_reporter(case, "taken_in_grid", at)
    return transition


@one_transaction
def solve_in_grid(
    case: Case,
    user: User,
    photos: Sequence[common.Upload],
    *,
    outcome_quantity: int | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Transition:
    """Close a grid matter as solved on the spot (小事不出格), with an evidence photo and the outcome."""
    at = common.moment(at)
    role = common.acting_role(user, case, Move.SOLVE_IN_GRID)
    note = common.optional_text(note)
    checked = common.photos_or_refuse(photos, required=True)
    quantity = common.outcome_or_refuse(outcome_quantity)
    changes = {
        "closed_at": at,
        "outcome_quantity": 1 if quantity is None else quantity,
        **common.clock_changes(case, Status.CLOSED, at),
    }
    transition = apply_move(
        case, Move.SOLVE_IN_GRID, actor=user, role=role, note=note, public=True, changes=changes, at=at
    )
    cancel_open_tasks(case)  # an urgent matter's alerts to the grid team
    evidence.store_photos(case, checked, Attachment.Kind.AFTER, at, transition)
    common.tell_reporter(case, "closed", at)
    return transition


@one_transaction
def escalate(case: Case, user: User, reason: str, *, at: datetime | None = None) -> Transition:
    """Hand the case up one level (上报): grid → community → street → district, to be dispatched there."""
    at = common.moment(at)
    role = common.acting_role(user, case, Move.ESCALATE)
    reason = common.require_text(reason, _("A reason"))
    level = NEXT_LEVEL.get(case.level)
    if level is None:
        raise MoveRefused(_("The case is already owned by the district; it cannot go higher."))
    changes = {
        "level": level,
        "lead_department": None,
        "lead_user": None,
        "registered_at": case.registered_at or at,
        **common.clock_changes(case, Status.REGISTERED, at),
    }
    if case.case_due_at is None:
        changes["case_due_at"] = common.whole_case_due(case, at)
    data = {"from_level": case.level, "to_level": level}
    transition = apply_move(
        case, Move.ESCALATE, actor=user, role=role, note=reason, data=data, changes=changes, at=at
    )
    cancel_open_tasks(case)
    # The dispatchers of the new level, or any of the area when that level has none.
    dispatchers = area_staff(case.grid, Role.DISPATCHER, level=level) or area_staff(
        case.grid, Role.DISPATCHER
    )
    title = common.case_title(case, _("escalated to you"))
    common.tell_users(dispatchers, case, title, reason)
    return transition
