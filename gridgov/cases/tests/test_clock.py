from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from gridgov.cases import clock, workflow
from gridgov.cases.actions.clock import responsible_users, sweep_overdue, urge_overdue
from gridgov.cases.calendar import seed_calendar
from gridgov.cases.models import Case, Category, Stage, Status, TimeLimit, Transition, Urgency
from gridgov.lib.worktime import SHANGHAI
from gridgov.notify.models import OutboxMessage
from gridgov.testing import MiniDistrict

HANDLE = TimeLimit.Stage.HANDLE


def at(*args: int) -> datetime:
    """Return the Shanghai datetime of the arguments (year, month, day, hour, minute)."""
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


@pytest.fixture
def category(db: None) -> Category:
    """Return a category whose normal handling limit is 10 working hours (its own row)."""
    seed_calendar([2026], commit=True)
    category = Category.objects.create(code="T99001", class_code="99", class_name="测试", name="测试事项")
    TimeLimit.objects.create(
        category=category, urgency=Urgency.NORMAL, stage=HANDLE, amount=10, unit="work_hours"
    )
    TimeLimit.objects.update_or_create(
        category=None,
        urgency=Urgency.EMERGENCY,
        stage=TimeLimit.Stage.SIGN,
        defaults={"amount": 15, "unit": "minutes"},
    )
    TimeLimit.objects.update_or_create(
        category=None, urgency=Urgency.NORMAL, stage=HANDLE, defaults={"amount": 5, "unit": "work_days"}
    )
    TimeLimit.objects.update_or_create(
        category=None,
        urgency=Urgency.NORMAL,
        stage=TimeLimit.Stage.ACCEPT,
        defaults={"amount": 2, "unit": "work_hours"},
    )
    return category


_numbers = iter(range(1, 10**6))


def make_case(category: Category | None, **fields: Any) -> Case:
    """Create a case in progress on the handling clock, started Monday 8 June 2026 08:30."""
    started = fields.pop("stage_started_at", at(2026, 6, 8, 8, 30))
    values: dict[str, Any] = {
        "tracking_no": f"SF20260608-{next(_numbers):04d}",
        "channel": "desk",
        "description": "路灯不亮",
        "category": category,
        "status": Status.IN_PROGRESS,
        "stage": Stage.HANDLE,
        "stage_started_at": started,
        "created_at": started,
        **fields,
    }
    if "due_at" not in values and values["stage"]:
        values["due_at"] = clock.deadline(
            category, values.get("urgency", Urgency.NORMAL), values["stage"], started
        )
    return Case.objects.create(**values)


# --- limits and deadlines -------------------------------------------------------------------------


def test_a_category_limit_comes_before_the_default(category: Category) -> None:
    assert (
        clock.limit_for(category, Urgency.NORMAL, HANDLE).amount,
        clock.limit_for(category, "normal", HANDLE).unit,
    ) == (
        10,
        "work_hours",
    )
    other = Category.objects.create(code="T99002", class_code="99", class_name="测试", name="其他")
    limit = clock.limit_for(other, Urgency.NORMAL, HANDLE)
    assert (limit.category_id, limit.amount, limit.unit) == (None, 5, "work_days")


@pytest.mark.django_db
def test_it_says_when_no_limit_is_set() -> None:
    TimeLimit.objects.filter(stage=TimeLimit.Stage.VERIFY, urgency=Urgency.URGENT).delete()
    with pytest.raises(clock.NoTimeLimit, match="verify"):
        clock.limit_for(None, Urgency.URGENT, TimeLimit.Stage.VERIFY)


def test_a_deadline_counts_working_hours_from_the_start(category: Category) -> None:
    # Monday 08:30 + 10 working hours: 7 on Monday, 3 on Tuesday.
    assert clock.deadline(category, Urgency.NORMAL, HANDLE, at(2026, 6, 8, 8, 30)) == at(2026, 6, 9, 11, 30)


def test_a_deadline_across_national_day(category: Category) -> None:
    # Wednesday 30 September 16:00: 1.5 h, then 1–7 October off, 7 h on Thursday 8, 1.5 h on Friday 9.
    assert clock.deadline(category, Urgency.NORMAL, HANDLE, at(2026, 9, 30, 16, 0)) == at(2026, 10, 9, 10, 0)


def test_an_edited_limit_applies_at_once(category: Category) -> None:
    assert clock.deadline(category, Urgency.NORMAL, HANDLE, at(2026, 6, 8, 8, 30)) == at(2026, 6, 9, 11, 30)
    TimeLimit.objects.filter(category=category).update(amount=1)  # no signal from update()…
    TimeLimit.objects.get(category=category).save()  # …a save (as in the admin) refreshes the cache
    assert clock.deadline(category, Urgency.NORMAL, HANDLE, at(2026, 6, 8, 8, 30)) == at(2026, 6, 8, 9, 30)


def test_an_extension_adds_working_time(category: Category) -> None:
    assert clock.extend(at(2026, 6, 12, 17, 0), 1, "work_days") == at(2026, 6, 15, 17, 0)
    assert clock.extend(at(2026, 6, 12, 17, 0), 2, "work_hours") == at(2026, 6, 15, 10, 0)


# --- colours --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2026, 6, 8, 17, 0), "green"),  # 6.5 of 10 hours
        (at(2026, 6, 9, 9, 24), "green"),  # 79%
        (at(2026, 6, 9, 9, 30), "yellow"),  # 80%
        (at(2026, 6, 9, 11, 30), "yellow"),  # 100%: the due instant
        (at(2026, 6, 9, 11, 36), "red"),  # 101%
        (at(2026, 6, 9, 13, 0), "red"),  # lunch break, but past the due
    ],
)
def test_the_colour_follows_the_share_of_the_limit_used(
    category: Category, now: datetime, expected: str
) -> None:
    case = make_case(category)
    assert case.due_at == at(2026, 6, 9, 11, 30)
    assert clock.colour(case, now) == expected


def test_the_share_used_is_measured_in_working_time(category: Category) -> None:
    case = make_case(category)
    usage = clock.stage_usage(case, at(2026, 6, 9, 9, 24))
    assert usage is not None
    assert usage.fraction == pytest.approx(0.79)


def test_a_natural_limit_counts_elapsed_time_at_night(category: Category) -> None:
    case = make_case(
        category,
        urgency=Urgency.EMERGENCY,
        status=Status.DISPATCHED,
        stage=Stage.SIGN,
        stage_started_at=at(2026, 10, 3, 22, 0),
    )
    assert case.due_at == at(2026, 10, 3, 22, 15)
    assert clock.colour(case, at(2026, 10, 3, 22, 11)) == "green"
    assert clock.colour(case, at(2026, 10, 3, 22, 12)) == "yellow"
    assert clock.colour(case, at(2026, 10, 3, 22, 16)) == "red"


@pytest.mark.parametrize("status", [Status.CLOSED, Status.REJECTED, Status.MERGED, Status.VOIDED])
def test_a_closed_or_terminal_case_has_no_colour(category: Category, status: str) -> None:
    case = make_case(category, status=status)
    assert clock.colour(case, at(2026, 7, 1, 9, 0)) == ""


def test_a_case_without_a_clock_has_no_colour(category: Category) -> None:
    assert clock.colour(make_case(category, stage=Stage.NONE, due_at=None), at(2026, 7, 1, 9, 0)) == ""


# --- holds ----------------------------------------------------------------------------------------


def test_a_hold_pauses_the_clock(category: Category) -> None:
    held = at(2026, 6, 8, 16, 30)  # 6 of 10 hours used: green
    case = make_case(category, status=Status.ON_HOLD, held_since=held)
    for later in (at(2026, 6, 9, 11, 0), at(2026, 6, 12, 17, 0), at(2026, 7, 1, 9, 0)):
        assert clock.colour(case, later) == "green"
        usage = clock.stage_usage(case, later)
        assert usage is not None
        assert usage.fraction == pytest.approx(0.6)


def test_a_case_held_at_80_percent_stays_yellow(category: Category) -> None:
    case = make_case(category, status=Status.ON_HOLD, held_since=at(2026, 6, 9, 9, 30))
    assert clock.colour(case, at(2026, 6, 20, 9, 0)) == "yellow"


def test_resuming_moves_the_due_by_the_paused_working_time(category: Category) -> None:
    case = make_case(category, status=Status.ON_HOLD, held_since=at(2026, 6, 9, 9, 0))  # 2.5 h left
    resumed = at(2026, 6, 11, 8, 30)
    assert clock.hold_resumed_due(case, resumed) == at(2026, 6, 11, 11, 0)
    changes = clock.resume_changes(case, resumed)
    assert changes["due_at"] == at(2026, 6, 11, 11, 0)
    assert changes["held_since"] is None
    Case.objects.filter(pk=case.pk).update(status=Status.IN_PROGRESS, **changes)
    case.refresh_from_db()
    usage = clock.stage_usage(case, resumed)
    assert usage is not None
    assert usage.fraction == pytest.approx(0.75)  # what it was when held


def test_a_hold_over_a_weekend_only_does_not_move_the_due(category: Category) -> None:
    case = make_case(category, status=Status.ON_HOLD, held_since=at(2026, 6, 12, 18, 0))
    assert clock.hold_resumed_due(case, at(2026, 6, 15, 8, 0)) == case.due_at


# --- entering a stage -----------------------------------------------------------------------------


def test_entering_a_stage_sets_its_clock_and_clears_the_urging(category: Category) -> None:
    case = make_case(
        category, status=Status.REPORTED, stage=Stage.ACCEPT, overdue_urged_at=at(2026, 6, 8, 11, 0)
    )
    changes = clock.stage_changes(case, Status.IN_PROGRESS, at(2026, 6, 12, 16, 0))
    assert changes == {
        "stage": Stage.HANDLE,
        "stage_started_at": at(2026, 6, 12, 16, 0),
        "due_at": at(2026, 6, 16, 10, 0),  # 1.5 h Friday, 7 h Monday, 1.5 h Tuesday
        "overdue_urged_at": None,
    }


def test_a_stage_without_a_limit_has_no_due(category: Category) -> None:
    case = make_case(category)
    TimeLimit.objects.filter(stage=TimeLimit.Stage.VERIFY).delete()
    assert clock.stage_changes(case, Status.HANDLED, at(2026, 6, 12, 16, 0))["due_at"] is None
    assert clock.stage_changes(case, Status.CLOSED, at(2026, 6, 12, 16, 0))["stage"] == Stage.NONE


# --- the overdue sweep ----------------------------------------------------------------------------


@pytest.fixture
def overdue(mini: MiniDistrict, category: Category) -> Case:
    """Return a report in grid A1 nobody accepted: its 2-hour acceptance clock ran out Monday 10:30."""
    return make_case(None, grid=mini.grid_a1, status=Status.REPORTED, stage=Stage.ACCEPT)


@time_machine.travel(at(2026, 6, 8, 11, 0), tick=False)
def test_the_sweep_urges_an_overdue_case_once(overdue: Case, mini: MiniDistrict) -> None:
    for _ in range(3):
        sweep_overdue()
    urges = Transition.objects.filter(case=overdue, move=workflow.Move.URGE)
    assert urges.count() == 1
    urge = urges.get()
    assert (urge.actor, urge.actor_role, urge.from_status, urge.to_status) == (
        None,
        workflow.SYSTEM,
        Status.REPORTED,
        Status.REPORTED,
    )
    assert urge.due_at == at(2026, 6, 8, 10, 30)
    notices = OutboxMessage.objects.filter(case=overdue, channel="inbox")
    assert [n.recipient for n in notices] == [str(mini.dispatcher.pk)]
    assert overdue.tracking_no in notices.get().payload["title"]
    overdue.refresh_from_db()
    assert overdue.overdue_urged_at == at(2026, 6, 8, 11, 0)
    assert overdue.status == Status.REPORTED


@time_machine.travel(at(2026, 6, 8, 10, 0), tick=False)
def test_the_sweep_leaves_cases_that_are_not_due_yet(overdue: Case) -> None:
    assert sweep_overdue() == []
    assert not Transition.objects.filter(case=overdue).exists()


def test_the_sweep_leaves_held_cases_alone(category: Category, mini: MiniDistrict) -> None:
    case = make_case(category, grid=mini.grid_a1, status=Status.ON_HOLD, held_since=at(2026, 6, 9, 9, 0))
    assert sweep_overdue(at(2026, 6, 20, 9, 0)) == []
    assert not Transition.objects.filter(case=case).exists()


def test_two_sweeps_holding_the_same_case_urge_it_once(overdue: Case) -> None:
    now = at(2026, 6, 8, 11, 0)
    stale = Case.objects.get(pk=overdue.pk)
    assert urge_overdue(overdue, now) is not None
    assert urge_overdue(stale, now) is None
    assert Transition.objects.filter(case=overdue).count() == 1
    assert OutboxMessage.objects.filter(case=overdue).count() == 1


def test_a_case_on_a_new_late_stage_is_urged_again(overdue: Case) -> None:
    sweep_overdue(at(2026, 6, 8, 11, 0))
    overdue.refresh_from_db()
    changes = clock.stage_changes(overdue, Status.REGISTERED, at(2026, 6, 8, 11, 30))
    Case.objects.filter(pk=overdue.pk).update(
        status=Status.REGISTERED, **{**changes, "due_at": at(2026, 6, 8, 12, 0)}
    )
    assert len(sweep_overdue(at(2026, 6, 8, 14, 0))) == 1
    assert Transition.objects.filter(case=overdue, move=workflow.Move.URGE).count() == 2


def test_the_dispatchers_of_the_nearest_area_answer_for_an_undispatched_case(
    category: Category, mini: MiniDistrict
) -> None:
    in_a1 = make_case(
        None, grid=mini.grid_a1, status=Status.REGISTERED, stage=Stage.DISPATCH, due_at=at(2026, 6, 8, 9, 0)
    )
    in_c1 = make_case(
        None, grid=mini.grid_c1, status=Status.REGISTERED, stage=Stage.DISPATCH, due_at=at(2026, 6, 8, 9, 0)
    )
    assert responsible_users(in_a1) == [mini.dispatcher]
    assert responsible_users(in_c1) == [mini.street_dispatcher]  # 井龙街道 has its own dispatcher


def test_the_lead_departments_handlers_answer_for_dispatched_work(
    category: Category, mini: MiniDistrict
) -> None:
    case = make_case(category, grid=mini.grid_a1, lead_department=mini.department)
    assert responsible_users(case) == [mini.handler]
    urge_overdue(case, at(2026, 6, 10, 9, 0))
    assert [n.recipient for n in OutboxMessage.objects.filter(case=case)] == [str(mini.handler.pk)]


def test_the_grid_worker_answers_for_a_matter_handled_in_the_grid(
    category: Category, mini: MiniDistrict
) -> None:
    case = make_case(category, grid=mini.grid_a1, status=Status.SELF_HANDLING, lead_user=None)
    assert responsible_users(case) == [mini.worker_a]


@time_machine.travel(at(2026, 6, 8, 11, 0), tick=False)
def test_the_worker_command_prints_the_urged_cases(overdue: Case) -> None:
    from io import StringIO

    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert overdue.tracking_no in out.getvalue()
    assert Transition.objects.filter(case=overdue, move=workflow.Move.URGE).count() == 1


def test_a_deadline_is_never_computed_from_a_naive_time(category: Category) -> None:
    with pytest.raises(ValueError, match="naive"):
        clock.deadline(category, Urgency.NORMAL, HANDLE, datetime(2026, 6, 8, 9, 0))


def test_a_case_past_its_due_is_overdue_unless_held(category: Category) -> None:
    running = make_case(category)
    held = make_case(category, status=Status.ON_HOLD, held_since=at(2026, 6, 8, 9, 0))
    later = at(2026, 6, 9, 12, 0)
    assert clock.is_overdue(running, later)
    assert not clock.is_overdue(held, later)
    assert not clock.is_overdue(running, running.due_at - timedelta(minutes=1))
