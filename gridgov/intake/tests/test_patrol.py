"""The patrol page and actions: a grid-team member's report from their own grid, a matter fixed on the spot."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gridgov.cases import actions
from gridgov.cases.actions import MoveRefused
from gridgov.cases.models import Attachment, Case, Channel, Status, Task, Transition, Urgency
from gridgov.cases.tests import factories as f
from gridgov.notify.models import InboxMessage, OutboxMessage
from gridgov.people.models import Level, Role, User
from gridgov.testing import MiniDistrict

TUESDAY = datetime(2026, 6, 23, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
PATROL = "/patrol/"
TEXT = "绿化带里有一堆暴露垃圾"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Iterator[Path]:
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(TUESDAY, tick=False):
        yield settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def signed_in(client: Client, user: User) -> Client:
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def jpeg(name: str = "spot.jpg", colour: tuple[int, int, int] = (200, 80, 40)) -> SimpleUploadedFile:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (16, 12), colour).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def form(point: tuple[float, float] = f.A1_POINT, **data: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "action": "report",
        "description": TEXT,
        "category": f.GARBAGE,
        "lon": point[0],
        "lat": point[1],
        "photos": [jpeg()],
    }
    values.update(data)
    return values


def fixed(point: tuple[float, float] = f.A1_POINT, **data: Any) -> dict[str, Any]:
    values = form(point, action="fixed", after_photos=[jpeg("after.jpg", (40, 160, 90))], result="已清理干净")
    values.update(data)
    return values


# --- reporting ---------------------------------------------------------------------------------------


def test_the_grid_worker_reports_from_his_grid_and_the_case_awaits_acceptance(
    client: Client, mini: MiniDistrict
) -> None:
    response = signed_in(client, mini.worker_a).post(PATROL, form())

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/patrol/?done={case.tracking_no}"
    assert (case.status, case.channel, case.reported_by) == (Status.REPORTED, Channel.PATROL, mini.worker_a)
    assert (case.grid, case.category) == (mini.grid_a1, f.matter(f.GARBAGE))
    assert list(case.attachments.values_list("kind", flat=True)) == [Attachment.Kind.REPORT]
    report = Transition.objects.get(case=case)
    assert (report.move, report.actor, report.actor_role) == ("report", mini.worker_a, Role.GRID_WORKER)


def test_after_reporting_the_page_shows_the_number_a_link_and_todays_reports(
    client: Client, mini: MiniDistrict
) -> None:
    page = signed_in(client, mini.worker_a).post(PATROL, form(), follow=True)

    number = Case.objects.get().tracking_no
    assert f'data-done="{number}"' in page.text
    assert f'href="/cases/{number}/"' in page.text
    assert f'data-today-case="{number}"' in page.text
    assert f"Reported as {number}." in page.text


def test_todays_list_holds_only_my_patrol_reports_of_today(client: Client, mini: MiniDistrict) -> None:
    with time_machine.travel(TUESDAY - timedelta(days=1), tick=False):
        yesterday = actions.report_on_patrol(mini.worker_a, TEXT, lon=f.A1_POINT[0], lat=f.A1_POINT[1])
    mine = actions.report_on_patrol(mini.worker_a, TEXT, lon=f.A1_POINT[0], lat=f.A1_POINT[1])
    others = actions.report_on_patrol(mini.worker_b, TEXT, lon=f.B1_POINT[0], lat=f.B1_POINT[1])
    resident = f.report()  # the snap page, in the same grid

    html = signed_in(client, mini.worker_a).get(PATROL).text

    assert f'data-today-case="{mine.tracking_no}"' in html
    for case in (yesterday, others, resident):
        assert f'data-today-case="{case.tracking_no}"' not in html


def test_a_point_in_another_grid_is_refused_and_nothing_is_written(
    client: Client, mini: MiniDistrict, media: Path
) -> None:
    signed_in(client, mini.worker_a)

    for data in (form(f.B1_POINT), fixed(f.B1_POINT)):
        response = client.post(PATROL, data)

        assert response.status_code == 200
        assert (
            "The place is in B1网格, not in your grid; patrol reports are for your own grid." in response.text
        )
    assert not Case.objects.exists()
    assert stored_files(media) == []


def test_the_grid_worker_of_b1_reports_in_b1(mini: MiniDistrict) -> None:
    case = actions.report_on_patrol(mini.worker_b, TEXT, lon=f.B1_POINT[0], lat=f.B1_POINT[1])

    assert case.grid == mini.grid_b1


def test_the_police_officer_of_the_grid_reports_but_may_not_close_on_the_spot(
    client: Client, mini: MiniDistrict, media: Path
) -> None:
    signed_in(client, mini.police_a)
    page = client.get(PATROL).text
    assert 'data-testid="report"' in page
    assert 'data-testid="fixed"' not in page  # no button for a move the workflow does not give

    refused = client.post(PATROL, fixed())
    assert "Only the grid worker of A1网格 may close a matter on the spot; report it instead." in refused.text
    assert not Case.objects.exists()
    assert stored_files(media) == []

    client.post(PATROL, form())
    case = Case.objects.get()
    assert (case.status, case.reported_by) == (Status.REPORTED, mini.police_a)
    assert Transition.objects.get(case=case).actor_role == Role.POLICE


@pytest.mark.parametrize("persona", ["dispatcher", "handler", "leader", "admin"])
def test_staff_without_a_grid_post_may_not_patrol(client: Client, mini: MiniDistrict, persona: str) -> None:
    signed_in(client, getattr(mini, persona))

    assert client.get(PATROL).status_code == 403
    assert client.post(PATROL, form()).status_code == 403
    assert not Case.objects.exists()


def test_the_page_needs_a_login(client: Client, mini: MiniDistrict) -> None:
    response = client.get(PATROL)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# --- fixed on the spot -------------------------------------------------------------------------------


def test_fixed_on_the_spot_closes_the_matter_in_the_grid_with_before_and_after_photos(
    client: Client, mini: MiniDistrict
) -> None:
    response = signed_in(client, mini.worker_a).post(PATROL, fixed(), follow=True)

    case = Case.objects.get()
    assert f"Reported and closed on the spot as {case.tracking_no}." in response.text
    assert (case.status, case.level, case.lead_user) == (Status.CLOSED, Level.GRID, mini.worker_a)
    assert case.closed_at == case.registered_at == case.created_at == TUESDAY
    assert case.outcome_quantity == 1
    log = list(
        Transition.objects.filter(case=case)
        .order_by("seq")
        .values_list("seq", "move", "from_status", "to_status", "actor", "actor_role")
    )
    worker, role = mini.worker_a.pk, Role.GRID_WORKER
    assert log == [
        (1, "report", "", Status.REPORTED, worker, role),
        (2, "take_in_grid", Status.REPORTED, Status.SELF_HANDLING, worker, role),
        (3, "solve_in_grid", Status.SELF_HANDLING, Status.CLOSED, worker, role),
    ]
    assert Transition.objects.get(case=case, seq=3).note == "已清理干净"
    photos = dict(case.attachments.values_list("kind", "transition__seq"))
    assert photos == {Attachment.Kind.BEFORE: 2, Attachment.Kind.AFTER: 3}
    assert f'data-done="{case.tracking_no}"' in response.text
    assert "closed" in response.text


def test_fixed_on_the_spot_needs_a_photo_after_the_fix(
    client: Client, mini: MiniDistrict, media: Path
) -> None:
    response = signed_in(client, mini.worker_a).post(PATROL, fixed(after_photos=[]))

    assert "Add a photo after the fix to close the matter on the spot." in response.text
    assert not Case.objects.exists()
    assert stored_files(media) == []


def test_the_action_refuses_a_missing_after_photo_too(mini: MiniDistrict, media: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.report_fixed_on_patrol(
            mini.worker_a, TEXT, lon=f.A1_POINT[0], lat=f.A1_POINT[1], category=f.GARBAGE, after_photos=[]
        )

    assert "after_photos" in refused.value.message_dict
    assert not Case.objects.exists()


def test_a_matter_without_a_category_to_guess_is_refused_before_anything_is_written(
    mini: MiniDistrict, media: Path
) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.report_fixed_on_patrol(
            mini.worker_a, "xyz", lon=f.A1_POINT[0], lat=f.A1_POINT[1], after_photos=[f.photo()]
        )

    assert "category" in refused.value.message_dict
    assert not Case.objects.exists()
    assert stored_files(media) == []


def test_the_category_is_guessed_from_the_text_when_none_is_chosen(mini: MiniDistrict) -> None:
    case = actions.report_fixed_on_patrol(
        mini.worker_a, TEXT, lon=f.A1_POINT[0], lat=f.A1_POINT[1], after_photos=[f.photo()]
    )

    assert case.category is not None
    assert case.status == Status.CLOSED


def test_an_urgent_matter_fixed_on_the_spot_leaves_no_open_alert(mini: MiniDistrict) -> None:
    case = actions.report_fixed_on_patrol(
        mini.worker_a,
        TEXT,
        lon=f.A1_POINT[0],
        lat=f.A1_POINT[1],
        category=f.GARBAGE,
        urgency=Urgency.URGENT,
        after_photos=[f.photo()],
    )

    assert not Task.objects.filter(case=case, state__in=(Task.State.PENDING, Task.State.SIGNED)).exists()
    # Nobody is sent to a matter the grid worker has already fixed.
    assert not InboxMessage.objects.filter(case=case).exists()
    assert not OutboxMessage.objects.filter(case=case, channel=OutboxMessage.Channel.INBOX).exists()


def test_the_grid_worker_of_another_grid_may_not_fix_in_a1(mini: MiniDistrict) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.report_fixed_on_patrol(
            mini.worker_b, TEXT, lon=f.A1_POINT[0], lat=f.A1_POINT[1], after_photos=[f.photo()]
        )

    assert "location" in refused.value.message_dict
    assert not Case.objects.exists()


def test_the_police_officer_is_refused_by_the_action(mini: MiniDistrict) -> None:
    with pytest.raises(MoveRefused):
        actions.report_fixed_on_patrol(
            mini.police_a, TEXT, lon=f.A1_POINT[0], lat=f.A1_POINT[1], after_photos=[f.photo()]
        )

    assert not Case.objects.exists()


# --- bad input ---------------------------------------------------------------------------------------

BAD_INPUT: dict[str, tuple[dict[str, Any], str]] = {
    "a 10,000-character text": (
        {"description": "长" * 10_000},
        "Ensure this value has at most 4000 characters (it has 10000).",
    ),
    "a program named .jpg": ({"photos": "program"}, "evil.jpg: The file is not a photo"),
    "a point outside the district": (
        {"lon": f.OUTSIDE[0], "lat": f.OUTSIDE[1]},
        "The place is not in this district.",
    ),
    "coordinates out of range": (
        {"lon": 500, "lat": 27.865},
        "The position is not a valid coordinate; locate again, set a pin or give an address.",
    ),
    "coordinates that are not numbers": (
        {"lon": "NaN", "lat": "east"},
        "The position is not a valid coordinate; locate again, set a pin or give an address.",
    ),
    "no place at all": (
        {"lon": "", "lat": ""},
        "Give the place: your position, a pin on the map or an address.",
    ),
    "half a position": (
        {"lat": ""},
        "The position is incomplete; locate again, set a pin or give an address.",
    ),
    "an empty text": ({"description": "  "}, "This field is required."),
    "an unknown category": ({"category": "99999"}, "Select a valid choice."),
}


@pytest.mark.parametrize("action", ["report", "fixed"])
@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_gets_a_clear_error_and_writes_nothing(
    client: Client, mini: MiniDistrict, media: Path, action: str, case: str
) -> None:
    changes, message = BAD_INPUT[case]
    if changes.get("photos") == "program":  # a fresh upload each time: the client reads it to the end
        changes = {"photos": [SimpleUploadedFile("evil.jpg", b"MZ\x90\x00" * 64, content_type="image/jpeg")]}
    data = (fixed if action == "fixed" else form)(**changes)

    response = signed_in(client, mini.worker_a).post(PATROL, data)

    assert response.status_code == 200
    assert message in response.text
    assert not Case.objects.exists()
    assert stored_files(media) == []


def test_a_program_as_the_after_photo_writes_nothing(client: Client, mini: MiniDistrict, media: Path) -> None:
    bad = SimpleUploadedFile("after.jpg", b"#!/bin/sh\nrm -rf /\n", content_type="image/jpeg")

    response = signed_in(client, mini.worker_a).post(PATROL, fixed(after_photos=[bad]))

    assert "after.jpg: The file is not a photo" in response.text
    assert not Case.objects.exists()
    assert stored_files(media) == []


def test_html_in_the_text_is_stored_as_text_and_shown_escaped(client: Client, mini: MiniDistrict) -> None:
    text = "<script>alert(1)</script> 垃圾"

    page = signed_in(client, mini.worker_a).post(PATROL, form(description=text), follow=True).text

    assert Case.objects.get().description == text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_address_places_the_report_when_there_is_no_position(client: Client, mini: MiniDistrict) -> None:
    from gridgov.lib.address import normalise_address
    from gridgov.territory.models import Building

    Building.objects.create(
        code="QS-1",
        community=mini.grid_a1.community,
        grid=mini.grid_a1,
        name="清水塘1栋",
        address="清水塘1栋",
        address_key=normalise_address("清水塘1栋"),
        lon=f.A1_POINT[0],
        lat=f.A1_POINT[1],
    )

    signed_in(client, mini.worker_a).post(PATROL, form(lon="", lat="", address="清水塘1栋"))

    assert Case.objects.get().grid == mini.grid_a1


def test_the_confirmation_shows_only_my_own_report(client: Client, mini: MiniDistrict) -> None:
    case = actions.report_on_patrol(mini.worker_a, TEXT, lon=f.A1_POINT[0], lat=f.A1_POINT[1])

    html = signed_in(client, mini.police_a).get(f"{PATROL}?done={case.tracking_no}").text

    assert 'data-testid="done"' not in html


def test_the_page_runs_the_same_queries_however_many_reports_today(
    client: Client, mini: MiniDistrict
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signed_in(client, mini.worker_a)
    counts = []
    for _round in range(2):
        for _report in range(3):
            actions.report_on_patrol(mini.worker_a, TEXT, lon=f.A1_POINT[0], lat=f.A1_POINT[1])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PATROL).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
