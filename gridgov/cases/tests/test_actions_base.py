"""The move protocol: the conditional update and the transition row, written out by hand for speed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db.models import F
from django.utils import translation

from gridgov.cases.actions import MoveRefused, apply_move
from gridgov.cases.models import Case, Status, Transition
from gridgov.cases.tests import factories as f
from gridgov.cases.workflow import Move
from gridgov.people.models import Role
from gridgov.testing import MiniDistrict

AT = datetime(2026, 6, 22, 2, 0, 0, 123456, tzinfo=UTC)


def test_the_stored_transition_is_the_one_returned(mini: MiniDistrict) -> None:
    case = f.report()
    due = datetime(2026, 6, 23, 9, 30, tzinfo=UTC)

    returned = apply_move(
        case,
        Move.ACCEPT,
        actor=mini.dispatcher,
        role=Role.DISPATCHER,
        note="属实，立案",
        public=True,
        data={"why": ["现场核实", 2], "ok": True},
        changes={"due_at": due, "category": f.matter(f.LOST_PERSON), "registered_at": AT},
        at=AT,
    )

    stored = Transition.objects.get(pk=returned.pk)
    fields = ("case_id", "seq", "move", "from_status", "to_status", "actor_id", "actor_role", "at", "note")
    assert [getattr(stored, name) for name in fields] == [getattr(returned, name) for name in fields]
    assert (stored.public, stored.due_at, stored.data) == (True, due, {"why": ["现场核实", 2], "ok": True})
    assert stored.at == AT  # microseconds and time zone survive
    case_row = Case.objects.get(pk=case.pk)
    assert (case_row.status, case_row.version, case_row.due_at, case_row.registered_at) == (
        Status.REGISTERED,
        2,
        due,
        AT,
    )
    assert case_row.category == f.matter(f.LOST_PERSON)
    assert (case.status, case.version, case.due_at) == (Status.REGISTERED, 2, due)


def test_clearing_a_field_writes_null(mini: MiniDistrict) -> None:
    case = f.dispatched(mini)

    apply_move(
        case, Move.RETURN, actor=mini.handler, role=Role.DEPARTMENT_HANDLER, changes={"lead_department": None}
    )

    assert Case.objects.get(pk=case.pk).lead_department is None


def test_a_move_may_set_a_field_by_an_expression(mini: MiniDistrict) -> None:
    case = f.closed(mini)
    assert Case.objects.get(pk=case.pk).outcome_quantity == 2
    case = Case.objects.get(pk=case.pk)

    apply_move(
        case,
        Move.RATE,
        actor=None,
        role="reporter",
        changes={"outcome_quantity": F("outcome_quantity") + 1},
    )

    assert Case.objects.get(pk=case.pk).outcome_quantity == 3


def test_a_role_the_table_does_not_allow_is_refused_before_anything_is_written(mini: MiniDistrict) -> None:
    case = f.report()
    before = f.counts()

    with translation.override("en"), pytest.raises(MoveRefused, match="not allowed"):
        apply_move(case, Move.ACCEPT, actor=mini.worker_a, role=Role.GRID_WORKER)

    assert f.counts() == before
