"""Persona tests of requests and answers: extension, hold (the clock pauses), void."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import translation

from gridgov.cases import actions, clock
from gridgov.cases.actions import MoveRefused
from gridgov.cases.models import Status, Task
from gridgov.cases.tests import factories as f
from gridgov.notify.models import OutboxMessage
from gridgov.testing import MiniDistrict

MONDAY_10 = datetime(2026, 6, 22, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english_and_media(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Store photos in a temporary folder; read messages in English (the msgids); pin the time."""
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"), time_machine.travel(MONDAY_10, tick=False):
        yield


# --- extension -------------------------------------------------------------------------------------


def test_the_lead_asks_for_an_extension_and_the_dispatcher_grants_it(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    due, case_due = f.fresh(case).due_at, f.fresh(case).case_due_at
    assert due is not None and case_due is not None

    asked = actions.request_extension(case, mini.handler, "需要采购配件", amount=3, unit="work_days")
    assert (asked.move, asked.data, f.fresh(case).status) == (
        "request_extension",
        {"amount": 3, "unit": "work_days"},
        Status.IN_PROGRESS,
    )
    assert OutboxMessage.objects.filter(case=case, recipient=str(mini.dispatcher.pk)).exists()

    granted = actions.approve_extension(case, mini.dispatcher)

    stored = f.fresh(case)
    assert stored.due_at == clock.extend(due, 3, "work_days") == granted.due_at
    assert stored.case_due_at == clock.extend(case_due, 3, "work_days")
    assert granted.data == {"request_seq": asked.seq}
    assert OutboxMessage.objects.filter(case=case, recipient=str(mini.handler.pk), kind="notice").exists()


def test_an_extension_may_ask_for_a_new_deadline(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    until = MONDAY_10 + timedelta(days=30)

    actions.request_extension(case, mini.handler, "等待材料", until=until)
    actions.approve_extension(case, mini.dispatcher)

    assert f.fresh(case).due_at == until


def test_a_deadline_in_the_past_is_refused(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    before = f.counts()

    with pytest.raises(MoveRefused, match="in the past"):
        actions.request_extension(case, mini.handler, "等待材料", until=MONDAY_10 - timedelta(days=1))

    assert f.counts() == before


@pytest.mark.parametrize(
    ("amount", "unit"), [(0, "work_days"), (3, "fortnights"), (None, None), (999, "minutes")]
)
def test_a_nonsense_extension_is_refused(mini: MiniDistrict, amount: Any, unit: Any) -> None:
    case = f.in_progress(mini)
    before = f.counts()

    with pytest.raises(MoveRefused):
        actions.request_extension(case, mini.handler, "等待材料", amount=amount, unit=unit)

    assert f.counts() == before


def test_a_second_request_waits_for_the_first_answer(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    actions.request_extension(case, mini.handler, "等待材料", amount=1, unit="work_days")

    with pytest.raises(MoveRefused, match="already waiting"):
        actions.request_extension(case, mini.handler, "再延", amount=1, unit="work_days")


def test_an_approval_needs_a_waiting_request(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    before = f.counts()

    with pytest.raises(MoveRefused, match="No request"):
        actions.approve_extension(case, mini.dispatcher)

    assert f.counts() == before


def test_a_denied_extension_leaves_the_deadline_and_can_be_asked_again(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    due = f.fresh(case).due_at
    actions.request_extension(case, mini.handler, "等待材料", amount=1, unit="work_days")

    denied = actions.deny_extension(case, mini.dispatcher, "理由不充分")

    assert (f.fresh(case).due_at, denied.note) == (due, "理由不充分")
    actions.request_extension(case, mini.handler, "补充理由", amount=1, unit="work_days")


def test_a_handler_cannot_grant_their_own_extension(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    actions.request_extension(case, mini.handler, "等待材料", amount=1, unit="work_days")

    with pytest.raises(MoveRefused, match="roles"):
        actions.approve_extension(case, mini.handler)


# --- hold ------------------------------------------------------------------------------------------


def test_an_approved_hold_pauses_the_clock_and_resuming_moves_the_deadline(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    due = f.fresh(case).due_at
    assert due is not None
    actions.request_hold(case, mini.handler, "等待专项资金审批")

    held = actions.approve_hold(case, mini.leader)

    stored = f.fresh(case)
    assert (stored.status, stored.held_since, held.public) == (Status.ON_HOLD, MONDAY_10, True)

    later = MONDAY_10 + timedelta(days=7)
    with time_machine.travel(later, tick=False):
        resumed = actions.resume(case, mini.handler)
    stored = f.fresh(case)
    assert (stored.status, stored.held_since) == (Status.IN_PROGRESS, None)
    # A week on hold (five working days) is given back to the handler.
    assert stored.due_at == clock.extend(due, 5, "work_days") == resumed.due_at


def test_a_denied_hold_keeps_the_case_in_progress(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    actions.request_hold(case, mini.handler, "等待专项资金审批")

    actions.deny_hold(case, mini.dispatcher, "可先行处置")

    assert (f.fresh(case).status, f.fresh(case).held_since) == (Status.IN_PROGRESS, None)


def test_a_request_lapses_when_the_case_is_returned(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    actions.request_hold(case, mini.handler, "等待专项资金审批")
    actions.return_case(case, mini.handler, "派错了")
    actions.dispatch(case, mini.dispatcher, lead=mini.department)
    actions.sign(case, mini.handler)

    with pytest.raises(MoveRefused, match="No request"):
        actions.approve_hold(case, mini.dispatcher)


# --- void ------------------------------------------------------------------------------------------


def test_a_leader_approves_voiding_and_the_case_leaves_every_queue(mini: MiniDistrict) -> None:
    case = f.dispatched(mini)
    actions.request_void(case, mini.dispatcher, "重复登记")
    assert OutboxMessage.objects.filter(case=case, recipient=str(mini.leader.pk)).exists()

    voided = actions.approve_void(case, mini.leader)

    stored = f.fresh(case)
    assert (stored.status, stored.stage, stored.due_at, voided.public) == (Status.VOIDED, "", None, True)
    assert set(Task.objects.filter(case=case).values_list("state", flat=True)) == {Task.State.CANCELLED}
    assert OutboxMessage.objects.filter(case=case, kind="voided").exists()


def test_a_dispatcher_cannot_approve_voiding(mini: MiniDistrict) -> None:
    case = f.dispatched(mini)
    actions.request_void(case, mini.dispatcher, "重复登记")
    before = f.counts()

    with pytest.raises(MoveRefused, match="roles"):
        actions.approve_void(case, mini.dispatcher)

    assert f.counts() == before


def test_a_denied_void_keeps_the_case(mini: MiniDistrict) -> None:
    case = f.dispatched(mini)
    actions.request_void(case, mini.dispatcher, "重复登记")

    actions.deny_void(case, mini.leader, "不是重复")

    assert f.fresh(case).status == Status.DISPATCHED
