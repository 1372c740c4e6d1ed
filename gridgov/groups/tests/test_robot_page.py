"""The grid worker's robot page: see and set the grid's webhook, send a test post."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from gridgov.groups import actions
from gridgov.groups.models import GroupRobot
from gridgov.groups.stub import WecomStub
from gridgov.groups.tests.conftest import KEY_A1
from gridgov.notify.worker import deliver_due
from gridgov.people.models import User
from gridgov.testing import MiniDistrict

PAGE = "/groups/robot/"
WEBHOOK = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY_A1}"


@pytest.fixture(autouse=True)
def english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


def signed_in(client: Client, user: User) -> Client:
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def save(client: Client, grid_code: str, webhook: str, active: bool = True) -> Any:
    data = {"grid": grid_code, f"{grid_code}-webhook_url": webhook}
    if active:
        data[f"{grid_code}-active"] = "on"
    return client.post(PAGE, data, follow=True)


def test_the_grid_worker_sets_the_grids_robot(client: Client, mini: MiniDistrict) -> None:
    worker = signed_in(client, mini.worker_a)
    assert "No robot is set" in worker.get(PAGE).text

    response = save(worker, mini.grid_a1.code, f"  {WEBHOOK}  ")

    robot = GroupRobot.objects.get()
    assert (robot.grid, robot.webhook_url, robot.active, robot.updated_by) == (
        mini.grid_a1,
        WEBHOOK,
        True,
        mini.worker_a,
    )
    assert "Posting through the robot with key 693a91f6…" in response.text
    assert KEY_A1 not in response.text.replace(f'value="{WEBHOOK}"', "")  # the key shows only in the form


def test_pausing_keeps_the_robot_but_stops_the_posts(client: Client, mini: MiniDistrict) -> None:
    worker = signed_in(client, mini.worker_a)
    save(worker, mini.grid_a1.code, WEBHOOK)

    response = save(worker, mini.grid_a1.code, WEBHOOK, active=False)

    assert "is paused" in response.text and GroupRobot.objects.get().active is False


@pytest.mark.parametrize(
    "webhook",
    [
        "https://evil.example/cgi-bin/webhook/send?key=693a91f6-7aaa",
        "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aaa",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<script>",
        "",
    ],
)
def test_anything_but_a_wecom_webhook_is_refused(client: Client, mini: MiniDistrict, webhook: str) -> None:
    response = save(signed_in(client, mini.worker_a), mini.grid_a1.code, webhook)

    assert response.status_code == 200 and not GroupRobot.objects.exists()
    assert "Paste the robot" in response.text or "This field is required." in response.text


def test_worker_b_cannot_set_a1s_robot(client: Client, mini: MiniDistrict) -> None:
    worker_b = signed_in(client, mini.worker_b)

    assert save(worker_b, mini.grid_a1.code, WEBHOOK).status_code == 403
    assert worker_b.post(f"/groups/robot/{mini.grid_a1.code}/test/").status_code == 302
    assert not GroupRobot.objects.exists()
    with pytest.raises(actions.Refused):
        actions.set_robot(mini.worker_b, mini.grid_a1, WEBHOOK)


@pytest.mark.parametrize("persona", ["police_a", "dispatcher", "handler"])
def test_who_is_no_grid_worker_has_no_robot_page(client: Client, mini: MiniDistrict, persona: str) -> None:
    assert signed_in(client, getattr(mini, persona)).get(PAGE).status_code == 403


def test_a_test_message_reaches_the_group(client: Client, mini: MiniDistrict, stub: WecomStub) -> None:
    stub.add_robot(KEY_A1)
    worker = signed_in(client, mini.worker_a)
    save(worker, mini.grid_a1.code, WEBHOOK)

    response = worker.post(f"/groups/robot/{mini.grid_a1.code}/test/", follow=True)
    deliver_due()

    assert "A test message is on its way to the group." in response.text
    assert stub.texts(KEY_A1) == [
        "Test message from gridgov: this group will hear about the matters of A1网格."
    ]


def test_administrators_keep_robots_and_wecom_accounts_in_the_admin(
    client: Client, mini: MiniDistrict
) -> None:
    admin = signed_in(client, mini.admin)

    response = admin.post(
        "/admin/groups/grouprobot/add/", {"grid": mini.grid_b1.pk, "webhook_url": WEBHOOK, "active": "on"}
    )
    bad = admin.post(
        "/admin/groups/grouprobot/add/", {"grid": mini.grid_a1.pk, "webhook_url": "https://x.example/"}
    )

    assert response.status_code == 302 and bad.status_code == 200
    robot = GroupRobot.objects.get()
    assert (robot.grid, robot.updated_by) == (mini.grid_b1, mini.admin)
    assert (
        admin.post("/admin/groups/wecomaccount/add/", {"user": mini.worker_a.pk, "userid": "zw"}).status_code
        == 302
    )
    client.logout()
    assert signed_in(client, mini.worker_a).get("/admin/groups/grouprobot/").status_code == 302
