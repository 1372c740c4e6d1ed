"""The department inbox: sign for, report done with photos, ask for time or a hold, return, assist."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gridgov.cases import actions
from gridgov.cases.models import Attachment, Status, Task
from gridgov.cases.tests import factories as f
from gridgov.people.models import Department, Role, User
from gridgov.testing import MiniDistrict, make_user

TUESDAY = datetime(2026, 6, 23, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
INBOX = "/cases/inbox/"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(TUESDAY, tick=False):
        yield


def signed_in(client: Client, user: User) -> Client:
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def listed(html: str) -> list[str]:
    return re.findall(r'data-inbox-case="([\w-]+)"', html)


def item(html: str, tracking_no: str) -> str:
    """Return the inbox entry of the case."""
    start = html.index(f'data-inbox-case="{tracking_no}"')
    end = html.find("data-inbox-case=", start + 10)
    return html[start : end if end > 0 else len(html)]


def offered(html: str) -> set[str]:
    return set(re.findall(r'data-move="(\w+)"(?: open)?>\s*<summary>', html))


def post(client: Client, case: Any, move: str, **data: Any) -> Any:
    data.setdefault("next", INBOX)
    data.setdefault("version", f.fresh(case).version)
    return client.post(f"/cases/{case.tracking_no}/do/{move}/", data, follow=True)


def test_the_inbox_lists_the_departments_tasks_with_what_the_lead_may_do(
    client: Client, mini: MiniDistrict
) -> None:
    waiting, working = f.dispatched(mini), f.in_progress(mini)
    f.registered(mini)  # not dispatched: nobody's task yet
    other = Department.objects.create(code="gaj", name="区公安分局")
    elsewhere = f.registered(mini)
    actions.dispatch(elsewhere, mini.dispatcher, lead=other)

    html = signed_in(client, mini.handler).get(INBOX).text

    assert sorted(listed(html)) == sorted([waiting.tracking_no, working.tracking_no])
    assert offered(item(html, waiting.tracking_no)) == {"sign", "return"}
    assert offered(item(html, working.tracking_no)) == {
        "report_done",
        "request_extension",
        "request_hold",
        "return",
    }


def test_urgent_tasks_nobody_signed_for_come_first(client: Client, mini: MiniDistrict) -> None:
    normal = f.dispatched(mini)
    with time_machine.travel(datetime(2026, 6, 23, 2, 0, tzinfo=UTC), tick=False):
        urgent = f.dispatched(mini, urgency="urgent")

    assert listed(signed_in(client, mini.handler).get(INBOX).text) == [urgent.tracking_no, normal.tracking_no]


def test_signing_from_the_inbox_comes_back_to_it(client: Client, mini: MiniDistrict) -> None:
    case = f.dispatched(mini)

    response = post(signed_in(client, mini.handler), case, "sign")

    assert response.redirect_chain[-1][0] == INBOX
    assert f.fresh(case).status == Status.IN_PROGRESS
    assert Task.objects.get(case=case).state == Task.State.SIGNED
    assert offered(item(response.text, case.tracking_no)) >= {"report_done"}


def test_report_done_with_photos_before_and_after_leaves_the_inbox(
    client: Client, mini: MiniDistrict
) -> None:
    case = f.in_progress(mini)
    after = SimpleUploadedFile("after.jpg", f.photo(), content_type="image/jpeg")
    before = SimpleUploadedFile("before.jpg", f.photo(), content_type="image/jpeg")

    response = post(
        signed_in(client, mini.handler),
        case,
        "report_done",
        photos=[after],
        before=[before],
        outcome_quantity="2",
    )

    assert case.tracking_no not in listed(response.text)
    case = f.fresh(case)
    assert (case.status, case.outcome_quantity) == (Status.HANDLED, 2)
    assert sorted(Attachment.objects.filter(case=case).values_list("kind", flat=True)) == ["after", "before"]


def test_asking_for_an_extension_records_the_amount_and_a_second_ask_is_refused(
    client: Client, mini: MiniDistrict
) -> None:
    case = f.in_progress(mini)
    signed_in(client, mini.handler)

    post(client, case, "request_extension", amount="3", unit="work_days", reason="等待配件")
    again = post(client, case, "request_extension", amount="1", unit="work_days", reason="再等等")

    asked = f.last_transition(case)
    assert (asked.move, asked.note, asked.data) == (
        "request_extension",
        "等待配件",
        {"amount": 3, "unit": "work_days"},
    )
    assert "A request of this kind is already waiting for an answer." in again.text


def test_a_hold_once_approved_shows_resume_in_the_inbox(client: Client, mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    signed_in(client, mini.handler)
    post(client, case, "request_hold", reason="等待资金")
    actions.approve_hold(f.fresh(case), mini.dispatcher)

    html = client.get(INBOX).text

    assert f.fresh(case).status == Status.ON_HOLD
    assert offered(item(html, case.tracking_no)) == {"resume"}


def test_returning_a_wrong_dispatch_needs_a_reason(client: Client, mini: MiniDistrict) -> None:
    case = f.dispatched(mini)
    signed_in(client, mini.handler)

    refused = post(client, case, "return", reason="")
    assert "Reason: This field is required." in refused.text
    post(client, case, "return", reason="不属于本局职责")

    assert f.fresh(case).status == Status.REGISTERED
    assert Task.objects.get(case=case).state == Task.State.RETURNED
    assert listed(client.get(INBOX).text) == []


def test_an_assisting_department_signs_for_and_finishes_its_own_task(
    client: Client, mini: MiniDistrict
) -> None:
    police = Department.objects.create(code="gaj", name="区公安分局")
    officer = make_user("officer", "孙警官", Role.DEPARTMENT_HANDLER, department=police)
    case = f.registered(mini)
    actions.dispatch(case, mini.dispatcher, lead=mini.department, assists=[police])
    task = Task.objects.get(case=case, department=police)
    signed_in(client, officer)

    html = client.get(INBOX).text
    assert listed(html) == [case.tracking_no]
    assert f'data-task-sign="{task.pk}"' in html

    client.post(f"/cases/tasks/{task.pk}/sign/", {"next": INBOX})
    response = client.post(
        f"/cases/tasks/{task.pk}/done/", {"note": "已配合处置", "next": INBOX}, follow=True
    )

    task.refresh_from_db()
    assert task.state == Task.State.DONE
    assert "your task is done" in response.text
    assert f.fresh(case).status == Status.DISPATCHED  # only the lead's report makes the case handled
    assert listed(response.text) == []


def test_someone_elses_task_cannot_be_signed(client: Client, mini: MiniDistrict) -> None:
    police = Department.objects.create(code="gaj", name="区公安分局")
    case = f.registered(mini)
    actions.dispatch(case, mini.dispatcher, lead=mini.department, assists=[police])
    task = Task.objects.get(case=case, department=police)

    response = signed_in(client, mini.handler).post(f"/cases/tasks/{task.pk}/sign/", follow=True)

    assert "This task is not yours." in response.text
    task.refresh_from_db()
    assert task.state == Task.State.PENDING


def test_a_grid_team_member_finds_their_urgent_alert_in_the_inbox(client: Client, mini: MiniDistrict) -> None:
    case = f.report(code=f.LOST_PERSON, description="老人走失了")

    html = signed_in(client, mini.police_a).get(INBOX).text

    assert listed(html) == [case.tracking_no]
    assert 'data-urgency="emergency"' in html
