"""The written-out statements of the moves: tasks, notices and the people they go to."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import translation

from gridgov.cases import actions
from gridgov.cases.actions import CaseChanged
from gridgov.cases.models import Task, Transition
from gridgov.cases.tests import factories as f
from gridgov.lib import rows
from gridgov.notify.models import OutboxMessage
from gridgov.people.models import Post, Role
from gridgov.testing import MiniDistrict, make_user

AT = datetime(2026, 6, 22, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def _inbox(case: Any) -> list[str]:
    return list(
        OutboxMessage.objects.filter(case=case, channel="inbox")
        .order_by("pk")
        .values_list("recipient", flat=True)
    )


def test_a_dispatch_tells_each_active_handler_of_the_department_once_in_order_of_id(
    mini: MiniDistrict,
) -> None:
    second = make_user("handler2", "二号", Role.DEPARTMENT_HANDLER, department=mini.department)
    Post.objects.create(
        user=second, role=Role.DEPARTMENT_HANDLER, level="department", department=mini.department
    )
    gone = make_user("handler3", "离职", Role.DEPARTMENT_HANDLER, department=mini.department)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    case = f.registered(mini)

    actions.dispatch(case, mini.dispatcher, lead=mini.department, note="请处理")

    assert _inbox(case) == [str(mini.handler.pk), str(second.pk)]
    message = OutboxMessage.objects.get(case=case, recipient=str(second.pk))
    assert (message.kind, message.payload["body"], message.attempts, message.sent_at) == (
        "notice",
        "请处理",
        0,
        None,
    )


def test_report_done_asks_the_grid_worker_of_the_case_grid_to_verify(mini: MiniDistrict) -> None:
    case = f.registered(mini)
    actions.dispatch(case, mini.dispatcher, lead=mini.department)
    actions.sign(case, mini.handler)

    actions.report_done(case, mini.handler, note="已清理")

    told = OutboxMessage.objects.filter(case=case, payload__body="已清理").values_list("recipient", flat=True)
    workers = Post.objects.filter(grid=case.grid, role=Role.GRID_WORKER, active=True).values_list(
        "user_id", flat=True
    )
    assert list(workers) and sorted(told) == sorted(str(pk) for pk in workers)
    lead_task = Task.objects.get(case=case, lead=True)
    assert (lead_task.state, lead_task.signed_at is not None, lead_task.done_at is not None) == (
        "done",
        True,
        True,
    )


def test_an_update_keeps_a_value_already_set_where_asked(mini: MiniDistrict) -> None:
    case = f.registered(mini)
    signed = Task.objects.create(case=case, department=mini.department, created_at=AT, signed_at=AT)
    unsigned = Task.objects.create(case=case, user=mini.police_a, created_at=AT)
    later = AT + timedelta(hours=2)

    changed = rows.update(
        Task,
        {"state": "done", "signed_at": rows.IfNull(later)},
        {"case": case, "state": ("pending", "signed")},
    )

    assert changed == 2
    signed.refresh_from_db()
    unsigned.refresh_from_db()
    assert (signed.signed_at, unsigned.signed_at, signed.state) == (AT, later, "done")


def test_a_long_list_of_rows_goes_in_batches(mini: MiniDistrict) -> None:
    case = f.registered(mini)
    names = (
        "channel",
        "recipient",
        "case",
        "kind",
        "payload",
        "created_at",
        "available_at",
        "attempts",
        "last_error",
    )
    values = [["sms", str(n), case, "notice", {"n": n}, AT, AT, 0, ""] for n in range(400)]

    ids = rows.insert(OutboxMessage, names, values, returning=True)

    assert len(ids) == 400 == OutboxMessage.objects.filter(case=case, kind="notice").count()
    assert OutboxMessage.objects.get(pk=ids[-1]).payload == {"n": 399}


def test_a_claimed_move_whose_case_changed_writes_no_transition(mini: MiniDistrict) -> None:
    case = f.registered(mini)
    stale = f.fresh(case)
    actions.dispatch(case, mini.dispatcher, lead=mini.department)
    before = Transition.objects.filter(case=case).count()

    with pytest.raises(CaseChanged):
        actions.dispatch(stale, mini.dispatcher, lead=mini.department)

    assert Transition.objects.filter(case=case).count() == before
