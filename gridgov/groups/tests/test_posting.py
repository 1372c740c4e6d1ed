"""Group posts of case moves: queued in the move's transaction, delivered by the worker through the robot."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from gridgov.cases import actions
from gridgov.cases.tests import factories as f
from gridgov.groups import posting
from gridgov.groups.models import GroupRobot
from gridgov.groups.posting import grids_with_robots
from gridgov.groups.stub import WecomStub
from gridgov.groups.tests.conftest import KEY_A1
from gridgov.notify.models import OutboxMessage
from gridgov.notify.worker import deliver_due
from gridgov.testing import MiniDistrict


@pytest.fixture(autouse=True)
def media_and_english(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "en"  # the posts' words in English, whatever the translations hold
    with translation.override("en"):
        yield


def group_posts() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel="wecom").order_by("pk"))


def test_a_case_reported_and_closed_in_the_grid_posts_two_messages_with_its_number(
    mini: MiniDistrict, robot_a1: GroupRobot, stub: WecomStub
) -> None:
    case = f.report(address="清水塘路12号 电话13807312345")
    actions.take_in_grid(case, mini.worker_a)
    actions.solve_in_grid(case, mini.worker_a, [f.photo()])

    report = deliver_due()

    assert report.sent >= 2
    posts = stub.texts(KEY_A1)
    assert len(posts) == 2
    assert all(case.tracking_no in text for text in posts)
    assert posts[0].startswith("[New matter]") and posts[1].startswith("[Closed]")
    assert f"https://gridgov.example/track/{case.tracking_no}/" in posts[1]
    assert "Category: 邻里纠纷" in posts[0] and "Status: closed" in posts[1]
    assert [(m.kind, m.recipient, m.sent_at is not None) for m in group_posts()] == [
        ("group_new", str(robot_a1.pk), True),
        ("group_closed", str(robot_a1.pk), True),
    ]


def test_the_result_of_dispatched_work_is_posted_between_report_and_closing(
    mini: MiniDistrict, robot_a1: GroupRobot, stub: WecomStub
) -> None:
    case = f.closed(mini)

    deliver_due()

    headings = [text.splitlines()[0] for text in stub.texts(KEY_A1)]
    assert headings == ["[New matter]", "[Handled, being verified]", "[Closed]"]
    assert all(case.tracking_no in text for text in stub.texts(KEY_A1))


def test_a_post_names_no_person_and_masks_phone_numbers_in_the_address(
    mini: MiniDistrict, robot_a1: GroupRobot, stub: WecomStub
) -> None:
    f.report(address="建设路88号 刘阿姨 13807312345", description="刘阿姨家楼上漏水，电话13807312345")

    deliver_due()

    (text,) = stub.texts(KEY_A1)
    assert "13807312345" not in text and "漏水" not in text and "刘阿姨" not in text
    assert "Place: 建设路88号 ** ***" in text


def test_a_grid_without_a_robot_gets_no_outbox_row(mini: MiniDistrict, robot_a1: GroupRobot) -> None:
    grids_with_robots()
    with CaptureQueriesContext(connection) as queries:
        case = f.report(point=f.B1_POINT)
        actions.take_in_grid(case, mini.worker_b)

    assert group_posts() == []
    assert _robot_statements(queries) == 0  # no statement at all for a grid without a robot


def test_a_robot_set_up_in_another_process_gets_posts_within_seconds(
    mini: MiniDistrict, robot_a1: GroupRobot, monkeypatch: pytest.MonkeyPatch
) -> None:
    grids_with_robots()
    # Another process sets up B1's robot: this process hears no signal.
    GroupRobot.objects.bulk_create(
        [
            GroupRobot(
                grid=mini.grid_b1, webhook_url=robot_a1.webhook_url + "b1", updated_at=robot_a1.updated_at
            )
        ]
    )
    f.report(point=f.B1_POINT)
    assert len(group_posts()) == 0  # not yet: this process still trusts its list

    checked_at, grids = posting._robots or (0.0, frozenset())
    monkeypatch.setattr(posting, "_robots", (checked_at - posting.ROBOTS_FRESH_SECONDS - 1, grids))
    f.report(point=f.B1_POINT)
    assert len(group_posts()) == 1


def test_a_paused_robot_gets_no_post(mini: MiniDistrict, robot_a1: GroupRobot) -> None:
    GroupRobot.objects.filter(pk=robot_a1.pk).update(active=False)

    f.report()

    assert group_posts() == []


def _robot_statements(queries: CaptureQueriesContext) -> int:
    return sum("groups_grouprobot" in query["sql"] for query in queries.captured_queries)


def test_posting_moves_cost_one_statement_and_the_others_none(
    mini: MiniDistrict, robot_a1: GroupRobot
) -> None:
    statements = {}
    grids_with_robots()  # the process's list of grids with a robot, asked once every few seconds
    with CaptureQueriesContext(connection) as queries:
        case = f.report()
    statements["report"] = (_robot_statements(queries), len(group_posts()))
    steps = [
        ("accept", lambda: actions.accept(case, mini.dispatcher)),
        ("dispatch", lambda: actions.dispatch(case, mini.dispatcher, lead=mini.department)),
        ("sign", lambda: actions.sign(case, mini.handler)),
        ("report_done", lambda: actions.report_done(case, mini.handler, photos=[f.photo()])),
        ("verify_pass", lambda: actions.verify_pass(case, mini.worker_a)),
    ]
    for name, step in steps:
        with CaptureQueriesContext(connection) as queries:
            step()
        statements[name] = (_robot_statements(queries), len(group_posts()))

    # (statements reading the robot table, group posts queued so far)
    assert statements == {
        "report": (1, 1),
        "accept": (0, 1),
        "dispatch": (0, 1),
        "sign": (0, 1),
        "report_done": (1, 2),
        "verify_pass": (1, 3),
    }
