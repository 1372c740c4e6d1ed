"""A move's writes gathered into one statement (`rows.atomic` on PostgreSQL): same rows, same refusals.

Most tests run on both engines: on SQLite `rows.atomic` is a plain transaction and every write its
own statement, so they show both ways give the same result. The transactional ones leave the move
outside any test transaction, where on PostgreSQL the gathered statement runs on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from gridgov.cases import actions
from gridgov.cases.actions import CaseChanged
from gridgov.cases.models import Attachment, Status, Task, Transition
from gridgov.cases.tests import factories as f
from gridgov.lib import rows
from gridgov.notify import outbox
from gridgov.notify.models import OutboxMessage
from gridgov.testing import MiniDistrict

AT = datetime(2026, 6, 22, 2, 0, tzinfo=UTC)
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="writes are gathered on PostgreSQL"
)


@pytest.fixture(autouse=True)
def english_and_media(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def _written(case: Any) -> tuple[int, int, int]:
    """Return how many transitions, tasks and outbox messages the case has."""
    return (
        Transition.objects.filter(case=case).count(),
        Task.objects.filter(case=case).count(),
        OutboxMessage.objects.filter(case=case).count(),
    )


def _statements(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_move_reaches_postgresql_as_one_statement_with_all_its_writes(mini: MiniDistrict) -> None:
    case = f.registered(mini)
    before = _written(case)

    with CaptureQueriesContext(connection) as queries:
        transition = actions.dispatch(case, mini.dispatcher, lead=mini.department, note="请处理")

    statements = _statements(queries)
    assert len(statements) == 1 and statements[0].startswith("WITH"), statements
    # The claim, the transition, the lead task and the handler's notice: all written, ids given back.
    assert _written(case) == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert Transition.objects.get(pk=transition.pk).move == "dispatch"
    assert f.fresh(case).status == Status.DISPATCHED == case.status


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_move_that_lost_the_race_writes_nothing_and_leaves_the_case_as_read(mini: MiniDistrict) -> None:
    case = f.registered(mini)
    stale = f.fresh(case)
    actions.dispatch(case, mini.dispatcher, lead=mini.department)
    after_winner = _written(case)

    with pytest.raises(CaseChanged):
        actions.dispatch(stale, mini.dispatcher, lead=mini.department)

    assert _written(case) == after_winner
    # The loser's object shows the case as it read it, not the values of the move it failed to make.
    assert (stale.status, stale.version, stale.lead_department_id) == (Status.REGISTERED, 2, None)
    assert stale.lead_department is None


def test_a_refused_move_inside_a_test_transaction_writes_nothing_either(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    stale = f.fresh(case)
    actions.report_done(case, mini.handler, outcome_quantity=2)
    after_winner = _written(case)

    with pytest.raises(CaseChanged):
        actions.return_case(stale, mini.handler, "派错了")

    assert _written(case) == after_winner
    assert Task.objects.get(case=case, lead=True).state == Task.State.DONE
    assert (stale.status, f.fresh(case).status) == (Status.IN_PROGRESS, Status.HANDLED)


def test_a_read_inside_the_block_sees_the_writes_gathered_before_it(mini: MiniDistrict) -> None:
    case = f.registered(mini)
    already = OutboxMessage.objects.filter(case=case).count()

    with rows.atomic():
        outbox.enqueue_many(outbox.INBOX, ["1", "2"], outbox.NOTICE, {"title": "t"}, case=case)
        seen = OutboxMessage.objects.filter(case=case).count()

    assert seen == already + 2


def test_an_update_after_an_insert_into_the_same_table_reaches_the_new_rows(mini: MiniDistrict) -> None:
    case = f.registered(mini)
    names = ("case", "lead", "department", "state", "created_at", "note")

    with rows.atomic():
        rows.insert(Task, names, [[case, False, mini.department, "pending", AT, ""]] * 2)
        rows.update(Task, {"state": "cancelled"}, {"case": case.pk, "state": "pending"})

    assert list(Task.objects.filter(case=case).values_list("state", flat=True)) == ["cancelled"] * 2


def test_a_block_that_fails_writes_nothing_it_gathered(mini: MiniDistrict) -> None:
    case = f.registered(mini)
    before = _written(case)

    with pytest.raises(ZeroDivisionError), rows.atomic():
        outbox.enqueue_many(outbox.INBOX, ["1"], outbox.NOTICE, {"title": "t"}, case=case)
        rows.update(Task, {"state": "cancelled"}, {"case": case.pk})
        _ = 1 / 0

    assert _written(case) == before


def test_a_nested_block_that_fails_keeps_the_writes_of_the_block_around_it(mini: MiniDistrict) -> None:
    case = f.registered(mini)

    def notice(recipient: str) -> None:
        outbox.enqueue_many(outbox.INBOX, [recipient], outbox.NOTICE, {"title": "t"}, case=case)

    with rows.atomic():
        notice("before")
        try:
            with rows.atomic():
                notice("inner")
                raise LookupError
        except LookupError:
            pass
        notice("after")

    recipients = OutboxMessage.objects.filter(case=case, channel=outbox.INBOX).values_list(
        "recipient", flat=True
    )
    assert sorted(recipients) == ["after", "before"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_photos_of_a_move_belong_to_its_transition(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)

    transition = actions.report_done(case, mini.handler, photos=[f.photo()], before=[f.photo("PNG")])

    assert transition.pk is not None
    kinds = Attachment.objects.filter(transition_id=transition.pk).values_list("kind", flat=True)
    assert sorted(kinds) == ["after", "before"]
    assert f.fresh(case).status == Status.HANDLED
