from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import translation

from gridgov.notify.channels import registered
from gridgov.notify.models import OutboxMessage
from gridgov.notify.outbox import enqueue
from gridgov.notify.worker import TickReport, Worker, claim, deliver_due
from gridgov.testing import MiniDistrict

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer; row locks need PostgreSQL"
)


@pytest.fixture
def restore_signals() -> Iterator[None]:
    """Put back the SIGTERM and SIGINT handlers the worker command installs."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_once_runs_one_tick_and_says_what_it_did(mini: MiniDistrict) -> None:
    enqueue("inbox", str(mini.handler.pk), "notice", {"title": "新工单"})
    enqueue("sms", "13812345678", "notice", {"title": "x"})
    out = StringIO()
    with translation.override("en"):
        call_command("worker", "--once", stdout=out)
    assert "Sent 1, to retry 0, failed 1; urged 0 overdue cases." in out.getvalue()
    assert OutboxMessage.objects.filter(sent_at__isnull=False).count() == 1
    assert OutboxMessage.objects.filter(failed_at__isnull=False).count() == 1
    assert mini.handler.inbox.count() == 1


@pytest.mark.django_db
def test_it_refuses_a_nonsense_interval() -> None:
    with pytest.raises(CommandError):
        call_command("worker", "--interval", "0")


@pytest.mark.django_db
def test_the_loop_stops_after_the_current_tick() -> None:
    worker = Worker(interval=0.01)
    reports: list[TickReport] = []

    def on_tick(report: TickReport) -> None:
        reports.append(report)
        if len(reports) == 3:
            worker.stop()

    assert worker.run(on_tick) == 3


@pytest.mark.django_db
def test_sigterm_stops_the_worker_command(restore_signals: None) -> None:
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    out = StringIO()
    started = time.monotonic()
    with translation.override("en"):
        call_command("worker", "--interval", "0.05", stdout=out)
    assert time.monotonic() - started < 5
    assert "Worker stopped after" in out.getvalue()


@pytest.mark.django_db
def test_a_full_batch_is_worked_off_without_waiting() -> None:
    for n in range(5):
        enqueue("log", str(n), "notice", {"title": "x"})
    worker = Worker(interval=60, batch=2)
    sent: list[int] = []

    def on_tick(report: TickReport) -> None:
        sent.append(report.sent)
        if report.sent < 2:
            worker.stop()

    with registered("log", lambda message: None):
        started = time.monotonic()
        worker.run(on_tick)
    assert sent == [2, 2, 1]
    assert time.monotonic() - started < 30


# --- several workers on PostgreSQL ----------------------------------------------------------------


def _in_thread(target, *args) -> threading.Thread:  # type: ignore[no-untyped-def]
    """Start a thread with its own database connection, closed when it ends."""

    def run() -> None:
        try:
            target(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_claimed_row_is_invisible_to_a_second_worker() -> None:
    for n in range(10):
        enqueue("log", str(n), "notice", {"title": "x"})
    first_claimed: list[int] = []
    holding, release = threading.Event(), threading.Event()

    def first_worker() -> None:
        with transaction.atomic():
            first_claimed.extend(m.pk for m in claim_now(4))
            holding.set()
            release.wait(10)

    thread = _in_thread(first_worker)
    assert holding.wait(10)
    second_claimed: list[int] = []
    _in_thread(lambda: second_claimed.extend(_claim_in_transaction(100))).join(10)
    release.set()
    thread.join(10)
    assert len(first_claimed) == 4
    assert len(second_claimed) == 6
    assert not set(first_claimed) & set(second_claimed)


def claim_now(batch: int) -> list[OutboxMessage]:
    """Claim due messages as of now (inside the caller's transaction)."""
    from django.utils import timezone

    return claim(timezone.now(), batch)


def _claim_in_transaction(batch: int) -> list[int]:
    with transaction.atomic():
        return [m.pk for m in claim_now(batch)]


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_never_deliver_the_same_message() -> None:
    for n in range(40):
        enqueue("slow", str(n), "notice", {"title": "x"})
    delivered: list[int] = []
    lock = threading.Lock()

    def slow(message: OutboxMessage) -> None:
        with lock:
            delivered.append(message.pk)
        time.sleep(0.005)

    def work() -> None:
        while deliver_due(batch=3).sent:
            pass

    with registered("slow", slow):
        threads = [_in_thread(work) for _ in range(2)]
        for thread in threads:
            thread.join(30)
    assert len(delivered) == 40
    assert len(set(delivered)) == 40
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0
