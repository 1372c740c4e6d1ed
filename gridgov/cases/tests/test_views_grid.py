"""The grid worker's phone page: my grid's cases, solving in the grid, verifying, a quick report."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gridgov.cases.models import Attachment, Case, Channel, Status
from gridgov.cases.tests import factories as f
from gridgov.people.models import User
from gridgov.testing import MiniDistrict

TUESDAY = datetime(2026, 6, 23, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
GRID = "/cases/grid/"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(TUESDAY, tick=False):
        yield


def signed_in(client: Client, user: User) -> Client:
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def section(html: str, key: str) -> list[str]:
    """Return the tracking numbers listed in a section of the page."""
    start = html.index(f'data-section="{key}"')
    end = html.find("data-section=", start + 10)
    return re.findall(r'data-grid-case="([\w-]+)"', html[start:end])


def jpeg(name: str = "spot.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, f.photo(), content_type="image/jpeg")


def post(client: Client, case: Case, move: str, **data: Any) -> Any:
    data.setdefault("next", GRID)
    data.setdefault("version", f.fresh(case).version)
    return client.post(f"/cases/{case.tracking_no}/do/{move}/", data, follow=True)


def test_the_page_lists_my_grids_cases_by_what_they_need(client: Client, mini: MiniDistrict) -> None:
    new, handled, dispatched = f.report(), f.handled(mini), f.dispatched(mini)
    closed = f.closed(mini)
    f.report(point=f.B1_POINT)  # another grid

    html = signed_in(client, mini.worker_a).get(GRID).text

    assert section(html, "new") == [new.tracking_no]
    assert section(html, "verify") == [handled.tracking_no]
    assert section(html, "others") == [dispatched.tracking_no]
    assert section(html, "mine") == []
    assert closed.tracking_no in html[html.index('data-section="closed"') :]


def test_people_without_a_grid_post_are_refused(client: Client, mini: MiniDistrict) -> None:
    assert signed_in(client, mini.dispatcher).get(GRID).status_code == 403


def test_a_grid_team_member_sees_the_grid_but_not_the_grid_workers_buttons(
    client: Client, mini: MiniDistrict
) -> None:
    f.report()

    html = signed_in(client, mini.police_a).get(GRID).text

    assert len(section(html, "new")) == 1
    assert 'data-move="take_in_grid"' not in html


def test_a_small_matter_is_taken_into_the_grid_and_solved_with_a_photo(
    client: Client, mini: MiniDistrict
) -> None:
    case = f.report()
    signed_in(client, mini.worker_a)

    taken = post(client, case, "take_in_grid")
    assert section(taken.text, "mine") == [case.tracking_no]

    refused = post(client, case, "solve_in_grid", outcome_quantity="1")
    assert "Evidence photos: Add at least one photo." in refused.text
    solved = post(client, case, "solve_in_grid", photos=[jpeg()], outcome_quantity="1", note="已调解")

    case = f.fresh(case)
    assert (case.status, case.outcome_quantity, case.lead_user) == (Status.CLOSED, 1, mini.worker_a)
    assert Attachment.objects.get(case=case).kind == "after"
    assert section(solved.text, "mine") == []


def test_the_grid_worker_verifies_handled_work_or_sends_it_back(client: Client, mini: MiniDistrict) -> None:
    good, poor = f.handled(mini), f.handled(mini)
    signed_in(client, mini.worker_a)

    post(client, good, "verify_pass", photos=[jpeg()], note="现场已恢复")
    post(client, poor, "verify_fail", reason="垃圾仍未清理")

    assert f.fresh(good).status == Status.CLOSED
    assert f.fresh(poor).status == Status.IN_PROGRESS
    assert f.last_transition(poor).data == {"rework": True}


def test_the_worker_of_another_grid_cannot_verify(client: Client, mini: MiniDistrict) -> None:
    case = f.handled(mini)

    response = post(signed_in(client, mini.worker_b), case, "verify_pass")

    assert response.status_code == 404
    assert f.fresh(case).status == Status.HANDLED


# --- the quick report ------------------------------------------------------------------------------


def test_a_quick_report_from_the_phones_position_lands_in_the_grid(
    client: Client, mini: MiniDistrict
) -> None:
    lon, lat = f.A1_POINT

    response = signed_in(client, mini.worker_a).post(
        GRID,
        {
            "description": "路边有一堆建筑垃圾",
            "category": f.matter(f.GARBAGE).pk,
            "lon": lon,
            "lat": lat,
            "photos": [jpeg()],
        },
    )

    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.tracking_no}/"
    assert (case.grid, case.channel, case.reported_by) == (mini.grid_a1, Channel.PATROL, mini.worker_a)
    assert (case.category.code, case.status) == (f.GARBAGE, Status.REPORTED)
    assert Attachment.objects.get(case=case).kind == "report"


def test_a_quick_report_needs_a_place(client: Client, mini: MiniDistrict) -> None:
    response = signed_in(client, mini.worker_a).post(GRID, {"description": "路灯不亮"})

    assert response.status_code == 200
    assert "Give the place: use your position or type an address." in response.text
    assert not Case.objects.exists()


def test_a_quick_report_outside_the_district_shows_the_intake_error(
    client: Client, mini: MiniDistrict
) -> None:
    lon, lat = f.OUTSIDE

    response = signed_in(client, mini.worker_a).post(
        GRID, {"description": "路灯不亮", "lon": lon, "lat": lat}
    )

    assert "The place is not in this district." in response.text
    assert "路灯不亮" in response.text  # the text is kept for another try
    assert not Case.objects.exists()
