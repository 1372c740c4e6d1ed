"""The background worker: deliver the outbox, sweep deadlines; one tick at a time, several workers at once.

Delivery claims due rows inside a transaction. On PostgreSQL the claim is `SELECT … FOR UPDATE SKIP
LOCKED`, so several workers share the queue and a row locked by one is invisible to the others until
that worker commits its outcome. SQLite has a single writer (transactions begin IMMEDIATE), so a plain
transaction serialises workers. Each message is delivered in its own savepoint: a failing deliverer
rolls back only its own writes, and the in-app inbox row commits together with `sent_at`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone

from gridgov.cases.actions.clock import sweep_overdue
from gridgov.notify.channels import PermanentError, deliver
from gridgov.notify.models import OutboxMessage

log = logging.getLogger("gridgov.worker")

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)  # 30 s, 1 min, 2 min … then failed at the 8th attempt
DEFAULT_BATCH = 100
DEFAULT_INTERVAL = 5.0


@dataclass
class TickReport:
    """What one tick did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    urged: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"sent={self.sent} retried={self.retried} failed={self.failed} urged={len(self.urged)}"


def backoff(attempts: int) -> timedelta:
    """Return how long to wait before the next attempt after `attempts` failed ones."""
    return BACKOFF_BASE * 2 ** (attempts - 1)


def claim(now: datetime, batch: int) -> list[OutboxMessage]:
    """Return up to `batch` due messages, locked for this transaction where the database can lock rows."""
    pending = OutboxMessage.objects.filter(
        sent_at__isnull=True, failed_at__isnull=True, available_at__lte=now
    )
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True)
    return list(pending.order_by("available_at", "pk")[:batch])


def deliver_due(now: datetime | None = None, batch: int = DEFAULT_BATCH) -> TickReport:
    """Deliver the due messages of one batch; mark each sent, retried later, or failed."""
    now = now or timezone.now()
    report = TickReport()
    with transaction.atomic():
        for message in claim(now, batch):
            _deliver_one(message, now, report)
    return report


def _deliver_one(message: OutboxMessage, now: datetime, report: TickReport) -> None:
    """Deliver one claimed message in a savepoint and record the outcome on its row."""
    try:
        with transaction.atomic():
            deliver(message)
    except PermanentError as exc:
        _fail(message, now, str(exc), permanent=True)
    except Exception as exc:  # any failure of an outside service is worth another try
        _fail(message, now, f"{type(exc).__name__}: {exc}", permanent=False)
    else:
        message.sent_at = now
        message.attempts += 1
        message.save(update_fields=["sent_at", "attempts"])
        report.sent += 1
        return
    if message.failed_at:
        report.failed += 1
        log.warning("outbox %s failed for good: %s", message.pk, message.last_error)
    else:
        report.retried += 1
        log.info("outbox %s will retry at %s: %s", message.pk, message.available_at, message.last_error)


def _fail(message: OutboxMessage, now: datetime, error: str, *, permanent: bool) -> None:
    """Count a failed attempt: retry later with backoff, or give up after the last attempt."""
    message.attempts += 1
    message.last_error = error[:2000]
    if permanent or message.attempts >= MAX_ATTEMPTS:
        message.failed_at = now
    else:
        message.available_at = now + backoff(message.attempts)
    message.save(update_fields=["attempts", "last_error", "failed_at", "available_at"])


def tick(now: datetime | None = None, batch: int = DEFAULT_BATCH) -> TickReport:
    """Run one tick: deliver the due outbox batch, then urge cases whose clock turned red."""
    now = now or timezone.now()
    report = deliver_due(now, batch)
    report.urged = [t.case.tracking_no for t in sweep_overdue(now, batch)]
    return report


class Worker:
    """The loop of `gridgov worker`: tick, sleep, until stopped (SIGTERM/SIGINT finish the tick first)."""

    def __init__(self, interval: float = DEFAULT_INTERVAL, batch: int = DEFAULT_BATCH) -> None:
        self.interval = interval
        self.batch = batch
        self.stopping = threading.Event()

    def stop(self, *args: object) -> None:
        """Ask the loop to stop after the current tick (usable as a signal handler)."""
        self.stopping.set()

    def run(self, on_tick: Callable[[TickReport], None] | None = None) -> int:
        """Tick until stopped; return the number of ticks run."""
        ticks = 0
        while not self.stopping.is_set():
            ticks += 1
            report = self.safe_tick()
            if on_tick and report:
                on_tick(report)
            # A burst (a full batch) is worked off at once; otherwise wait, waking early on stop.
            if not (report and report.sent + report.retried + report.failed >= self.batch):
                self.stopping.wait(self.interval)
        return ticks

    def safe_tick(self) -> TickReport | None:
        """Run one tick; log and survive database errors (the next tick tries again)."""
        if not connection.in_atomic_block:  # (tests run the loop inside their transaction)
            close_old_connections()  # a long-running process must not keep a broken or stale connection
        try:
            report = tick(batch=self.batch)
        except DatabaseError:
            log.exception("worker tick failed")
            return None
        log.info("worker tick: %s", report)
        return report


__all__ = ["MAX_ATTEMPTS", "TickReport", "Worker", "backoff", "claim", "deliver_due", "tick"]
