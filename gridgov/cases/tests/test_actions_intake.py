"""Reporting a matter: validation, the grid, the tracking number, the first transition, notices, alerts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from gridgov.cases import actions
from gridgov.cases.models import Attachment, Case, Channel, Stage, Status, Task, Transition, Urgency
from gridgov.cases.queries import queue_for
from gridgov.cases.tests import factories as f
from gridgov.lib.address import building_key
from gridgov.lib.coords import from_wgs84
from gridgov.lib.crypto import cipher_for
from gridgov.notify.models import InboxMessage, OutboxMessage
from gridgov.people.models import Role
from gridgov.territory.models import Building
from gridgov.testing import MiniDistrict

# Monday 2026-06-22, 10:00 in Shanghai: inside working hours.
MONDAY_10 = datetime(2026, 6, 22, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english_and_media(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Store photos in a temporary folder; read messages in English (the msgids)."""
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


@time_machine.travel(MONDAY_10, tick=False)
def test_it_stores_a_report_with_grid_tracking_number_first_transition_and_clock(mini: MiniDistrict) -> None:
    case = f.report()

    assert case.tracking_no == "SF20260622-0001"
    stored = f.fresh(case)
    assert (stored.status, stored.version, stored.grid, stored.generation) == (
        Status.REPORTED,
        1,
        mini.grid_a1,
        mini.generation,
    )
    assert stored.category == f.matter(f.DISPUTE)
    assert stored.description == "楼下两户邻居因为停车位吵架，已经好几天了"
    assert (stored.stage, stored.stage_started_at) == (Stage.ACCEPT, MONDAY_10)
    # Acceptance: 2 working hours from Monday 10:00 → 12:00 Shanghai.
    assert stored.due_at == datetime(2026, 6, 22, 4, 0, tzinfo=UTC)
    transition = Transition.objects.get(case=case)
    assert (transition.seq, transition.move, transition.from_status, transition.to_status) == (
        1,
        "report",
        "",
        Status.REPORTED,
    )
    assert (transition.actor, transition.actor_role, transition.public) == (None, "reporter", True)


def test_it_encrypts_the_reporters_phone_and_keeps_its_last_four_digits(mini: MiniDistrict) -> None:
    case = f.fresh(f.report(reporter_phone="138 0731 2345"))

    assert f.PHONE not in case.reporter_phone_encrypted
    assert case.reporter_phone_last4 == "2345"
    assert len(case.reporter_phone_hash) == 64
    assert cipher_for(settings.FIELD_ENCRYPTION_KEY).decrypt(case.reporter_phone_encrypted) == f.PHONE


def test_it_acknowledges_the_report_without_the_phone_in_the_outbox(mini: MiniDistrict) -> None:
    case = f.report()

    message = OutboxMessage.objects.get(case=case)
    assert (message.channel, message.kind) == ("sms", "acknowledge")
    assert f.PHONE not in message.recipient and f.PHONE not in str(message.payload)
    assert case.tracking_no in message.payload["text"]


def test_it_answers_on_the_reply_address_the_reporter_gave(mini: MiniDistrict) -> None:
    case = f.report(reporter_contact="wechat:o-abc123")

    message = OutboxMessage.objects.get(case=case)
    assert (message.channel, message.recipient) == ("wechat", "o-abc123")


def test_it_guesses_the_category_and_takes_its_default_urgency(mini: MiniDistrict) -> None:
    case = f.report(code=None, description="我家孩子不见了，走失快一个小时了")

    assert case.category == f.matter(f.LOST_PERSON)
    assert case.urgency == Urgency.EMERGENCY


def test_a_given_urgency_wins_over_the_categorys_default(mini: MiniDistrict) -> None:
    assert f.report(urgency=Urgency.URGENT).urgency == Urgency.URGENT


def test_it_trims_the_description(mini: MiniDistrict) -> None:
    assert f.fresh(f.report(description="  路灯坏了  \n")).description == "路灯坏了"


def test_it_accepts_a_description_of_4000_characters(mini: MiniDistrict) -> None:
    assert len(f.report(description="灯" * 4000).description) == 4000


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": "   "}, "description"),
        ({"description": "灯" * 4001}, "description"),
        ({"reporter_phone": "12345"}, "reporter_phone"),
        ({"code": "99999"}, "category"),
        ({"urgency": "whenever"}, "urgency"),
        ({"reporter_name": "名" * 51}, "reporter_name"),
        ({"photos": [b"MZ\x90\x00 not an image"]}, "photos"),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(
    mini: MiniDistrict, changes: dict[str, Any], field: str
) -> None:
    before = f.counts()

    with pytest.raises(ValidationError) as refused:
        f.report(**changes)

    assert field in _errors(refused)
    assert f.counts() == before


def test_it_says_a_point_outside_every_grid_is_not_in_this_district(mini: MiniDistrict) -> None:
    with pytest.raises(ValidationError) as refused:
        f.report(point=f.OUTSIDE)

    assert _errors(refused)["location"] == ["The place is not in this district."]
    assert Case.objects.count() == 0


@pytest.mark.parametrize("point", [(113.1, 95.0), (200.0, 27.86), (float("nan"), 27.86)])
def test_it_refuses_coordinates_that_are_not_coordinates(
    mini: MiniDistrict, point: tuple[float, float]
) -> None:
    with pytest.raises(ValidationError) as refused:
        f.report(point=point)

    assert "location" in _errors(refused)
    assert Case.objects.count() == 0


def test_it_refuses_a_report_without_a_place(mini: MiniDistrict) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.report_case(Channel.SNAP, "路灯坏了", reporter_phone=f.PHONE)

    assert "location" in _errors(refused)


def test_it_locates_a_gcj02_point_from_a_chinese_map(mini: MiniDistrict) -> None:
    lon, lat = from_wgs84(*f.B1_POINT, "gcj02")
    case = f.report(point=(lon, lat), crs="gcj02")

    assert case.grid == mini.grid_b1
    assert case.lon == pytest.approx(f.B1_POINT[0], abs=1e-5)


def test_it_locates_an_address_without_a_point(mini: MiniDistrict) -> None:
    Building.objects.create(
        code="QS-2",
        community=mini.grid_c1.community,
        grid=mini.grid_c1,
        name="丁山新村2栋",
        address="丁山新村2栋",
        address_key=building_key("丁山新村2栋"),
        lon=f.C1_POINT[0],
        lat=f.C1_POINT[1],
    )

    case = actions.report_case(
        Channel.HOTLINE, "楼道灯坏了", address="丁山新村2栋3单元201", category=f.DISPUTE
    )

    assert (case.grid, case.address, case.lon) == (mini.grid_c1, "丁山新村2栋3单元201", f.C1_POINT[0])


def test_an_unknown_address_gets_a_clear_error(mini: MiniDistrict) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.report_case(Channel.HOTLINE, "楼道灯坏了", address="火星路1号")

    assert "location" in _errors(refused)


def test_a_grid_worker_on_patrol_reports_in_that_role(mini: MiniDistrict) -> None:
    case = actions.report_case(
        Channel.PATROL, "绿化带里有暴露垃圾", lon=f.A1_POINT[0], lat=f.A1_POINT[1], reported_by=mini.worker_a
    )

    transition = Transition.objects.get(case=case)
    assert (transition.actor, transition.actor_role) == (mini.worker_a, Role.GRID_WORKER)
    # No phone and no reply address: nobody to answer outside the platform.
    assert not OutboxMessage.objects.filter(case=case).exists()


def test_it_stores_report_photos_on_the_first_transition(mini: MiniDistrict) -> None:
    case = f.report(photos=[f.photo(), f.photo("PNG")])

    photos = Attachment.objects.filter(case=case).order_by("pk")
    assert [p.content_type for p in photos] == ["image/jpeg", "image/png"]
    assert {p.kind for p in photos} == {Attachment.Kind.REPORT}
    assert {p.transition.seq for p in photos if p.transition} == {1}


def test_tracking_numbers_count_up_within_a_day(mini: MiniDistrict) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        numbers = [f.report().tracking_no for _ in range(3)]

    assert numbers == ["SF20260622-0001", "SF20260622-0002", "SF20260622-0003"]


# --- urgent matters --------------------------------------------------------------------------------


def test_an_emergency_alerts_the_grid_worker_and_police_at_once(mini: MiniDistrict) -> None:
    case = f.report(code=f.LOST_PERSON, description="小孩走失了")

    tasks = Task.objects.filter(case=case)
    assert {task.user for task in tasks} == {mini.worker_a, mini.police_a}
    assert {task.state for task in tasks} == {Task.State.PENDING}
    inbox = OutboxMessage.objects.filter(case=case, channel="inbox")
    assert {m.recipient for m in inbox} == {str(mini.worker_a.pk), str(mini.police_a.pk)}
    assert not InboxMessage.objects.exists()  # delivered later by the worker, after commit


@time_machine.travel(MONDAY_10, tick=False)
def test_an_emergency_is_on_a_clock_counted_in_minutes(mini: MiniDistrict) -> None:
    case = f.report(code=f.LOST_PERSON, description="小孩走失了")

    # Acceptance of an emergency: 5 minutes.
    assert case.due_at == datetime(2026, 6, 22, 2, 5, tzinfo=UTC)


def test_an_urgent_case_sorts_first_in_every_queue_until_someone_signs(mini: MiniDistrict) -> None:
    older = f.report()
    lost = f.report(code=f.LOST_PERSON, description="小孩走失了")

    assert list(queue_for(mini.dispatcher))[:2] == [lost, older]
    assert queue_for(mini.worker_a).first() == lost

    task = Task.objects.get(case=lost, user=mini.police_a)
    actions.sign_task(task, mini.police_a)

    # Signed: it sorts by its deadline like any other case (it is still first: minutes, not hours).
    assert Task.objects.get(pk=task.pk).state == Task.State.SIGNED
    dispatcher_queue = list(queue_for(mini.dispatcher).values_list("pk", "urgent_first"))
    assert dict(dispatcher_queue)[lost.pk] == 1


def test_the_reporter_is_answered_in_the_sites_language_whatever_the_clerk_reads(
    mini: MiniDistrict, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    with translation.override("zh-hans"):
        case = f.report()

    message = OutboxMessage.objects.get(case=case)
    assert message.payload["text"] == f"We received your report; its tracking number is {case.tracking_no}."
