"""Persona tests of progress notes, urging, rating and reopening."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from gridgov.cases import actions
from gridgov.cases.actions import MoveRefused
from gridgov.cases.models import Rating, Status
from gridgov.cases.tests import factories as f
from gridgov.notify.models import OutboxMessage
from gridgov.testing import MiniDistrict


@pytest.fixture(autouse=True)
def english_and_media(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Store photos in a temporary folder; read messages in English (the msgids)."""
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def test_a_public_note_reaches_the_reporter(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)

    transition = actions.note(case, mini.handler, "已联系物业，明天上午到场")

    assert (transition.move, transition.public, transition.actor_role) == ("note", True, "department_handler")
    message = OutboxMessage.objects.get(case=case, kind="progress")
    assert message.payload["text"] == "已联系物业，明天上午到场"


def test_an_internal_note_stays_inside(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)

    transition = actions.note(case, mini.dispatcher, "该户多次反映", public=False)

    assert transition.public is False
    assert not OutboxMessage.objects.filter(case=case, kind="progress").exists()


def test_the_worker_of_another_grid_cannot_write_notes(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    before = f.counts()

    with pytest.raises(MoveRefused, match="area"):
        actions.note(case, mini.worker_b, "看看")

    assert f.counts() == before


def test_an_empty_note_is_refused(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)

    with pytest.raises(MoveRefused, match="required"):
        actions.note(case, mini.handler, "  ")


def test_a_leader_urges_the_lead_department(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)

    transition = actions.urge(case, mini.leader, "群众反映强烈，今天必须处理")

    assert (transition.move, transition.actor_role, f.fresh(case).status) == (
        "urge",
        "leader",
        Status.IN_PROGRESS,
    )
    assert OutboxMessage.objects.filter(case=case, recipient=str(mini.handler.pk)).count() >= 1


def test_a_grid_worker_cannot_urge(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)

    with pytest.raises(MoveRefused, match="roles"):
        actions.urge(case, mini.worker_a)


def test_the_reporter_rates_a_closed_case(mini: MiniDistrict) -> None:
    case = f.closed(mini)

    transition = actions.rate(case, Rating.SATISFIED, comment="很及时")

    stored = f.fresh(case)
    assert (stored.rating, stored.rated_at, stored.status) == (Rating.SATISFIED, transition.at, Status.CLOSED)
    assert (transition.actor, transition.actor_role, transition.data) == (
        None,
        "reporter",
        {"rating": "satisfied"},
    )


def test_a_result_is_rated_once(mini: MiniDistrict) -> None:
    case = f.closed(mini)
    actions.rate(case, Rating.BASICALLY)
    before = f.counts()

    with pytest.raises(MoveRefused, match="already"):
        actions.rate(case, Rating.SATISFIED)

    assert f.counts() == before


@pytest.mark.parametrize("rating", ["great", ""])
def test_an_unknown_rating_is_refused(mini: MiniDistrict, rating: str) -> None:
    case = f.closed(mini)

    with pytest.raises(MoveRefused, match="rating"):
        actions.rate(case, rating)


def test_an_open_case_cannot_be_rated(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    before = f.counts()

    with pytest.raises(MoveRefused):
        actions.rate(case, Rating.SATISFIED)

    assert f.counts() == before


def test_a_dissatisfied_rating_reopens_the_case_for_review(mini: MiniDistrict) -> None:
    case = f.closed(mini)

    actions.rate(case, Rating.DISSATISFIED, comment="灯还是不亮")

    stored = f.fresh(case)
    assert (stored.status, stored.closed_at, stored.rating, stored.lead_department) == (
        Status.REGISTERED,
        None,
        "",
        None,
    )
    moves = list(stored.transitions.order_by("-seq").values_list("move", "actor_role")[:2])
    assert moves == [("reopen", "reporter"), ("rate", "reporter")]
    assert OutboxMessage.objects.filter(case=case, recipient=str(mini.dispatcher.pk)).exists()
    # Reworked and closed again, it may be rated afresh.
    actions.dispatch(stored, mini.dispatcher, lead=mini.department)
    actions.sign(stored, mini.handler)
    actions.report_done(stored, mini.handler)
    actions.verify_pass(stored, mini.worker_a)
    actions.rate(stored, Rating.SATISFIED)
    assert f.fresh(case).rating == Rating.SATISFIED


def test_a_dispatcher_records_a_rating_from_a_follow_up_call(mini: MiniDistrict) -> None:
    case = f.closed(mini)

    transition = actions.rate(case, Rating.BASICALLY, user=mini.dispatcher)

    assert (transition.actor, transition.actor_role) == (mini.dispatcher, "dispatcher")


def test_the_dispatcher_reopens_a_case_whose_problem_returned(mini: MiniDistrict) -> None:
    case = f.closed(mini)

    transition = actions.reopen(case, mini.dispatcher, "问题复发")

    assert (f.fresh(case).status, transition.note) == (Status.REGISTERED, "问题复发")


def test_a_handler_cannot_reopen(mini: MiniDistrict) -> None:
    case = f.closed(mini)

    with pytest.raises(MoveRefused, match="roles"):
        actions.reopen(case, mini.handler, "问题复发")
