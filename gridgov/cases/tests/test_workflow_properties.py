"""Property tests: random moves by random people never leave the workflow, and the log replays the case."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.cases import actions, workflow
from gridgov.cases.actions import MoveRefused
from gridgov.cases.models import Case, Status, Transition
from gridgov.cases.tests import factories as f
from gridgov.people.models import User
from gridgov.testing import MiniDistrict

PHOTO = f.photo()
Act = Callable[[Case, User, MiniDistrict, Case], Any]

# Every move the actions offer, with plausible arguments; whether it is allowed is for the actions to say.
MOVES: dict[str, Act] = {
    "accept": lambda c, u, m, other: actions.accept(c, u),
    "reject": lambda c, u, m, other: actions.reject(c, u, "不属于受理范围"),
    "merge": lambda c, u, m, other: actions.merge(c, u, other),
    "take_in_grid": lambda c, u, m, other: actions.take_in_grid(c, u),
    "solve_in_grid": lambda c, u, m, other: actions.solve_in_grid(c, u, [PHOTO], outcome_quantity=1),
    "escalate": lambda c, u, m, other: actions.escalate(c, u, "需要上级协调"),
    "dispatch": lambda c, u, m, other: actions.dispatch(c, u, lead=m.department, assists=[m.police_a]),
    "dispatch_person": lambda c, u, m, other: actions.dispatch(c, u, lead=m.police_a),
    "sign": lambda c, u, m, other: actions.sign(c, u),
    "return": lambda c, u, m, other: actions.return_case(c, u, "派错了"),
    "request_extension": lambda c, u, m, other: actions.request_extension(
        c, u, "等材料", amount=2, unit="work_days"
    ),
    "approve_extension": lambda c, u, m, other: actions.approve_extension(c, u),
    "deny_extension": lambda c, u, m, other: actions.deny_extension(c, u, "不同意"),
    "request_hold": lambda c, u, m, other: actions.request_hold(c, u, "等资金"),
    "approve_hold": lambda c, u, m, other: actions.approve_hold(c, u),
    "deny_hold": lambda c, u, m, other: actions.deny_hold(c, u, "不同意"),
    "resume": lambda c, u, m, other: actions.resume(c, u),
    "report_done": lambda c, u, m, other: actions.report_done(c, u, photos=[PHOTO]),
    "verify_pass": lambda c, u, m, other: actions.verify_pass(c, u),
    "verify_fail": lambda c, u, m, other: actions.verify_fail(c, u, "未修好"),
    "request_void": lambda c, u, m, other: actions.request_void(c, u, "重复登记"),
    "approve_void": lambda c, u, m, other: actions.approve_void(c, u),
    "deny_void": lambda c, u, m, other: actions.deny_void(c, u, "不重复"),
    "reopen": lambda c, u, m, other: actions.reopen(c, u, "问题复发"),
    "urge": lambda c, u, m, other: actions.urge(c, u, "加快"),
    "note": lambda c, u, m, other: actions.note(c, u, "进展"),
    "rate_satisfied": lambda c, u, m, other: actions.rate(c, "satisfied", user=u),
    "rate_dissatisfied": lambda c, u, m, other: actions.rate(c, "dissatisfied", user=u),
}
# "reporter" rates through the tracking page, without a user.
PERSONAS = (
    "worker_a",
    "worker_b",
    "police_a",
    "dispatcher",
    "street_dispatcher",
    "handler",
    "leader",
    "admin",
    "reporter",
)
REPORTER_MOVES = {"rate_satisfied", "rate_dissatisfied"}
steps = st.lists(st.tuples(st.sampled_from(sorted(MOVES)), st.sampled_from(PERSONAS)), max_size=14)


@pytest.fixture(autouse=True)
def english_and_media(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def _play(mini: MiniDistrict, moves: list[tuple[str, str]]) -> Case:
    """Report a case, then try every move in turn; a refused move must write nothing."""
    other = f.registered(mini)
    case = f.report()
    for move, persona in moves:
        user = None if persona == "reporter" else getattr(mini, persona)
        if user is None and move not in REPORTER_MOVES:
            continue
        before = f.counts()
        current = Case.objects.get(pk=case.pk)
        try:
            MOVES[move](current, user, mini, Case.objects.get(pk=other.pk))  # type: ignore[arg-type]
        except MoveRefused:
            assert f.counts() == before, f"refused {move} by {persona} wrote rows"
    return Case.objects.get(pk=case.pk)


def _assert_log_is_lawful(case: Case) -> None:
    """Check every transition against the workflow table and replay the log into the case's status."""
    log = list(Transition.objects.filter(case=case).order_by("seq"))
    assert [t.seq for t in log] == list(range(1, len(log) + 1))
    assert case.version == len(log)
    first, *rest = log
    assert (first.move, first.from_status, first.to_status) == ("report", "", Status.REPORTED)
    status = first.to_status
    for transition in rest:
        assert transition.from_status == status, transition
        assert workflow.is_allowed(transition.move, transition.from_status, {transition.actor_role}), (
            transition
        )
        assert transition.to_status == workflow.target_of(transition.move, transition.from_status)
        status = transition.to_status
    assert status == case.status


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=steps)
def test_random_moves_by_random_people_stay_inside_the_workflow(
    mini: MiniDistrict, moves: list[tuple[str, str]]
) -> None:
    case = _play(mini, moves)

    _assert_log_is_lawful(case)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    moves=st.lists(
        st.sampled_from(
            [
                ("accept", "dispatcher"),
                ("dispatch", "dispatcher"),
                ("sign", "handler"),
                ("report_done", "handler"),
                ("verify_fail", "worker_a"),
                ("verify_pass", "worker_a"),
                ("rate_dissatisfied", "reporter"),
                ("request_hold", "handler"),
                ("approve_hold", "leader"),
                ("resume", "handler"),
                ("return", "handler"),
            ]
        ),
        max_size=20,
    )
)
def test_the_main_road_and_its_detours_replay_from_the_log(
    mini: MiniDistrict, moves: list[tuple[str, str]]
) -> None:
    # The moves of the closed loop, so that most of them are allowed and the case goes far.
    case = _play(mini, moves)

    _assert_log_is_lawful(case)
