"""Moves around the work: progress notes (every public one reaches the reporter), urging (督办),
the reporter's rating (满意/基本满意/不满意) and reopening (a dissatisfied rating reopens for review)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from gridgov.cases import workflow
from gridgov.cases.actions import common
from gridgov.cases.actions.base import MoveRefused, apply_move, one_transaction
from gridgov.cases.models import Case, Rating, Status, Transition
from gridgov.cases.permissions import area_staff
from gridgov.people.models import Role, User

Move = workflow.Move


@one_transaction
def note(case: Case, user: User, text: str, *, public: bool = True, at: datetime | None = None) -> Transition:
    """Write a progress note on the case; a public one is sent to the reporter and shown on the tracking page."""
    at = common.moment(at)
    role = common.acting_role(user, case, Move.NOTE)
    text = common.require_text(text, _("The note"))
    transition = apply_move(case, Move.NOTE, actor=user, role=role, note=text, public=public, at=at)
    if public:
        common.tell_reporter(case, "progress", at, text)
    return transition


@one_transaction
def urge(case: Case, user: User, text: str = "", *, at: datetime | None = None) -> Transition:
    """Urge whoever has the case now (督办): the lead, or the area's dispatchers before dispatch."""
    at = common.moment(at)
    role = common.acting_role(user, case, Move.URGE)
    text = common.optional_text(text)
    transition = apply_move(case, Move.URGE, actor=user, role=role, note=text, at=at)
    people = common.lead_people(case) or area_staff(case.grid, Role.DISPATCHER)
    common.tell_users(people, case, common.case_title(case, _("urged: act now")), text)
    return transition


def _reopen_changes(case: Case, at: datetime) -> dict[str, Any]:
    """Return the fields of a case reopened for review: open again, unrated, to be dispatched anew."""
    return {
        "closed_at": None,
        "rating": "",
        "rated_at": None,
        "lead_department": None,
        "lead_user": None,
        "case_due_at": common.whole_case_due(case, at),
        **common.clock_changes(case, Status.REGISTERED, at),
    }


def _reopen(case: Case, user: User | None, role: str, reason: str, at: datetime) -> Transition:
    transition = apply_move(
        case,
        Move.REOPEN,
        actor=user,
        role=role,
        note=reason,
        public=True,
        changes=_reopen_changes(case, at),
        at=at,
    )
    title = common.case_title(case, _("reopened for review"))
    common.tell_users(area_staff(case.grid, Role.DISPATCHER), case, title, reason)
    return transition


@one_transaction
def reopen(case: Case, user: User, reason: str, *, at: datetime | None = None) -> Transition:
    """Reopen a closed case because the problem came back or the reporter is not satisfied."""
    at = common.moment(at)
    role = common.acting_role(user, case, Move.REOPEN)
    reason = common.require_text(reason, _("A reason"))
    return _reopen(case, user, role, reason, at)


@one_transaction
def rate(
    case: Case,
    rating: str,
    *,
    user: User | None = None,
    comment: str = "",
    at: datetime | None = None,
) -> Transition:
    """Record the reporter's rating of a closed case; a dissatisfied one reopens the case for review.

    Without a user the reporter rates through the tracking page (after proving the phone's last
    four digits there); with one, a dispatcher records a rating given on a follow-up call (回访).
    """
    at = common.moment(at)
    role = workflow.REPORTER if user is None else common.acting_role(user, case, Move.RATE)
    if rating not in Rating.values:
        raise MoveRefused(_("Unknown rating “%(value)s”.") % {"value": rating})
    comment = common.optional_text(comment)
    if case.rating:
        raise MoveRefused(_("This result has already been rated."))
    changes = {"rating": rating, "rated_at": at}
    transition = apply_move(
        case,
        Move.RATE,
        actor=user,
        role=role,
        note=comment,
        public=True,
        data={"rating": rating},
        changes=changes,
        at=at,
    )
    if rating == Rating.DISSATISFIED:
        reason = _("The reporter is not satisfied with the result.")
        _reopen(case, user, role, f"{reason} {comment}".strip(), at)
    return transition
