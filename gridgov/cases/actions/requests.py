"""Requests and their answers: extension (延时), hold (挂账, clock paused), void (作废); resuming a hold.

A request is a move that leaves the status as it is; whether one is waiting is read from the log
(`common.pending_request`), never stored. Approvals and denials need a waiting request of their kind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from gridgov.cases import clock, workflow
from gridgov.cases.actions import common
from gridgov.cases.actions.base import MoveRefused, apply_move, one_transaction
from gridgov.cases.actions.handling import cancel_open_tasks
from gridgov.cases.models import Case, Status, TimeUnit, Transition
from gridgov.cases.permissions import area_staff
from gridgov.people.models import Role, User

Move = workflow.Move
MAX_EXTENSION = 365  # in any unit; more is a typing error, not a plan


def _request(
    case: Case, user: User, kind: str, reason: str, at: datetime, data: dict[str, Any]
) -> Transition:
    """Make a request move of the kind, refusing a second one while the first waits; tell supervisors."""
    move = common.REQUESTS[kind][0]
    role = common.acting_role(user, case, move)
    reason = common.require_text(reason, _("A reason"))
    if common.pending_request(case, kind) is not None:
        raise MoveRefused(_("A request of this kind is already waiting for an answer."))
    transition = apply_move(case, move, actor=user, role=role, note=reason, data=data, at=at)
    title = common.case_title(case, _("asks: %(move)s") % {"move": Move(move).label})
    common.tell_users(area_staff(case.grid, Role.DISPATCHER), case, title, reason)
    return transition


def _answer(
    case: Case,
    user: User,
    kind: str,
    approve: bool,
    note: str,
    at: datetime,
    changes: Callable[[Transition], dict[str, Any]] | None = None,
    public: bool = False,
) -> Transition:
    """Approve or deny the waiting request of the kind; `changes` says what the request asked for."""
    _request_move, approve_move, deny_move, _lapse = common.REQUESTS[kind]
    move = approve_move if approve else deny_move
    role = common.acting_role(user, case, move)
    note = common.optional_text(note) if approve else common.require_text(note, _("A reason"))
    pending = common.pending_request(case, kind)
    if pending is None:
        raise MoveRefused(_("No request of this kind is waiting for an answer."))
    data = {"request_seq": pending.seq}
    fields = changes(pending) if changes else None
    transition = apply_move(
        case, move, actor=user, role=role, note=note, public=public, data=data, changes=fields, at=at
    )
    answer = _("approved") if approve else _("denied")
    title = common.case_title(case, _("your request was %(answer)s") % {"answer": answer})
    common.tell_users([pending.actor_id], case, title, note)
    return transition


# --- extension -------------------------------------------------------------------------------------


def _extension_data(
    case: Case, amount: int | None, unit: str | None, until: datetime | None, at: datetime
) -> dict[str, Any]:
    """Return what an extension asks for: an amount of a time unit, or a new deadline."""
    if until is not None:
        if amount is not None:
            raise MoveRefused(_("Ask for an amount of time or for a new deadline, not both."))
        common.refuse_past(until, at)
        if case.due_at is not None and until <= case.due_at:
            raise MoveRefused(_("The new deadline must be later than the current one."))
        return {"until": until.isoformat()}
    if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= MAX_EXTENSION:
        raise MoveRefused(_("Ask for 1 to %(max)d units of time.") % {"max": MAX_EXTENSION})
    if unit not in TimeUnit.values:
        raise MoveRefused(_("Unknown time unit “%(unit)s”.") % {"unit": unit})
    return {"amount": amount, "unit": unit}


@one_transaction
def request_extension(
    case: Case,
    user: User,
    reason: str,
    *,
    amount: int | None = None,
    unit: str | None = None,
    until: datetime | None = None,
    at: datetime | None = None,
) -> Transition:
    """Ask for more time (延时申请): an amount of a unit (3 work days) or a new deadline."""
    at = common.moment(at)
    common.acting_role(
        user, case, Move.REQUEST_EXTENSION
    )  # refuse a move not allowed before judging the input
    data = _extension_data(case, amount, unit, until, at)
    return _request(case, user, "extension", reason, at, data)


def _extended(case: Case, request: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Return the dues moved by the extension asked for (the stage's and the whole case's)."""
    if "until" in request:
        until = parse_datetime(request["until"])
        assert until is not None
        case_due = max(case.case_due_at, until) if case.case_due_at else None
        return {"due_at": until, "case_due_at": case_due, "overdue_urged_at": None}
    amount, unit = request["amount"], request["unit"]
    due = clock.extend(case.due_at or at, amount, unit)
    case_due = clock.extend(case.case_due_at, amount, unit) if case.case_due_at else None
    return {"due_at": due, "case_due_at": case_due, "overdue_urged_at": None}


@one_transaction
def approve_extension(case: Case, user: User, *, note: str = "", at: datetime | None = None) -> Transition:
    """Grant the waiting extension: the stage's and the whole case's deadlines move later."""
    at = common.moment(at)
    return _answer(case, user, "extension", True, note, at, lambda request: _extended(case, request.data, at))


@one_transaction
def deny_extension(case: Case, user: User, reason: str, *, at: datetime | None = None) -> Transition:
    """Refuse the waiting extension, with a reason."""
    return _answer(case, user, "extension", False, reason, common.moment(at))


# --- hold ------------------------------------------------------------------------------------------


@one_transaction
def request_hold(case: Case, user: User, reason: str, *, at: datetime | None = None) -> Transition:
    """Ask to put the case on hold (挂账申请): it cannot be handled now (waiting for funds, weather …)."""
    return _request(case, user, "hold", reason, common.moment(at), {})


@one_transaction
def approve_hold(case: Case, user: User, *, note: str = "", at: datetime | None = None) -> Transition:
    """Put the case on hold: its clock stops until it is resumed."""
    at = common.moment(at)
    return _answer(case, user, "hold", True, note, at, lambda _request: {"held_since": at}, public=True)


@one_transaction
def deny_hold(case: Case, user: User, reason: str, *, at: datetime | None = None) -> Transition:
    """Refuse the waiting hold, with a reason."""
    return _answer(case, user, "hold", False, reason, common.moment(at))


@one_transaction
def resume(case: Case, user: User, *, note: str = "", at: datetime | None = None) -> Transition:
    """Take the case off hold; its deadlines move later by the time it spent on hold."""
    at = common.moment(at)
    role = common.acting_role(user, case, Move.RESUME)
    note = common.optional_text(note)
    changes = clock.resume_changes(case, at)
    transition = apply_move(
        case, Move.RESUME, actor=user, role=role, note=note, public=True, changes=changes, at=at
    )
    common.tell_users(common.lead_people(case), case, common.case_title(case, _("resumed from hold")), note)
    return transition


# --- void ------------------------------------------------------------------------------------------


@one_transaction
def request_void(case: Case, user: User, reason: str, *, at: datetime | None = None) -> Transition:
    """Ask to void the case (作废申请): a mistaken or duplicate registration."""
    transition = _request(case, user, "void", reason, common.moment(at), {})
    leaders = area_staff(case.grid, Role.LEADER)
    common.tell_users(leaders, case, common.case_title(case, _("asks to be voided")), transition.note)
    return transition


@one_transaction
def approve_void(case: Case, user: User, *, note: str = "", at: datetime | None = None) -> Transition:
    """Void the case: it leaves every queue and count, its log stays."""
    at = common.moment(at)
    changes = common.clock_changes(case, Status.VOIDED, at)
    transition = _answer(case, user, "void", True, note, at, lambda _request: changes, public=True)
    cancel_open_tasks(case)
    common.tell_reporter(case, "voided", at)
    return transition


@one_transaction
def deny_void(case: Case, user: User, reason: str, *, at: datetime | None = None) -> Transition:
    """Refuse to void the case, with a reason."""
    return _answer(case, user, "void", False, reason, common.moment(at))
