"""Persona tests of dispatch (lead + assists), sign, return, report done, assisting tasks and verification."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import translation

from gridgov.cases import actions
from gridgov.cases.actions import MoveRefused
from gridgov.cases.models import Attachment, RoutingRule, Status, Task
from gridgov.cases.routing import route
from gridgov.cases.tests import factories as f
from gridgov.notify.models import OutboxMessage
from gridgov.people.models import Department, Role, User
from gridgov.testing import MiniDistrict, make_user

MONDAY_10 = datetime(2026, 6, 22, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english_and_media(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Store photos in a temporary folder; read messages in English (the msgids)."""
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


@pytest.fixture
def housing(mini: MiniDistrict) -> tuple[Department, User]:
    """Return a second department (区住建局) and its handler, to assist."""
    department = Department.objects.create(code="zjj", name="区住建局")
    return department, make_user("housing", "孙住建", Role.DEPARTMENT_HANDLER, department=department)


def _tasks(case: Any) -> list[tuple[bool, Any, Any, str]]:
    return [
        (t.lead, t.department, t.user, t.state)
        for t in Task.objects.filter(case=case).order_by("-lead", "pk")
    ]


# --- dispatch --------------------------------------------------------------------------------------


def test_the_dispatcher_dispatches_to_a_lead_with_assists_one_task_each(
    mini: MiniDistrict, housing: tuple[Department, User]
) -> None:
    department, housing_handler = housing
    case = f.registered(mini)

    transition = actions.dispatch(
        case, mini.dispatcher, lead=mini.department, assists=[department, mini.police_a], note="请牵头处理"
    )

    stored = f.fresh(case)
    assert (stored.status, stored.lead_department, stored.lead_user, stored.stage) == (
        Status.DISPATCHED,
        mini.department,
        None,
        "sign",
    )
    assert transition.data == {"lead": "dept:cgj", "assists": ["dept:zjj", f"user:{mini.police_a.pk}"]}
    assert _tasks(case) == [
        (True, mini.department, None, "pending"),
        (False, department, None, "pending"),
        (False, None, mini.police_a, "pending"),
    ]
    told = set(OutboxMessage.objects.filter(case=case, channel="inbox").values_list("recipient", flat=True))
    assert told == {str(mini.handler.pk), str(housing_handler.pk), str(mini.police_a.pk)}


def test_it_dispatches_by_the_routing_decision(mini: MiniDistrict) -> None:
    RoutingRule.objects.create(
        name="纠纷", category=f.matter(f.DISPUTE), lead="dept:cgj", assists=["role:police"]
    )
    case = f.registered(mini)
    decision = route(case.category, case.grid, case.description)

    actions.dispatch(case, mini.dispatcher, decision=decision)

    assert _tasks(case) == [
        (True, mini.department, None, "pending"),
        (False, None, mini.police_a, "pending"),
    ]


def test_a_decision_that_names_no_lead_is_refused(mini: MiniDistrict) -> None:
    case = f.registered(mini)
    decision = route(None, case.grid, "")
    before = f.counts()

    with pytest.raises(MoveRefused, match="no lead"):
        actions.dispatch(case, mini.dispatcher, decision=decision)

    assert f.counts() == before


def test_the_lead_may_be_a_grid_team_member(mini: MiniDistrict) -> None:
    case = f.registered(mini)

    actions.dispatch(case, mini.dispatcher, lead=mini.police_a)
    actions.sign(case, mini.police_a)

    assert (f.fresh(case).lead_user, f.fresh(case).status) == (mini.police_a, Status.IN_PROGRESS)


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({}, "lead"),
        ({"lead": "department", "assists": ["department"]}, "also assist"),
        ({"lead": "leader"}, "no post that handles"),
        ({"lead": "department", "due_at": MONDAY_10 - timedelta(hours=1)}, "in the past"),
    ],
)
def test_it_refuses_a_bad_dispatch_and_writes_nothing(
    mini: MiniDistrict, kwargs: dict[str, Any], reason: str
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        case = f.registered(mini)
        resolved = {
            key: [getattr(mini, v) for v in value] if isinstance(value, list) else getattr(mini, value)
            for key, value in kwargs.items()
            if key != "due_at"
        }
        if "due_at" in kwargs:
            resolved["due_at"] = kwargs["due_at"]
        before = f.counts()

        with pytest.raises(MoveRefused, match=reason):
            actions.dispatch(case, mini.dispatcher, **resolved)

    assert f.counts() == before
    assert f.fresh(case).status == Status.REGISTERED


@time_machine.travel(MONDAY_10, tick=False)
def test_a_dispatcher_may_set_a_sign_for_deadline_in_the_future(mini: MiniDistrict) -> None:
    case = f.registered(mini)
    due = MONDAY_10 + timedelta(hours=1)

    transition = actions.dispatch(case, mini.dispatcher, lead=mini.department, due_at=due)

    assert f.fresh(case).due_at == due == transition.due_at


def test_the_street_dispatcher_cannot_dispatch_outside_their_street(mini: MiniDistrict) -> None:
    case = f.registered(mini)

    with pytest.raises(MoveRefused, match="area"):
        actions.dispatch(case, mini.street_dispatcher, lead=mini.department)


# --- sign and return -------------------------------------------------------------------------------


def test_the_departments_handler_signs_and_the_handling_clock_starts(mini: MiniDistrict) -> None:
    case = f.dispatched(mini)

    transition = actions.sign(case, mini.handler)

    stored = f.fresh(case)
    assert (stored.status, stored.stage, transition.actor_role) == (
        Status.IN_PROGRESS,
        "handle",
        Role.DEPARTMENT_HANDLER,
    )
    assert stored.stage_started_at == transition.at
    lead = Task.objects.get(case=case, lead=True)
    assert (lead.state, lead.signed_at) == (Task.State.SIGNED, transition.at)


@pytest.mark.parametrize("persona", ["worker_a", "police_a", "dispatcher", "leader"])
def test_nobody_but_the_lead_signs(mini: MiniDistrict, persona: str) -> None:
    case = f.dispatched(mini)
    before = f.counts()

    with pytest.raises(MoveRefused):
        actions.sign(case, getattr(mini, persona))

    assert f.counts() == before


def test_a_handler_of_another_department_cannot_sign(
    mini: MiniDistrict, housing: tuple[Department, User]
) -> None:
    case = f.dispatched(mini)

    with pytest.raises(MoveRefused, match="assigned"):
        actions.sign(case, housing[1])


def test_the_handler_returns_a_wrong_dispatch(mini: MiniDistrict) -> None:
    case = f.dispatched(mini)

    transition = actions.return_case(case, mini.handler, "不属于城管职责，应由住建局处理")

    stored = f.fresh(case)
    assert (stored.status, stored.lead_department, stored.stage) == (Status.REGISTERED, None, "dispatch")
    assert transition.data == {"department": mini.department.pk, "user": None}
    lead = Task.objects.get(case=case, lead=True)
    assert (lead.state, lead.note) == (Task.State.RETURNED, "不属于城管职责，应由住建局处理")
    assert OutboxMessage.objects.filter(case=case, recipient=str(mini.dispatcher.pk)).exists()


def test_a_return_needs_a_reason(mini: MiniDistrict) -> None:
    case = f.dispatched(mini)
    before = f.counts()

    with pytest.raises(MoveRefused, match="reason"):
        actions.return_case(case, mini.handler, "")

    assert f.counts() == before


# --- report done and assisting tasks ---------------------------------------------------------------


def test_the_lead_reports_done_with_photos_before_and_after(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)

    transition = actions.report_done(
        case, mini.handler, photos=[f.photo()], before=[f.photo("PNG")], outcome_quantity=2, note="已修复"
    )

    stored = f.fresh(case)
    assert (stored.status, stored.stage, stored.outcome_quantity) == (Status.HANDLED, "verify", 2)
    assert Task.objects.get(case=case, lead=True).state == Task.State.DONE
    kinds = sorted(Attachment.objects.filter(transition=transition).values_list("kind", flat=True))
    assert kinds == ["after", "before"]
    # The grid worker of the case's grid is asked to verify.
    assert OutboxMessage.objects.filter(case=case, recipient=str(mini.worker_a.pk)).exists()


def test_assisting_departments_each_mark_their_own_task_done(
    mini: MiniDistrict, housing: tuple[Department, User]
) -> None:
    department, housing_handler = housing
    case = f.registered(mini)
    actions.dispatch(case, mini.dispatcher, lead=mini.department, assists=[department])
    actions.sign(case, mini.handler)
    assist = Task.objects.get(case=case, lead=False)

    actions.sign_task(assist, housing_handler)
    transition = actions.task_done(assist, housing_handler, note="已配合检查")

    assist.refresh_from_db()
    assert (assist.state, assist.done_at) == (Task.State.DONE, transition.at)
    assert (transition.move, transition.data) == ("note", {"task": assist.pk, "event": "done"})
    # The case is not handled until the lead reports done.
    assert f.fresh(case).status == Status.IN_PROGRESS
    assert OutboxMessage.objects.filter(case=case, recipient=str(mini.handler.pk), kind="notice").count() == 2


def test_a_task_is_done_only_by_its_own_department(
    mini: MiniDistrict, housing: tuple[Department, User]
) -> None:
    department, _housing_handler = housing
    case = f.registered(mini)
    actions.dispatch(case, mini.dispatcher, lead=mini.department, assists=[department])
    assist = Task.objects.get(case=case, lead=False)
    before = f.counts()

    with pytest.raises(MoveRefused, match="not yours"):
        actions.task_done(assist, mini.handler)

    assert f.counts() == before


def test_the_lead_task_is_not_closed_as_an_assisting_one(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)

    with pytest.raises(MoveRefused, match="lead"):
        actions.task_done(Task.objects.get(case=case, lead=True), mini.handler)


# --- verification ----------------------------------------------------------------------------------


def test_the_grid_worker_verifies_and_closes_with_the_outcome(mini: MiniDistrict) -> None:
    case = f.handled(mini)

    transition = actions.verify_pass(case, mini.worker_a, photos=[f.photo()], note="现场已恢复")

    stored = f.fresh(case)
    assert (stored.status, stored.closed_at, stored.outcome_quantity) == (Status.CLOSED, transition.at, 2)
    assert (stored.stage, stored.due_at) == ("", None)
    assert Attachment.objects.get(transition=transition).kind == Attachment.Kind.VERIFY
    assert OutboxMessage.objects.filter(case=case, kind="closed").exists()


def test_the_worker_of_another_grid_cannot_verify(mini: MiniDistrict) -> None:
    case = f.handled(mini)
    before = f.counts()

    with pytest.raises(MoveRefused, match="area"):
        actions.verify_pass(case, mini.worker_b)

    assert f.counts() == before


@time_machine.travel(MONDAY_10, tick=False)
def test_a_failed_verification_sends_the_work_back_with_a_new_deadline(mini: MiniDistrict) -> None:
    case = f.handled(mini)

    with time_machine.travel(MONDAY_10 + timedelta(days=1), tick=False):
        transition = actions.verify_fail(case, mini.worker_a, "路灯仍然不亮")

    stored = f.fresh(case)
    assert (stored.status, stored.stage) == (Status.IN_PROGRESS, "handle")
    assert stored.stage_started_at == MONDAY_10 + timedelta(days=1)
    assert stored.due_at is not None and stored.due_at > MONDAY_10 + timedelta(days=1)
    assert transition.data == {"rework": True}
    assert Task.objects.get(case=case, lead=True).state == Task.State.SIGNED
    assert OutboxMessage.objects.filter(case=case, recipient=str(mini.handler.pk), kind="notice").exists()
