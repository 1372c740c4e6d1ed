"""`rows.atomic` where it opens the transaction: Django's rules of `transaction.atomic`, the BEGIN sent late.

These tests leave the block outside any test transaction (as a request runs it). On PostgreSQL the
outermost block tells the server of its transaction only when a statement other than its gathered
writes runs; what the server hears is read from the connection's protocol trace. On SQLite the
same tests show the plain transaction behaves alike.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from gridgov.cases.models import Case
from gridgov.cases.tests import factories as f
from gridgov.lib import rows
from gridgov.notify import outbox
from gridgov.notify.models import OutboxMessage
from gridgov.testing import MiniDistrict

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="only PostgreSQL begins the transaction late"
)


def _notice(case: Any, recipient: str) -> None:
    outbox.enqueue_many(outbox.INBOX, [recipient], outbox.NOTICE, {"title": "t"}, case=case)


def _recipients(case: Any) -> list[str]:
    return sorted(OutboxMessage.objects.filter(case=case).values_list("recipient", flat=True))


@pytest.fixture
def case(mini: MiniDistrict) -> Any:
    case = f.registered(mini)
    OutboxMessage.objects.filter(case=case).delete()
    return case


class Trace:
    """The messages the client sent the server since the trace began (libpq's protocol trace)."""

    def __init__(self, file: Any) -> None:
        self.file = file

    def sent(self) -> list[str]:
        self.file.flush()
        os.lseek(self.file.fileno(), 0, os.SEEK_SET)
        return [line for line in self.file.read().splitlines() if line.startswith("F")]


@pytest.fixture
def heard() -> Iterator[Trace]:
    from psycopg import pq

    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    with tempfile.TemporaryFile("w+") as file:
        pgconn.trace(file.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            yield Trace(file)
        finally:
            pgconn.untrace()


def _control(lines: list[str]) -> list[str]:
    """The transaction control among the messages heard: BEGIN, COMMIT, ROLLBACK, SAVEPOINT …."""
    words = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
    return [word for line in lines for word in words if f'"{word}' in line]


def _clean(connection: Any) -> None:
    """Assert the connection is back in autocommit, outside any block, as Django leaves it."""
    assert connection.get_autocommit() and not connection.in_atomic_block
    assert not connection.atomic_blocks and not connection.run_on_commit
    if connection.vendor == "postgresql":
        assert connection.connection.autocommit


@on_postgresql
def test_a_block_that_only_writes_is_one_statement_without_begin_or_commit(case: Any, heard: Trace) -> None:
    with rows.atomic():
        _notice(case, "a")
        _notice(case, "b")

    sent = heard.sent()
    assert _control(sent) == []
    assert sum("\tExecute\t" in line for line in sent) == 1, sent
    assert _recipients(case) == ["a", "b"]
    _clean(connection)


@on_postgresql
def test_a_read_inside_the_block_begins_the_transaction_and_the_block_commits_it(
    case: Any, heard: Trace
) -> None:
    with rows.atomic():
        _notice(case, "a")
        seen = _recipients(case)  # begins the transaction, then sends "a" inside it
        _notice(case, "b")

    assert seen == ["a"]
    assert _control(heard.sent()) == ["BEGIN", "COMMIT"]
    assert _recipients(case) == ["a", "b"]
    _clean(connection)


def test_a_block_that_fails_after_a_read_keeps_nothing(case: Any) -> None:
    with pytest.raises(LookupError), rows.atomic():
        _notice(case, "a")
        assert _recipients(case) == ["a"]
        _notice(case, "b")
        raise LookupError

    assert _recipients(case) == []
    _clean(connection)


def test_a_block_that_fails_before_any_statement_sends_nothing(case: Any) -> None:
    with pytest.raises(LookupError), rows.atomic():
        _notice(case, "a")
        raise LookupError

    assert _recipients(case) == []
    _clean(connection)


def test_commit_hooks_run_once_after_the_block_commits_and_never_after_it_fails(case: Any) -> None:
    ran: list[str] = []
    with rows.atomic():
        _notice(case, "a")
        transaction.on_commit(lambda: ran.append("written"))
        assert ran == []
    with pytest.raises(LookupError), rows.atomic():
        transaction.on_commit(lambda: ran.append("failed"))
        raise LookupError
    with rows.atomic():
        _notice(case, "b")
        _recipients(case)  # a transaction begun on the server
        transaction.on_commit(lambda: ran.append("begun"))

    assert ran == ["written", "begun"]
    _clean(connection)


def test_a_nested_atomic_block_that_fails_rolls_back_to_its_savepoint(case: Any) -> None:
    with rows.atomic():
        _notice(case, "outer")
        try:
            with transaction.atomic():
                _notice(case, "inner")
                OutboxMessage.objects.filter(case=case).update(kind="changed")
                raise LookupError
        except LookupError:
            pass
        _notice(case, "after")

    assert _recipients(case) == ["after", "outer"]
    assert set(OutboxMessage.objects.filter(case=case).values_list("kind", flat=True)) == {outbox.NOTICE}
    _clean(connection)


def test_the_block_is_a_transaction_to_django_inside(case: Any) -> None:
    with rows.atomic():
        assert not transaction.get_autocommit() and connection.in_atomic_block
        # A locking read needs a transaction; Django refuses one outside.
        assert list(OutboxMessage.objects.select_for_update().filter(case=case)) == []
        with pytest.raises(RuntimeError, match="durable"), transaction.atomic(durable=True):
            pass
        _notice(case, "a")

    assert _recipients(case) == ["a"]
    _clean(connection)


def test_a_database_error_in_the_last_statement_keeps_nothing_and_leaves_the_connection_usable(
    case: Any,
) -> None:
    with pytest.raises(DatabaseError), rows.atomic():
        _notice(case, "a")
        # A notice about a case that does not exist: the last statement fails as a whole.
        outbox.enqueue_many(outbox.INBOX, ["b"], outbox.NOTICE, {}, case=Case(pk=case.pk + 10**6))

    assert _recipients(case) == []
    _clean(connection)
    with rows.atomic():
        _notice(case, "b")
    assert _recipients(case) == ["b"]


def test_writes_sent_before_the_end_of_a_block_that_fails_are_not_kept(case: Any) -> None:
    with pytest.raises(LookupError), rows.atomic():
        _notice(case, "a")
        rows.flush()  # as a move storing a photo sends its transition first
        _notice(case, "b")
        # An update of a table the gathered writes insert into goes after them (sent first).
        rows.update(OutboxMessage, {"kind": "changed"}, {"case": case.pk})
        raise LookupError

    assert _recipients(case) == []
    _clean(connection)


@on_postgresql
def test_a_block_after_the_connection_was_closed_writes_on_the_new_one(case: Any) -> None:
    with rows.atomic():
        _notice(case, "a")
    first = connection.connection
    connection.close()  # as Django does at the end of a request past CONN_MAX_AGE

    with rows.atomic():
        _notice(case, "b")

    assert connection.connection is not first
    assert _recipients(case) == ["a", "b"]
    _clean(connection)
