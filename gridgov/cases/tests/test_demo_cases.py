"""A year of demo cases: every log replays, tasks follow the moves, proportions look like a district."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation

from gridgov.cases import actions, queries, workflow
from gridgov.cases.actions.tracking import next_tracking_no
from gridgov.cases.models import Case, Category, Channel, Rating, Status, Task, Transition
from gridgov.lib.crypto import cipher_for
from gridgov.lib.worktime import SHANGHAI
from gridgov.people.models import Post, Role
from gridgov.territory import demo
from gridgov.territory.demo import Summary
from gridgov.territory.locator import Locator

UNTIL = date(2026, 6, 1)
END = datetime.combine(UNTIL, time(0), tzinfo=SHANGHAI)
# A small district with a dense year, so that even rare paths (holds, returns, reopened cases) occur.
GRIDS, RESIDENTS, CASES = 12, 1500, 3000
TERMINAL = {Status.CLOSED, Status.REJECTED, Status.MERGED, Status.VOIDED}


@pytest.fixture(scope="class")
def year(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[Summary]:
    """Build the demo district with its year of cases once for the class; roll it back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        yield demo.build(seed=1, grids=GRIDS, residents=RESIDENTS, cases=CASES, until=UNTIL)
        transaction.set_rollback(True)


@pytest.fixture
def logs(year: Summary, db: None) -> dict[int, list[Transition]]:
    """Return every case's transitions in seq order, by case id."""
    found: dict[int, list[Transition]] = defaultdict(list)
    for row in Transition.objects.order_by("case_id", "seq"):
        found[row.case_id].append(row)
    return found


class TestTheYear:
    """One dense year in a small district, built once for these tests."""

    def test_the_summary_counts_the_cases_of_the_year(self, year: Summary, db: None) -> None:
        assert year.cases == Case.objects.count() == CASES
        assert year.counts["transitions"] == Transition.objects.count()
        assert year.counts["tasks"] == Task.objects.count()
        assert [report.name for report in year.phases][-1] == "cases"

    def test_every_log_replays_to_its_case_by_allowed_moves(
        self, year: Summary, logs: dict[int, list[Transition]]
    ) -> None:
        for case in Case.objects.all():
            log = logs[case.pk]
            first, *moves = log
            assert (first.move, first.from_status, first.to_status, first.at) == (
                workflow.Move.REPORT,
                "",
                Status.REPORTED,
                case.created_at,
            )
            status = first.to_status
            for previous, row in zip(log, moves, strict=False):
                assert row.from_status == status, (case.tracking_no, row.seq)
                assert workflow.is_allowed(row.move, status, {row.actor_role}), (
                    case.tracking_no,
                    row.move,
                    status,
                )
                assert row.to_status == workflow.target_of(row.move, status)
                assert previous.at <= row.at < END
                status = row.to_status
            assert [row.seq for row in log] == list(range(1, len(log) + 1))
            assert (status, len(log)) == (case.status, case.version), case.tracking_no

    def test_the_case_fields_agree_with_the_log(
        self, year: Summary, logs: dict[int, list[Transition]]
    ) -> None:
        for case in Case.objects.all():
            log = logs[case.pk]
            assert case.stage == workflow.STAGE_OF.get(case.status, ""), case.tracking_no
            assert case.due_at == log[-1].due_at
            assert (case.status == Status.CLOSED) == (case.closed_at is not None)
            assert (case.status == Status.ON_HOLD) == (case.held_since is not None)
            rates = [row for row in log if row.move == workflow.Move.RATE]
            if case.rating:
                assert case.status == Status.CLOSED and rates[-1].data == {"rating": case.rating}
            # A result is rated once; only reopening (after a dissatisfied rating) allows a second one.
            assert len(rates) <= 1 + sum(row.move == workflow.Move.REOPEN for row in log)
            if case.status == Status.MERGED:
                assert case.merged_into is not None and case.merged_into.category_id == case.category_id
                assert log[-1].data == {
                    "into": case.merged_into_id,
                    "into_tracking_no": case.merged_into.tracking_no,
                }

    def test_tasks_follow_the_moves(self, year: Summary, logs: dict[int, list[Transition]]) -> None:
        tasks: dict[int, list[Task]] = defaultdict(list)
        for task in Task.objects.order_by("pk"):
            tasks[task.case_id].append(task)
        for case in Case.objects.all():
            log, own = logs[case.pk], tasks[case.pk]
            moves = Counter(row.move for row in log)
            leads = [task for task in own if task.lead]
            assert len(leads) == moves[workflow.Move.DISPATCH], case.tracking_no
            assert sum(task.state == Task.State.RETURNED for task in leads) == moves[workflow.Move.RETURN]
            dispatched_at = {row.at for row in log if row.move == workflow.Move.DISPATCH}
            for task in own:
                alert = task.note == "urgent alert" and task.created_at == case.created_at
                assert task.created_at in dispatched_at or alert, case.tracking_no
            open_leads = [
                task.state for task in leads if task.state in (Task.State.PENDING, Task.State.SIGNED)
            ]
            expected: dict[str, list[str]] = {
                Status.DISPATCHED: [Task.State.PENDING],
                Status.IN_PROGRESS: [Task.State.SIGNED],
                Status.ON_HOLD: [Task.State.SIGNED],
            }
            assert open_leads == expected.get(case.status, []), case.tracking_no
            if case.status in (Status.CLOSED, Status.VOIDED):
                assert all(task.state not in (Task.State.PENDING, Task.State.SIGNED) for task in own)
            by_id = {task.pk: task for task in own}
            for row in log:
                if "task" in row.data:
                    task = by_id[row.data["task"]]
                    assert not task.lead and task.signed_at is not None and task.signed_at <= row.at
                    if row.data["event"] == "done":
                        assert task.state == Task.State.DONE and task.done_at == row.at

    def test_cases_lie_in_the_grid_the_locator_finds(self, year: Summary, db: None) -> None:
        points = list(Case.objects.values_list("lon", "lat", "grid_id", "generation_id"))
        locator = Locator.load(points[0][3])
        for lon, lat, grid, _generation in points:
            assert lon is not None and lat is not None
            located = locator.locate(lon, lat)
            assert located is not None and located.grid_id == grid

    def test_the_year_has_the_proportions_of_a_district(self, year: Summary, db: None) -> None:
        cases = list(Case.objects.all())
        total = len(cases)
        channels = Counter(case.channel for case in cases)
        for channel, share in (
            (Channel.SNAP, 0.35),
            (Channel.WECHAT, 0.30),
            (Channel.PATROL, 0.20),
            (Channel.HOTLINE, 0.10),
        ):
            assert abs(channels[channel] / total - share) < 0.04, channel
        categories = Counter(Case.objects.values_list("category__name", flat=True))
        names = [name for name, _n in categories.most_common(3)]
        assert "暴露垃圾" in names and "路灯异常" in names
        assert categories["走失人员"] < total * 0.005  # few lost persons
        registered = [case for case in cases if case.registered_at is not None]
        closed = [case for case in registered if case.status == Status.CLOSED]
        assert 0.97 < len(closed) / len(registered) < 0.995
        in_grid = Transition.objects.filter(move=workflow.Move.SOLVE_IN_GRID).count()
        assert 0.28 < in_grid / len(closed) < 0.42
        assert 0.5 < sum(bool(case.rating) for case in closed) / len(closed) < 0.7
        ratings = Counter(
            Transition.objects.filter(move=workflow.Move.RATE).values_list("data__rating", flat=True)
        )
        assert ratings[Rating.SATISFIED] > 0.8 * sum(ratings.values()) and ratings[Rating.DISSATISFIED] > 0
        statuses = Counter(case.status for case in cases)
        assert 0.015 < statuses[Status.REJECTED] / total < 0.05 and statuses[Status.MERGED] > 0
        moves = Counter(Transition.objects.values_list("move", flat=True))
        for move in ("verify_fail", "return", "approve_extension", "approve_hold", "reopen", "escalate"):
            assert moves[move] > 0, move

    def test_the_last_weeks_have_open_cases_some_of_them_overdue_and_urged(
        self, year: Summary, db: None
    ) -> None:
        open_cases = list(Case.objects.exclude(status__in=TERMINAL))
        assert open_cases and min(case.created_at for case in open_cases) > datetime(
            2026, 1, 1, tzinfo=SHANGHAI
        )
        overdue = [case for case in open_cases if case.due_at and case.due_at < END and not case.held_since]
        assert overdue and all(case.overdue_urged_at is not None for case in overdue)
        urged = Transition.objects.filter(
            case__in=overdue, move=workflow.Move.URGE, actor_role=workflow.SYSTEM
        )
        assert {row.case_id for row in urged} == {case.pk for case in overdue}

    def test_reports_are_made_in_the_day_and_the_patrol_in_office_hours(
        self, year: Summary, db: None
    ) -> None:
        hours = Counter(case.created_at.astimezone(SHANGHAI).hour for case in Case.objects.all())
        assert sum(hours[h] for h in range(8, 22)) > 0.9 * sum(hours.values())
        patrol = Case.objects.filter(channel=Channel.PATROL)
        assert all(8 <= case.created_at.astimezone(SHANGHAI).hour < 18 for case in patrol)
        assert all(case.reported_by_id is not None and not case.reporter_phone_hash for case in patrol)

    def test_reporters_phones_are_encrypted_like_residents_and_open_the_tracking_page(
        self, year: Summary, db: None
    ) -> None:
        case = Case.objects.exclude(reporter_phone_encrypted="").order_by("pk").first()
        assert case is not None
        cipher = cipher_for(settings.FIELD_ENCRYPTION_KEY)
        phone = cipher.decrypt(case.reporter_phone_encrypted)
        assert phone.isdigit() and len(phone) == 11 and case.reporter_phone_encrypted != phone
        assert (case.reporter_phone_hash, case.reporter_phone_last4) == (
            cipher.lookup_hash(phone),
            phone[-4:],
        )
        assert queries.find_for_tracking(case.tracking_no, phone[-4:]) == case

    def test_new_reports_continue_the_tracking_numbers_of_the_demo(self, year: Summary, db: None) -> None:
        last = Case.objects.order_by("-created_at").first()
        assert last is not None
        number = next_tracking_no(last.created_at)
        assert number.startswith(last.tracking_no[:-4]) and number > last.tracking_no
        assert not Case.objects.filter(tracking_no=number).exists()

    def test_a_live_move_continues_a_demo_case(self, year: Summary, db: None) -> None:
        case = Case.objects.filter(status=Status.IN_PROGRESS, lead_department__isnull=False).first()
        assert case is not None
        post = Post.objects.filter(
            role=Role.DEPARTMENT_HANDLER, department=case.lead_department, active=True
        ).first()
        assert post is not None
        actions.report_done(case, post.user, note="已处理完毕。")
        case.refresh_from_db()
        assert case.status == Status.HANDLED and case.version == Transition.objects.filter(case=case).count()


def test_the_same_seed_and_day_give_the_same_year(db: None) -> None:
    def year_of(until: date) -> list[tuple[str, str, datetime, str, int]]:
        with transaction.atomic():
            demo.build(seed=2, grids=4, residents=300, cases=120, until=until)
            found = [
                (case.tracking_no, case.status, case.created_at, case.description, case.version)
                for case in Case.objects.order_by("tracking_no")
            ]
            transaction.set_rollback(True)
        return found

    first = year_of(UNTIL)
    assert len(first) == 120
    assert year_of(UNTIL) == first
    assert year_of(date(2026, 5, 1)) != first


def test_the_command_takes_the_number_of_cases_and_the_end_of_the_year(db: None) -> None:
    out = StringIO()
    with translation.override("en"):
        call_command(
            "demo",
            "--no-serve",
            "--grids",
            "4",
            "--residents",
            "300",
            "--cases",
            "40",
            "--until",
            "2026-03-01",
            stdout=out,
        )
    assert "  a year of cases: " in out.getvalue() and "40 cases" in out.getvalue()
    created = list(Case.objects.values_list("created_at", flat=True))
    end = datetime(2026, 3, 1, tzinfo=SHANGHAI)
    assert len(created) == 40 and all(end.replace(year=2025) <= at < end for at in created)


@pytest.mark.parametrize(
    ("flags", "reason"), [(["--cases", "-1"], "cannot be negative"), (["--until", "June"], "not a date")]
)
def test_the_command_refuses_a_bad_number_of_cases_or_date(db: None, flags: list[str], reason: str) -> None:
    with pytest.raises(CommandError, match=reason), translation.override("en"):
        call_command("demo", "--no-serve", "--grids", "4", "--residents", "300", *flags, stdout=StringIO())
    assert not Case.objects.exists()


def test_the_phase_reloads_categories_after_a_reset(db: None) -> None:
    # `gridgov demo --reset` empties every table, the categories that migrations load included.
    Category.objects.all().delete()
    demo.build(seed=1, grids=4, residents=300, cases=30, until=UNTIL)
    assert Case.objects.count() == 30 and Category.objects.filter(code="01037", kind="matter").exists()
