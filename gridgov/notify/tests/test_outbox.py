from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from gridgov.lib.worktime import SHANGHAI
from gridgov.notify.channels import PermanentError, registered
from gridgov.notify.models import InboxMessage, OutboxMessage
from gridgov.notify.outbox import enqueue, notify_user
from gridgov.notify.worker import MAX_ATTEMPTS, backoff, deliver_due
from gridgov.testing import MiniDistrict

NOW = datetime(2026, 6, 8, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[None]:
    """Pin the clock: messages are queued and delivered at NOW."""
    with time_machine.travel(NOW, tick=False):
        yield


def pending() -> list[OutboxMessage]:
    """Return the messages neither sent nor failed."""
    return list(OutboxMessage.objects.filter(sent_at__isnull=True, failed_at__isnull=True))


# --- enqueueing -----------------------------------------------------------------------------------


def test_a_notice_commits_with_the_change_or_not_at_all(mini: MiniDistrict) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        notify_user(mini.handler, "新工单", "请签收")
        raise RuntimeError("the move failed after queueing its notice")
    assert not OutboxMessage.objects.exists()


def test_notify_user_queues_an_inbox_message(mini: MiniDistrict) -> None:
    message = notify_user(mini.handler, "新工单", "请签收")
    assert (message.channel, message.recipient, message.kind) == ("inbox", str(mini.handler.pk), "notice")
    assert message.payload == {"title": "新工单", "body": "请签收"}
    assert message.available_at == message.created_at
    assert message.sent_at is None


@pytest.mark.django_db
def test_a_message_can_wait_for_a_later_time() -> None:
    enqueue("email", "duty@example.org", "reminder", {"title": "值班提醒"}, at=NOW + timedelta(hours=1))
    assert deliver_due(NOW).sent == 0
    assert len(pending()) == 1


# --- delivery -------------------------------------------------------------------------------------


def test_the_worker_puts_notices_into_the_inbox(mini: MiniDistrict) -> None:
    notify_user(mini.handler, "新工单", "请签收")
    report = deliver_due(NOW)
    assert report.sent == 1
    inbox = InboxMessage.objects.get(user=mini.handler)
    assert (inbox.title, inbox.body, inbox.read_at) == ("新工单", "请签收", None)
    message = OutboxMessage.objects.get()
    assert (message.sent_at, message.attempts) == (NOW, 1)
    assert deliver_due(NOW).sent == 0  # never twice
    assert InboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_email_goes_through_django_mail(mailoutbox) -> None:  # type: ignore[no-untyped-def]
    enqueue("email", "duty@example.org", "notice", {"title": "工单超时", "body": "SF20260608-0001 已超时"})
    assert deliver_due(NOW).sent == 1
    assert [(m.subject, m.to, m.body) for m in mailoutbox] == [
        ("工单超时", ["duty@example.org"], "SF20260608-0001 已超时")
    ]


@pytest.mark.django_db
def test_an_unknown_channel_fails_for_good_with_the_reason() -> None:
    enqueue("sms", "13812345678", "notice", {"title": "x"})
    report = deliver_due(NOW)
    assert (report.sent, report.failed) == (0, 1)
    message = OutboxMessage.objects.get()
    assert message.failed_at == NOW
    assert "sms" in message.last_error
    assert message.attempts == 1


@pytest.mark.django_db
def test_an_inbox_notice_for_nobody_fails_for_good() -> None:
    enqueue("inbox", "999999", "notice", {"title": "x"})
    deliver_due(NOW)
    message = OutboxMessage.objects.get()
    assert message.failed_at == NOW
    assert "999999" in message.last_error


@pytest.mark.django_db
def test_a_transient_failure_is_retried_with_growing_backoff_then_given_up() -> None:
    calls: list[int] = []

    def flaky(message: OutboxMessage) -> None:
        calls.append(message.pk)
        raise ConnectionError("gateway timed out")

    enqueue("flaky", "x", "notice", {"title": "x"})
    now = NOW
    with registered("flaky", flaky):
        for attempt in range(1, MAX_ATTEMPTS):
            assert deliver_due(now).retried == 1
            message = OutboxMessage.objects.get()
            assert message.attempts == attempt
            assert message.available_at == now + backoff(attempt)
            assert message.last_error == "ConnectionError: gateway timed out"
            assert deliver_due(message.available_at - timedelta(seconds=1)).retried == 0  # not yet
            now = message.available_at
        assert deliver_due(now).failed == 1
    message = OutboxMessage.objects.get()
    assert (message.attempts, message.failed_at) == (MAX_ATTEMPTS, now)
    assert len(calls) == MAX_ATTEMPTS
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]


@pytest.mark.django_db
def test_a_permanent_error_is_not_retried() -> None:
    def refuse(message: OutboxMessage) -> None:
        raise PermanentError("no such group robot")

    enqueue("robot", "x", "notice", {"title": "x"})
    with registered("robot", refuse):
        deliver_due(NOW)
    assert OutboxMessage.objects.get().last_error == "no such group robot"
    assert not pending()


def test_a_failing_deliverer_leaves_nothing_half_written(mini: MiniDistrict) -> None:
    def half(message: OutboxMessage) -> None:
        InboxMessage.objects.create(user=mini.handler, title="half", created_at=NOW)
        raise ConnectionError("died after writing")

    enqueue("half", "x", "notice", {"title": "x"})
    notify_user(mini.handler, "完整", "")
    with registered("half", half):
        report = deliver_due(NOW)
    assert (report.sent, report.retried) == (1, 1)
    assert list(InboxMessage.objects.values_list("title", flat=True)) == ["完整"]


@pytest.mark.django_db
def test_a_batch_delivers_the_oldest_first() -> None:
    delivered: list[str] = []
    for n in range(5):
        enqueue("log", str(n), "notice", {"title": "x"}, at=NOW - timedelta(minutes=n))
    with registered("log", lambda message: delivered.append(message.recipient)):
        assert deliver_due(NOW, batch=3).sent == 3
        assert deliver_due(NOW, batch=3).sent == 2
    assert delivered == ["4", "3", "2", "1", "0"]
