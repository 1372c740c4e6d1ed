"""Persona tests of the moves on a new report: accept, reject, merge, grid self-handling, escalation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from gridgov.cases import actions
from gridgov.cases.actions import MoveRefused
from gridgov.cases.models import Attachment, Status, Task, Transition
from gridgov.cases.queries import timeline
from gridgov.cases.tests import factories as f
from gridgov.notify.models import OutboxMessage
from gridgov.people.models import Level, Role
from gridgov.testing import MiniDistrict, make_user


@pytest.fixture(autouse=True)
def english_and_media(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Store photos in a temporary folder; read messages in English (the msgids)."""
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


# --- accept ----------------------------------------------------------------------------------------


def test_the_dispatcher_accepts_a_report_and_registers_it(mini: MiniDistrict) -> None:
    case = f.report()

    transition = actions.accept(case, mini.dispatcher, note="属实")

    assert (transition.seq, transition.move, transition.actor_role) == (2, "accept", Role.DISPATCHER)
    stored = f.fresh(case)
    assert (stored.status, stored.version, stored.stage) == (Status.REGISTERED, 2, "dispatch")
    assert stored.registered_at == transition.at
    assert stored.case_due_at is not None and stored.due_at is not None
    assert (transition.from_status, transition.to_status, transition.due_at) == (
        Status.REPORTED,
        Status.REGISTERED,
        stored.due_at,
    )
    assert OutboxMessage.objects.filter(case=case, kind="accepted").count() == 1


def test_accepting_may_correct_the_category_and_urgency(mini: MiniDistrict) -> None:
    case = f.report()

    actions.accept(case, mini.dispatcher, category=f.matter(f.LOST_PERSON), urgency="urgent")

    stored = f.fresh(case)
    assert (stored.category, stored.urgency) == (f.matter(f.LOST_PERSON), "urgent")


def test_a_report_without_a_category_cannot_be_registered(mini: MiniDistrict) -> None:
    case = f.report(code=None, description="嗯嗯嗯")
    assert case.category is None
    before = f.counts()

    with pytest.raises(MoveRefused, match="category"):
        actions.accept(case, mini.dispatcher)

    assert f.counts() == before


def test_a_street_dispatcher_accepts_only_in_their_street(mini: MiniDistrict) -> None:
    in_a1, in_c1 = f.report(), f.report(point=f.C1_POINT)
    before = f.counts()

    with pytest.raises(MoveRefused, match="area"):
        actions.accept(in_a1, mini.street_dispatcher)
    assert f.counts() == before
    assert f.fresh(in_a1).status == Status.REPORTED

    actions.accept(in_c1, mini.street_dispatcher)
    assert f.fresh(in_c1).status == Status.REGISTERED


@pytest.mark.parametrize("persona", ["worker_a", "handler", "police_a", "leader"])
def test_only_dispatchers_accept(mini: MiniDistrict, persona: str) -> None:
    case = f.report()
    before = f.counts()

    with pytest.raises(MoveRefused):
        actions.accept(case, getattr(mini, persona))

    assert f.counts() == before


def test_a_sanitation_matter_goes_straight_to_the_grids_cleaner(mini: MiniDistrict) -> None:
    cleaner = make_user("cleaner_a", "保洁员", Role.CLEANER, grid=mini.grid_a1)
    case = f.report(code=f.GARBAGE, description="路边暴露垃圾没人清")

    actions.accept(case, mini.dispatcher)

    stored = f.fresh(case)
    assert (stored.status, stored.lead_user, stored.version) == (Status.DISPATCHED, cleaner, 3)
    dispatch = f.last_transition(case)
    assert (dispatch.move, dispatch.actor, dispatch.actor_role) == ("dispatch", None, "system")
    assert Task.objects.get(case=case).user == cleaner
    assert OutboxMessage.objects.filter(case=case, channel="inbox", recipient=str(cleaner.pk)).exists()


def test_a_sanitation_matter_waits_for_a_dispatcher_when_the_grid_has_no_cleaner(mini: MiniDistrict) -> None:
    case = f.report(code=f.GARBAGE, description="路边暴露垃圾没人清")

    actions.accept(case, mini.dispatcher)

    assert f.fresh(case).status == Status.REGISTERED


# --- reject ----------------------------------------------------------------------------------------


def test_the_dispatcher_rejects_with_a_reason_the_reporter_hears(mini: MiniDistrict) -> None:
    case = f.report()

    transition = actions.reject(case, mini.dispatcher, "不属于网格受理范围，请拨打12345")

    stored = f.fresh(case)
    assert (stored.status, stored.stage, stored.due_at) == (Status.REJECTED, "", None)
    assert (transition.public, transition.note) == (True, "不属于网格受理范围，请拨打12345")
    message = OutboxMessage.objects.get(case=case, kind="rejected")
    assert "12345" in message.payload["text"]


def test_a_rejection_needs_a_reason(mini: MiniDistrict) -> None:
    case = f.report()
    before = f.counts()

    with pytest.raises(MoveRefused, match="reason"):
        actions.reject(case, mini.dispatcher, "   ")

    assert f.counts() == before


# --- merge -----------------------------------------------------------------------------------------


def test_a_duplicate_report_merges_into_the_open_case_and_both_reporters_hear(mini: MiniDistrict) -> None:
    first = f.registered(mini)
    second = f.report(reporter_phone="13907330000")

    transition = actions.merge(second, mini.dispatcher, first)

    stored = f.fresh(second)
    assert (stored.status, stored.merged_into) == (Status.MERGED, first)
    assert transition.data["into_tracking_no"] == first.tracking_no
    assert OutboxMessage.objects.filter(case=second, kind="merged").count() == 1
    assert OutboxMessage.objects.filter(case=first, kind="merged_in").count() == 1
    # The open case's timeline shows the merged report's moves too.
    assert {t.case_id for t in timeline(first)} == {first.pk, second.pk}


def test_it_refuses_to_merge_into_a_case_of_another_category(mini: MiniDistrict) -> None:
    first = f.registered(mini)
    second = f.report(code=f.LOST_PERSON)
    before = f.counts()

    with pytest.raises(MoveRefused, match="same category"):
        actions.merge(second, mini.dispatcher, first)

    assert f.counts() == before


def test_it_refuses_to_merge_into_a_closed_case_or_itself(mini: MiniDistrict) -> None:
    done = f.closed(mini)
    case = f.report()

    with pytest.raises(MoveRefused, match="open"):
        actions.merge(case, mini.dispatcher, done)
    with pytest.raises(MoveRefused, match="itself"):
        actions.merge(case, mini.dispatcher, case)
    assert f.fresh(case).status == Status.REPORTED


# --- grid self-handling ----------------------------------------------------------------------------


def test_the_grid_worker_takes_a_small_matter_into_the_grid(mini: MiniDistrict) -> None:
    case = f.report()

    transition = actions.take_in_grid(case, mini.worker_a)

    stored = f.fresh(case)
    assert (stored.status, stored.lead_user, stored.level, stored.stage) == (
        Status.SELF_HANDLING,
        mini.worker_a,
        Level.GRID,
        "handle",
    )
    assert stored.registered_at == transition.at
    assert transition.actor_role == Role.GRID_WORKER


def test_the_worker_of_another_grid_cannot_take_it(mini: MiniDistrict) -> None:
    case = f.report()
    before = f.counts()

    with pytest.raises(MoveRefused, match="area"):
        actions.take_in_grid(case, mini.worker_b)

    assert f.counts() == before


def test_the_grid_worker_solves_it_with_a_photo_and_the_outcome(mini: MiniDistrict) -> None:
    case = f.report()
    actions.take_in_grid(case, mini.worker_a)

    transition = actions.solve_in_grid(case, mini.worker_a, [f.photo()], outcome_quantity=3, note="已调解")

    stored = f.fresh(case)
    assert (stored.status, stored.outcome_quantity, stored.closed_at) == (Status.CLOSED, 3, transition.at)
    assert (stored.stage, stored.due_at) == ("", None)
    photo = Attachment.objects.get(case=case)
    assert (photo.kind, photo.transition) == (Attachment.Kind.AFTER, transition)
    assert OutboxMessage.objects.filter(case=case, kind="closed").exists()


def test_solving_in_the_grid_needs_an_evidence_photo(mini: MiniDistrict) -> None:
    case = f.report()
    actions.take_in_grid(case, mini.worker_a)
    before = f.counts()

    with pytest.raises(MoveRefused, match="photo"):
        actions.solve_in_grid(case, mini.worker_a, [])

    assert f.counts() == before
    assert f.fresh(case).status == Status.SELF_HANDLING


# --- escalate --------------------------------------------------------------------------------------


def test_the_grid_worker_escalates_a_matter_the_grid_cannot_solve(mini: MiniDistrict) -> None:
    case = f.report()
    actions.take_in_grid(case, mini.worker_a)

    transition = actions.escalate(case, mini.worker_a, "涉及多个部门，网格无法解决")

    stored = f.fresh(case)
    assert (stored.status, stored.level, stored.lead_user) == (Status.REGISTERED, Level.COMMUNITY, None)
    assert transition.data == {"from_level": "grid", "to_level": "community"}
    # No community dispatcher in the test district: the dispatchers of the area hear of it.
    assert OutboxMessage.objects.filter(case=case, recipient=str(mini.dispatcher.pk)).exists()


def test_escalation_climbs_to_the_district_and_no_further(mini: MiniDistrict) -> None:
    case = f.dispatched(mini)

    for level in ("community", "street", "district"):
        actions.escalate(case, mini.dispatcher, "需要上级协调")
        assert f.fresh(case).level == level
        if level != "district":
            actions.dispatch(case, mini.dispatcher, lead=mini.department)
    assert set(Task.objects.filter(case=case).values_list("state", flat=True)) == {Task.State.CANCELLED}

    with pytest.raises(MoveRefused, match="district"):
        actions.escalate(case, mini.dispatcher, "再上报")
    assert Transition.objects.filter(case=case, move="escalate").count() == 3


def test_rejecting_an_emergency_report_ends_the_grid_teams_alerts(mini: MiniDistrict) -> None:
    case = f.report(code=f.LOST_PERSON)
    assert Task.objects.filter(case=case, state=Task.State.PENDING).exists()

    actions.reject(case, mini.dispatcher, "重复来电，已由110处理")

    assert set(Task.objects.filter(case=case).values_list("state", flat=True)) == {Task.State.CANCELLED}


def test_merging_an_emergency_report_leaves_the_alerts_to_the_case_it_joins(mini: MiniDistrict) -> None:
    first = f.report(code=f.LOST_PERSON)
    second = f.report(code=f.LOST_PERSON)

    actions.merge(second, mini.dispatcher, first)

    assert set(Task.objects.filter(case=second).values_list("state", flat=True)) == {Task.State.CANCELLED}
    assert Task.objects.filter(case=first, state=Task.State.PENDING).exists()
