"""Service notices: published to chosen grids, posted by their robots, shown on the public page, withdrawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gridgov.groups import actions
from gridgov.groups.models import GroupRobot, ServiceNotice
from gridgov.groups.stub import WecomStub
from gridgov.groups.tests.conftest import KEY_A1
from gridgov.notify.models import OutboxMessage
from gridgov.notify.worker import deliver_due
from gridgov.people.models import User
from gridgov.testing import MiniDistrict

NOW = datetime(2026, 6, 23, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
STAFF_PAGE = "/groups/notices/"
KEY_B1 = "b1b1b1b1-0000-4000-8000-b1b1b1b1b1b1"


@pytest.fixture(autouse=True)
def pinned(settings: Any) -> Any:
    settings.LANGUAGE_CODE = "en"
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def robot_b1(mini: MiniDistrict, stub: WecomStub) -> GroupRobot:
    url = stub.add_robot(KEY_B1)
    return GroupRobot.objects.create(grid=mini.grid_b1, webhook_url=url, updated_at=timezone.now())


def signed_in(client: Client, user: User) -> Client:
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def form(**values: Any) -> dict[str, Any]:
    data = {
        "kind": "water",
        "title": "清水塘片区计划停水",
        "body": "因管网改造，6月24日8:00至18:00停水，请提前储水。",
        "starts_at": "2026-06-24T08:00",
        "ends_at": "2026-06-24T18:00",
    }
    data.update(values)
    return data


def notice_posts() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel="wecom").order_by("recipient"))


def test_publishing_queues_one_post_per_chosen_grid_with_a_robot(
    client: Client, mini: MiniDistrict, robot_a1: GroupRobot, robot_b1: GroupRobot, stub: WecomStub
) -> None:
    grids = [mini.grid_a1.code, mini.grid_b1.code, mini.grid_c1.code]  # C1 has no robot

    response = signed_in(client, mini.dispatcher).post(STAFF_PAGE, form(grids=grids), follow=True)

    notice = ServiceNotice.objects.get()
    assert "Published to 3 grids; 2 group robots will post it." in response.text
    assert set(notice.grids.all()) == {mini.grid_a1, mini.grid_b1, mini.grid_c1}
    assert [m.recipient for m in notice_posts()] == sorted([str(robot_a1.pk), str(robot_b1.pk)])
    assert deliver_due().sent == 2
    (text,) = stub.texts(KEY_A1)
    assert text.startswith("【water cut】清水塘片区计划停水")
    assert "2026-06-24 08:00 – 2026-06-24 18:00" in text and "请提前储水" in text
    assert f"https://gridgov.example/notices/{notice.pk}/" in text
    assert stub.texts(KEY_B1) == [text]


def test_publishing_writes_the_posts_in_one_statement(
    mini: MiniDistrict, robot_a1: GroupRobot, robot_b1: GroupRobot
) -> None:
    with CaptureQueriesContext(connection) as queries:
        actions.publish_notice(
            mini.dispatcher,
            kind="power",
            title="停电",
            body="线路检修",
            starts_at=NOW + timedelta(days=1),
            ends_at=NOW + timedelta(days=1, hours=4),
            grids=[mini.grid_a1, mini.grid_b1],
        )

    outbox = [q for q in queries.captured_queries if "notify_outboxmessage" in q["sql"]]
    assert len(outbox) == 1 and len(notice_posts()) == 2


def test_the_public_page_shows_the_notice_escaped(client: Client, mini: MiniDistrict) -> None:
    notice, _posted = actions.publish_notice(
        mini.dispatcher,
        kind="campaign",
        title='<script>alert("t")</script>义诊活动',
        body="<b>周六</b>社区义诊\n请带医保卡",
        starts_at=NOW,
        ends_at=NOW + timedelta(days=2),
        grids=[mini.grid_a1],
    )
    client.cookies["django_language"] = "en"

    listing = client.get("/notices/")
    detail = client.get(f"/notices/{notice.pk}/")

    assert listing.status_code == 200 and detail.status_code == 200
    for html in (listing.text, detail.text):
        assert (
            "<script>alert" not in html
            and "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;义诊活动" in html
        )
    assert "&lt;b&gt;周六&lt;/b&gt;社区义诊" in detail.text and "清水塘社区" in detail.text
    assert f'data-notice="{notice.pk}"' in listing.text


def test_the_public_page_filters_by_grid_code_or_community(client: Client, mini: MiniDistrict) -> None:
    def publish(title: str, grid: Any) -> ServiceNotice:
        return actions.publish_notice(
            mini.dispatcher,
            kind="other",
            title=title,
            body="…",
            starts_at=NOW,
            ends_at=NOW + timedelta(days=1),
            grids=[grid],
        )[0]

    a1, c1 = publish("A1 的通知", mini.grid_a1), publish("C1 的通知", mini.grid_c1)

    def shown(query: dict[str, str]) -> list[str]:
        html = client.get("/notices/", query).text
        return [title for title in ("A1 的通知", "C1 的通知") if title in html]

    assert shown({}) == ["A1 的通知", "C1 的通知"]
    assert shown({"grid": mini.grid_c1.code}) == ["C1 的通知"]
    assert shown({"community": mini.grid_a1.community.code}) == ["A1 的通知"]
    assert shown({"community": "no-such-community"}) == [
        "A1 的通知",
        "C1 的通知",
    ]  # an invalid filter filters nothing
    assert a1.pk != c1.pk


def test_a_notice_that_is_over_leaves_the_list_but_keeps_its_page(client: Client, mini: MiniDistrict) -> None:
    notice, _ = actions.publish_notice(
        mini.dispatcher,
        kind="gas",
        title="燃气检修",
        body="…",
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=2),
        grids=[mini.grid_a1],
    )
    client.cookies["django_language"] = "en"

    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        assert "燃气检修" not in client.get("/notices/").text
        assert "This notice is over." in client.get(f"/notices/{notice.pk}/").text


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"grids": []}, "Choose at least one grid, or all your grids."),
        ({"ends_at": "2026-06-24T07:00"}, "The end must come after the start."),
        (
            {"starts_at": "2026-06-20T08:00", "ends_at": "2026-06-21T08:00"},
            "The notice would already be over.",
        ),
        ({"title": ""}, "This field is required."),
        ({"body": "长" * 2001}, "Ensure this value has at most 2000 characters"),
        ({"starts_at": "not a date"}, "Enter a valid date/time."),
        ({"kind": "flood"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_a_clear_error_and_nothing_is_written(
    client: Client, mini: MiniDistrict, robot_a1: GroupRobot, values: dict[str, Any], error: str
) -> None:
    data = form(grids=[mini.grid_a1.code])
    data.update(values)

    response = signed_in(client, mini.dispatcher).post(STAFF_PAGE, data)

    assert response.status_code == 200 and error in response.text
    assert not ServiceNotice.objects.exists() and notice_posts() == []


def test_a_street_dispatcher_addresses_only_the_grids_of_their_street(
    client: Client, mini: MiniDistrict
) -> None:
    response = signed_in(client, mini.street_dispatcher).post(STAFF_PAGE, form(grids=[mini.grid_a1.code]))

    assert "Select a valid choice." in response.text and not ServiceNotice.objects.exists()
    with pytest.raises(ValidationError, match="grids of your area"):
        actions.publish_notice(
            mini.street_dispatcher,
            kind="water",
            title="x",
            body="y",
            starts_at=NOW,
            ends_at=NOW + timedelta(hours=1),
            grids=[mini.grid_a1],
        )


def test_all_my_grids_means_every_grid_the_publisher_covers(client: Client, mini: MiniDistrict) -> None:
    signed_in(client, mini.street_dispatcher).post(STAFF_PAGE, form(all_grids="on"))

    assert list(ServiceNotice.objects.get().grids.all()) == [mini.grid_c1]


def test_a_department_handler_may_announce_to_any_grid(client: Client, mini: MiniDistrict) -> None:
    response = signed_in(client, mini.handler).post(STAFF_PAGE, form(all_grids="on"), follow=True)

    assert response.status_code == 200
    assert ServiceNotice.objects.get().grids.count() == 4


@pytest.mark.parametrize("persona", ["worker_a", "police_a", "leader"])
def test_who_does_not_publish_notices_gets_403(client: Client, mini: MiniDistrict, persona: str) -> None:
    user = signed_in(client, getattr(mini, persona))

    assert user.get(STAFF_PAGE).status_code == 403
    assert user.post(STAFF_PAGE, form(grids=[mini.grid_a1.code])).status_code == 403
    assert not ServiceNotice.objects.exists()


def test_withdrawing_hides_the_notice_and_tells_the_groups(
    client: Client, mini: MiniDistrict, robot_a1: GroupRobot, stub: WecomStub
) -> None:
    notice, _ = actions.publish_notice(
        mini.dispatcher,
        kind="water",
        title="计划停水",
        body="…",
        starts_at=NOW + timedelta(days=1),
        ends_at=NOW + timedelta(days=1, hours=8),
        grids=[mini.grid_a1],
    )
    deliver_due()
    staff = signed_in(client, mini.dispatcher)

    response = staff.post(f"/groups/notices/{notice.pk}/withdraw/", follow=True)

    assert "is withdrawn; 1 groups are told." in response.text
    client.logout()
    assert "计划停水" not in client.get("/notices/").text
    assert "This notice was withdrawn" in client.get(f"/notices/{notice.pk}/").text
    deliver_due()
    assert [text.splitlines()[0] for text in stub.texts(KEY_A1)] == [
        "【water cut】计划停水",
        "[Withdrawn] water cut: 计划停水",
    ]


def test_a_notice_withdrawn_before_its_post_went_out_is_not_posted(
    mini: MiniDistrict, robot_a1: GroupRobot, stub: WecomStub
) -> None:
    notice, _ = actions.publish_notice(
        mini.dispatcher,
        kind="water",
        title="计划停水",
        body="…",
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=8),
        grids=[mini.grid_a1],
    )
    actions.withdraw_notice(mini.dispatcher, notice)

    deliver_due()

    texts = stub.texts(KEY_A1)
    assert len(texts) == 1 and texts[0].startswith("[Withdrawn]")
    failed = OutboxMessage.objects.get(kind="group_notice")
    assert failed.failed_at is not None and "withdrawn before it was posted" in failed.last_error


def test_only_the_publisher_or_who_covers_all_its_grids_withdraws(client: Client, mini: MiniDistrict) -> None:
    notice, _ = actions.publish_notice(
        mini.dispatcher,
        kind="water",
        title="计划停水",
        body="…",
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=8),
        grids=[mini.grid_a1],
    )

    response = signed_in(client, mini.street_dispatcher).post(
        f"/groups/notices/{notice.pk}/withdraw/", follow=True
    )

    assert "Only its publisher" in response.text
    assert ServiceNotice.objects.get().withdrawn_at is None
    with pytest.raises(actions.Refused):
        actions.withdraw_notice(mini.worker_a, notice)
    actions.withdraw_notice(mini.dispatcher, notice)
    with pytest.raises(actions.Refused, match="already withdrawn"):
        actions.withdraw_notice(mini.dispatcher, notice)


def test_the_public_list_costs_the_same_queries_for_few_or_many_notices(
    client: Client, mini: MiniDistrict
) -> None:
    def publish(grids: list[Any]) -> None:
        actions.publish_notice(
            mini.dispatcher,
            kind="campaign",
            title="活动",
            body="…",
            starts_at=NOW,
            ends_at=NOW + timedelta(days=1),
            grids=grids,
        )

    publish([mini.grid_a1])
    client.get("/notices/")
    with CaptureQueriesContext(connection) as few:
        client.get("/notices/")
    for grids in ([mini.grid_b1], [mini.grid_c1, mini.grid_a2], [mini.grid_a1, mini.grid_b1, mini.grid_c1]):
        publish(grids)

    with CaptureQueriesContext(connection) as many:
        html = client.get("/notices/").text

    assert html.count("data-notice=") == 4
    assert len(many) == len(few)
