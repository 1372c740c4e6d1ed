from __future__ import annotations

from django.test import Client
from django.utils import timezone

from gridgov.notify.models import OutboxMessage
from gridgov.notify.outbox import enqueue, notify_user
from gridgov.notify.worker import deliver_due
from gridgov.testing import MiniDistrict


def test_an_administrator_sees_failed_messages_with_their_reason(client: Client, mini: MiniDistrict) -> None:
    enqueue("sms", "13812345678", "notice", {"title": "x"})
    notify_user(mini.handler, "新工单")
    deliver_due()
    client.force_login(mini.admin)
    response = client.get("/admin/notify/outboxmessage/", {"delivery": "failed"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert "sms" in response.content.decode()


def test_retry_now_queues_a_failed_message_again(client: Client, mini: MiniDistrict) -> None:
    enqueue("sms", "13812345678", "notice", {"title": "x"})
    deliver_due()
    message = OutboxMessage.objects.get()
    client.force_login(mini.admin)
    response = client.post(
        "/admin/notify/outboxmessage/", {"action": "retry_now", "_selected_action": [message.pk]}
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.failed_at, message.attempts, message.last_error) == (None, 0, "")
    assert message.available_at <= timezone.now()


def test_the_outbox_is_read_only_in_the_admin(client: Client, mini: MiniDistrict) -> None:
    message = notify_user(mini.handler, "新工单")
    client.force_login(mini.admin)
    assert client.get("/admin/notify/outboxmessage/add/").status_code == 403
    response = client.post(f"/admin/notify/outboxmessage/{message.pk}/change/", {"recipient": "1"})
    assert response.status_code == 403
    assert OutboxMessage.objects.get().recipient == str(mini.handler.pk)


def test_a_grid_worker_cannot_see_the_outbox(client: Client, mini: MiniDistrict) -> None:
    client.force_login(mini.worker_a)
    response = client.get("/admin/notify/outboxmessage/")
    assert response.status_code == 302
