"""Read side of the actions: who sees which case, which buttons they get, their queue, the timeline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from gridgov.benchmarks.transitions import LOOP, _measure
from gridgov.cases import actions
from gridgov.cases.permissions import can_view_case, moves_for, visible_cases
from gridgov.cases.queries import open_cases_for, queue_for, timeline
from gridgov.cases.tests import factories as f
from gridgov.people.policy import forget_posts
from gridgov.testing import MiniDistrict


@pytest.fixture(autouse=True)
def english_and_media(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def test_each_persona_sees_the_cases_of_their_area_or_their_work(mini: MiniDistrict) -> None:
    in_a1 = f.dispatched(mini)
    in_b1 = f.report(point=f.B1_POINT)
    in_c1 = f.report(point=f.C1_POINT)

    assert set(visible_cases(mini.dispatcher)) == {in_a1, in_b1, in_c1}
    assert set(visible_cases(mini.worker_a)) == {in_a1}
    assert set(visible_cases(mini.worker_b)) == {in_b1}
    assert set(visible_cases(mini.street_dispatcher)) == {in_c1}
    assert set(visible_cases(mini.handler)) == {in_a1}
    assert (can_view_case(mini.handler, in_a1), can_view_case(mini.handler, in_b1)) == (True, False)
    assert (can_view_case(mini.worker_b, in_a1), can_view_case(mini.worker_b, in_b1)) == (False, True)


def test_a_department_still_sees_a_case_it_returned(mini: MiniDistrict) -> None:
    case = f.dispatched(mini)
    actions.return_case(case, mini.handler, "派错了")

    assert can_view_case(mini.handler, f.fresh(case))


def test_each_persona_gets_the_buttons_of_their_moves(mini: MiniDistrict) -> None:
    reported = f.report()
    dispatched = f.dispatched(mini)

    assert moves_for(mini.dispatcher, reported) == ["accept", "reject", "merge", "urge", "note"]
    assert moves_for(mini.worker_a, reported) == ["take_in_grid", "note"]
    assert moves_for(mini.worker_b, reported) == []
    assert moves_for(mini.handler, reported) == []
    assert moves_for(mini.handler, dispatched) == ["escalate", "sign", "return", "request_void", "note"]
    assert "sign" not in moves_for(mini.worker_a, dispatched)


def test_a_handlers_queue_holds_their_departments_open_tasks(mini: MiniDistrict) -> None:
    mine = f.dispatched(mini)
    f.report()
    done = f.closed(mini)

    assert list(queue_for(mini.handler)) == [mine]
    assert done not in list(queue_for(mini.dispatcher))


def test_the_queue_is_one_query_whatever_its_length(mini: MiniDistrict) -> None:
    for _ in range(3):
        f.report()
    f.report(code=f.LOST_PERSON)
    forget_posts(mini.dispatcher)
    queue_for(mini.dispatcher)  # reads the dispatcher's posts once

    with CaptureQueriesContext(connection) as queries:
        rows = list(queue_for(mini.dispatcher).select_related("category", "grid"))

    assert len(rows) == 4
    assert len(queries) == 1


def test_the_overdue_board_lists_every_open_case_in_the_area(mini: MiniDistrict) -> None:
    open_case = f.dispatched(mini)
    f.closed(mini)

    assert list(open_cases_for(mini.leader)) == [open_case]


def test_the_staff_timeline_names_who_did_what(mini: MiniDistrict) -> None:
    case = f.closed(mini)

    rows = timeline(case)

    assert [t.move for t in rows] == ["report", "accept", "dispatch", "sign", "report_done", "verify_pass"]
    assert [t.actor for t in rows][1:] == [
        mini.dispatcher,
        mini.dispatcher,
        mini.handler,
        mini.handler,
        mini.worker_a,
    ]


def test_the_benchmark_loop_runs_and_counts_its_queries(db: None, settings: Any, tmp_path: Any) -> None:
    figures = _measure(25, 1, lambda line: None)

    # 25 cases, 20 of them warming up; on PostgreSQL half the rest run without waiting for the flush.
    assert figures["cases"] in (5, 2)
    assert figures["moves"] == figures["cases"] * len(LOOP)
    assert 0 < figures["queries_per_move"] <= 8
    assert figures["moves_per_s"] > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the statements are replayed on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_benchmark_replays_the_moves_statements_and_leaves_each_case_moved_once(
    settings: Any, tmp_path: Any
) -> None:
    from gridgov.cases.models import Case, Status, Transition

    figures = _measure(29, 1, lambda line: None)

    # 29 cases: 20 warm up, then a third each for the headline, without the flush wait, in threads.
    assert figures["cases"] == 3 and figures["statements_only_moves_per_s"] > 0
    # The replay put the headline's cases back and moved them again: once, as the moves had.
    assert set(Case.objects.values_list("status", flat=True)) == {Status.CLOSED}
    logs = Transition.objects.values_list("case_id", flat=True)
    assert {logs.filter(case_id=pk).count() for pk in Case.objects.values_list("pk", flat=True)} == {
        1 + len(LOOP)
    }
