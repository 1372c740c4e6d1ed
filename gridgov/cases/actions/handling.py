"""Moves of the work itself: dispatch (牵头 + 协办), sign for, return, report done, verify, rework."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from gridgov.cases import evidence, workflow
from gridgov.cases.actions import common
from gridgov.cases.actions.base import CaseChanged, MoveRefused, apply_move, one_transaction
from gridgov.cases.models import Attachment, Case, Status, Task, Transition
from gridgov.cases.permissions import (
    OPEN_TASK_STATES,
    area_staff,
    is_task_target,
)
from gridgov.cases.routing import Decision
from gridgov.groups.posting import post_case_event
from gridgov.lib import rows
from gridgov.people import policy
from gridgov.people.models import Department, Post, Role, User

Move = workflow.Move
Target = Department | User


# --- dispatch --------------------------------------------------------------------------------------


@one_transaction
def dispatch(
    case: Case,
    user: User,
    *,
    decision: Decision | None = None,
    lead: Target | None = None,
    assists: Sequence[Target] = (),
    note: str = "",
    due_at: datetime | None = None,
    at: datetime | None = None,
) -> Transition:
    """Send the case to one accountable lead and any assisting departments or people, a task each.

    The targets come from a routing decision or are given explicitly (explicit wins); `due_at`
    overrides the sign-for deadline of the time limits and must lie in the future.
    """
    at = common.moment(at)
    role = common.acting_role(user, case, Move.DISPATCH)
    note = common.optional_text(note)
    if lead is None and decision is not None:
        lead, assists = _targets_of(decision)
    if lead is None:
        raise MoveRefused(_("Choose a lead department or person."))
    assists = _distinct(assists)
    if any(_same(lead, other) for other in assists):
        raise MoveRefused(_("The lead cannot also assist."))
    _check_people([lead, *assists])
    if due_at is not None:
        common.refuse_past(due_at, at)
    return dispatch_to(case, user, role, lead=lead, assists=assists, note=note, due_at=due_at, at=at)


def _targets_of(decision: Decision) -> tuple[Target | None, list[Target]]:
    """Return the lead and the assisting targets a routing decision resolved (unresolved ones left out)."""
    if decision.lead is None or not decision.lead.resolved:
        raise MoveRefused(_("The routing names no lead for this case; choose one."))
    lead = decision.lead.department or decision.lead.user
    assists = [t.department or t.user for t in decision.assists if t.resolved]
    return lead, [target for target in assists if target is not None]


def _same(a: Target, b: Target) -> bool:
    return type(a) is type(b) and a.pk == b.pk


def _distinct(targets: Iterable[Target]) -> list[Target]:
    found: list[Target] = []
    for target in targets:
        if not any(_same(target, seen) for seen in found):
            found.append(target)
    return found


def _check_people(targets: list[Target]) -> None:
    """Refuse a person who holds no active handling post: they could never sign for the task."""
    people = [target for target in targets if isinstance(target, User)]
    if not people:
        return
    able = set(
        Post.objects.filter(user__in=people, role__in=workflow.HANDLERS, active=True).values_list(
            "user_id", flat=True
        )
    )
    for person in people:
        if person.pk not in able:
            raise MoveRefused(_("%(name)s holds no post that handles cases.") % {"name": person})


def _spec(target: Target) -> str:
    return f"dept:{target.code}" if isinstance(target, Department) else f"user:{target.pk}"


def dispatch_to(
    case: Case,
    actor: User | None,
    role: str,
    *,
    lead: Target,
    assists: Sequence[Target],
    note: str,
    due_at: datetime | None,
    at: datetime,
) -> Transition:
    """Make the dispatch move with checked targets: the case row, the log row, one task each, notices."""
    changes: dict[str, Any] = {
        "lead_department": lead if isinstance(lead, Department) else None,
        "lead_user": lead if isinstance(lead, User) else None,
        **common.clock_changes(case, Status.DISPATCHED, at),
    }
    if due_at is not None:
        changes["due_at"] = due_at
    data = {"lead": _spec(lead), "assists": [_spec(target) for target in assists]}
    transition = apply_move(
        case, Move.DISPATCH, actor=actor, role=role, note=note, public=True, data=data, changes=changes, at=at
    )
    # No earlier task is open here: every way back to "registered" (return, escalate, reopen after
    # closing) cancelled them. Only an urgent matter's alerts to the grid team may still be open,
    # and they stay: the team's first response goes on beside the dispatched work.
    rows.insert(
        Task, _TASK_FIELDS, [_task(case, lead, True, at), *(_task(case, t, False, at) for t in assists)]
    )
    _tell_target(lead, case, common.case_title(case, _("dispatched to you to lead")), note)
    for target in assists:
        _tell_target(target, case, common.case_title(case, _("dispatched to you to assist")), note)
    return transition


def _tell_target(target: Target, case: Case, title: str, note: str) -> None:
    """Queue the notice of a dispatch to the person, or to each handler of the department."""
    if isinstance(target, Department):
        common.tell_holders("department", target.pk, (Role.DEPARTMENT_HANDLER,), case, title, note)
    else:
        common.tell_users([target.pk], case, title, note)


_TASK_FIELDS = ("case", "lead", "department", "user", "state", "created_at", "signed_at", "done_at", "note")


def _task(case: Case, target: Target, lead: bool, at: datetime) -> list[Any]:
    """Return the values of a new pending task (in `_TASK_FIELDS` order) for the target."""
    department = target if isinstance(target, Department) else None
    user = target if isinstance(target, User) else None
    return [case.pk, lead, department, user, Task.State.PENDING, at, None, None, ""]


def cancel_open_tasks(case: Case) -> None:
    """Cancel the case's tasks nobody finished (the case was escalated, re-dispatched, closed or voided)."""
    rows.update(Task, {"state": Task.State.CANCELLED}, {"case": case.pk, "state": OPEN_TASK_STATES})


# --- the lead's moves ------------------------------------------------------------------------------


@one_transaction
def sign(case: Case, user: User, *, note: str = "", at: datetime | None = None) -> Transition:
    """Sign for the case as its lead (签收); the handling clock starts."""
    at = common.moment(at)
    role = common.acting_role(user, case, Move.SIGN)
    note = common.optional_text(note)
    changes = common.clock_changes(case, Status.IN_PROGRESS, at)
    transition = apply_move(
        case, Move.SIGN, actor=user, role=role, note=note, public=True, changes=changes, at=at
    )
    rows.update(
        Task,
        {"state": Task.State.SIGNED, "signed_at": at},
        {"case": case.pk, "lead": True, "state": Task.State.PENDING},
    )
    return transition


@one_transaction
def return_case(case: Case, user: User, reason: str, *, at: datetime | None = None) -> Transition:
    """Send a wrong dispatch back (回退) to be dispatched again; the lead task counts as returned."""
    at = common.moment(at)
    role = common.acting_role(user, case, Move.RETURN)
    reason = common.require_text(reason, _("A reason"))
    data = {"department": case.lead_department_id, "user": case.lead_user_id}
    changes = {
        "lead_department": None,
        "lead_user": None,
        **common.clock_changes(case, Status.REGISTERED, at),
    }
    transition = apply_move(
        case, Move.RETURN, actor=user, role=role, note=reason, data=data, changes=changes, at=at
    )
    Task.objects.filter(case=case, lead=True, state__in=OPEN_TASK_STATES).update(
        state=Task.State.RETURNED, note=reason
    )
    cancel_open_tasks(case)
    title = common.case_title(case, _("returned: dispatch it again"))
    common.tell_users(area_staff(case.grid, Role.DISPATCHER), case, title, reason)
    return transition


@one_transaction
def report_done(
    case: Case,
    user: User,
    *,
    photos: Sequence[common.Upload] = (),
    before: Sequence[common.Upload] = (),
    outcome_quantity: int | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Transition:
    """Report the case handled (处置反馈) as its lead, with photos after (and before) and the outcome."""
    at = common.moment(at)
    role = common.acting_role(user, case, Move.REPORT_DONE)
    note = common.optional_text(note)
    after_photos, before_photos = common.photos_or_refuse(photos), common.photos_or_refuse(before)
    quantity = common.outcome_or_refuse(outcome_quantity)
    changes = common.clock_changes(case, Status.HANDLED, at)
    if quantity is not None:
        changes["outcome_quantity"] = quantity
    transition = apply_move(
        case, Move.REPORT_DONE, actor=user, role=role, note=note, public=True, changes=changes, at=at
    )
    rows.update(
        Task,
        {"state": Task.State.DONE, "done_at": at, "signed_at": rows.IfNull(at)},
        {"case": case.pk, "lead": True, "state": OPEN_TASK_STATES},
    )
    evidence.store_photos(case, before_photos, Attachment.Kind.BEFORE, at, transition)
    evidence.store_photos(case, after_photos, Attachment.Kind.AFTER, at, transition)
    if case.grid_id is not None:  # outside every grid there is no grid worker to verify
        title = common.case_title(case, _("handled: please verify"))
        common.tell_holders("grid", case.grid_id, (Role.GRID_WORKER,), case, title, note)
    post_case_event(case, "handled", at)  # the result, posted to the grid's group
    return transition


# --- assisting tasks -------------------------------------------------------------------------------


def _handler_role(user: User, task: Task) -> str:
    """Return the role in which the user works on their task, or refuse when the task is not theirs."""
    if not is_task_target(user, task):
        raise MoveRefused(_("This task is not yours."))
    held = policy.roles(user)
    # A department's task is worked on as its handler; a person's task in their grid-team role.
    if task.department_id is not None:
        return Role.DEPARTMENT_HANDLER
    role = next((role for role in sorted(workflow.HANDLERS) if role in held), None)
    if role is None:
        raise MoveRefused(_("You no longer hold a post that handles cases."))
    return role


def _task_move(task: Task, user: User, event: str, to_state: str, at: datetime, note: str) -> Transition:
    """Record a change of one task as a note on its case, conditional on the task's state."""
    role = _handler_role(user, task)
    case = task.case
    allowed = (Task.State.PENDING,) if event == "signed" else OPEN_TASK_STATES
    if task.state not in allowed:
        raise MoveRefused(_("The task is already %(state)s.") % {"state": task.get_state_display()})
    data = {"task": task.pk, "event": event}
    transition = apply_move(case, Move.NOTE, actor=user, role=role, note=note, data=data, at=at)
    fields: dict[str, Any] = {"state": to_state, "signed_at": Coalesce("signed_at", at)}
    if to_state == Task.State.DONE:
        fields["done_at"] = at
    if not Task.objects.filter(pk=task.pk, state=task.state).update(**fields):
        raise CaseChanged(_("The case has changed since you opened it; reload and try again."))
    task.refresh_from_db(fields=["state", "signed_at", "done_at"])
    return transition


@one_transaction
def sign_task(task: Task, user: User, *, at: datetime | None = None) -> Transition:
    """Sign for an assisting task, or for an urgent alert of the grid team (the lead signs the case)."""
    if task.lead:
        raise MoveRefused(_("The lead signs for the case itself."))
    return _task_move(task, user, "signed", Task.State.SIGNED, common.moment(at), "")


@one_transaction
def task_done(
    task: Task,
    user: User,
    *,
    note: str = "",
    photos: Sequence[common.Upload] = (),
    at: datetime | None = None,
) -> Transition:
    """Mark an assisting task done (协办完成); the case counts as handled only when the lead reports done."""
    at = common.moment(at)
    if task.lead:
        raise MoveRefused(_("The lead reports the whole case done."))
    note = common.optional_text(note)
    checked = common.photos_or_refuse(photos)
    transition = _task_move(task, user, "done", Task.State.DONE, at, note)
    evidence.store_photos(task.case, checked, Attachment.Kind.AFTER, at, transition)
    title = common.case_title(task.case, _("an assisting task is done"))
    common.tell_users(common.lead_people(task.case), task.case, title, note)
    return transition


# --- verification ----------------------------------------------------------------------------------


@one_transaction
def verify_pass(
    case: Case,
    user: User,
    *,
    photos: Sequence[common.Upload] = (),
    outcome_quantity: int | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Transition:
    """Confirm the work on the spot (核查通过) and close the case (结案) with its outcome quantity."""
    at = common.moment(at)
    role = common.acting_role(user, case, Move.VERIFY_PASS)
    note = common.optional_text(note)
    checked = common.photos_or_refuse(photos)
    quantity = common.outcome_or_refuse(outcome_quantity)
    if quantity is None:
        quantity = case.outcome_quantity if case.outcome_quantity is not None else 1
    changes = {"closed_at": at, "outcome_quantity": quantity, **common.clock_changes(case, Status.CLOSED, at)}
    transition = apply_move(
        case, Move.VERIFY_PASS, actor=user, role=role, note=note, public=True, changes=changes, at=at
    )
    cancel_open_tasks(case)
    evidence.store_photos(case, checked, Attachment.Kind.VERIFY, at, transition)
    common.tell_reporter(case, "closed", at)
    return transition


@one_transaction
def verify_fail(
    case: Case,
    user: User,
    reason: str,
    *,
    photos: Sequence[common.Upload] = (),
    at: datetime | None = None,
) -> Transition:
    """Send the work back for rework (返工) with a reason; the lead gets a new handling deadline."""
    at = common.moment(at)
    role = common.acting_role(user, case, Move.VERIFY_FAIL)
    reason = common.require_text(reason, _("A reason"))
    checked = common.photos_or_refuse(photos)
    changes = common.clock_changes(case, Status.IN_PROGRESS, at)
    transition = apply_move(
        case,
        Move.VERIFY_FAIL,
        actor=user,
        role=role,
        note=reason,
        data={"rework": True},
        changes=changes,
        at=at,
    )
    Task.objects.filter(case=case, lead=True, state=Task.State.DONE).update(
        state=Task.State.SIGNED, done_at=None
    )
    evidence.store_photos(case, checked, Attachment.Kind.VERIFY, at, transition)
    common.tell_users(common.lead_people(case), case, common.case_title(case, _("rework required")), reason)
    return transition
