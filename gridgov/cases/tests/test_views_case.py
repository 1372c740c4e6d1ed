"""The case page and the move endpoint: timeline, photos, deadlines, buttons, scope, bounded queries."""

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
from gridgov.cases.models import Attachment, Status, Transition
from gridgov.cases.tests import factories as f
from gridgov.people.models import User
from gridgov.testing import MiniDistrict

# A Tuesday morning in Shanghai (01:30 UTC is 09:30 there): working hours, no holiday.
TUESDAY = datetime(2026, 6, 23, 1, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(TUESDAY, tick=False):
        yield


def signed_in(client: Client, user: User) -> Client:
    client.cookies["django_language"] = "en"  # assertions read the English msgids
    client.force_login(user)
    return client


def page(client: Client, case: Any) -> str:
    response = client.get(f"/cases/{case.tracking_no}/")
    assert response.status_code == 200
    return response.text


def move(client: Client, case: Any, name: str, **data: Any) -> Any:
    return client.post(f"/cases/{case.tracking_no}/do/{name}/", data, follow=True)


def offered(html: str) -> set[str]:
    """Return the moves the page offers as buttons."""
    return set(re.findall(r'data-move="(\w+)"(?: open)?>\s*<summary>', html))


def png(name: str = "after.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, f.photo("PNG"), content_type="image/png")


# --- what the page shows ---------------------------------------------------------------------------


def test_the_page_shows_every_transition_with_time_in_shanghai_actor_role_and_note(
    client: Client, mini: MiniDistrict
) -> None:
    case = f.in_progress(mini)
    actions.note(case, mini.handler, "已到现场，正在协调", public=True)

    html = page(signed_in(client, mini.dispatcher), case)

    moves = re.findall(r'<li data-move="(\w+)"', html)
    assert moves == ["report", "accept", "dispatch", "sign", "note"]
    assert '<time datetime="2026-06-23T09:30:00+08:00">2026-06-23 09:30</time>' in html
    assert "赵调度 · dispatcher" in html
    assert "钱处置 · department handler" in html
    assert "已到现场，正在协调" in html
    assert 'data-testid="status">in progress</span>' in html


def test_the_page_shows_both_deadlines_with_their_colour(client: Client, mini: MiniDistrict) -> None:
    case = f.dispatched(mini)

    html = page(signed_in(client, mini.dispatcher), case)
    assert re.search(r'data-testid="stage-due"><span class="clock clock--green" data-colour="green"', html)
    assert re.search(r'data-testid="case-due"><span class="clock clock--green" data-colour="green"', html)

    with time_machine.travel(datetime(2026, 7, 30, 1, 30, tzinfo=UTC), tick=False):
        html = page(signed_in(client, mini.dispatcher), case)  # the old session has expired
    assert 'data-testid="stage-due"><span class="clock clock--red" data-colour="red"' in html


def test_the_page_shows_the_tasks_lead_and_assisting_with_their_states(
    client: Client, mini: MiniDistrict
) -> None:
    from gridgov.people.models import Department

    police = Department.objects.create(code="gaj", name="区公安分局")
    case = f.registered(mini)
    actions.dispatch(case, mini.dispatcher, lead=mini.department, assists=[police])
    actions.sign(case, mini.handler)

    html = page(signed_in(client, mini.dispatcher), case)

    tasks = re.search(r'data-testid="tasks">(.*?)</section>', html, re.S)
    assert tasks is not None
    assert re.search(r"lead</span>\s*区城管局</span>\s*<span[^>]*>signed for", tasks.group(1))
    assert re.search(r"assisting</span>\s*区公安分局</span>\s*<span[^>]*>awaiting sign-for", tasks.group(1))


def test_the_page_offers_the_moves_the_workflow_allows_this_user(client: Client, mini: MiniDistrict) -> None:
    case = f.dispatched(mini)

    handler_html = page(signed_in(client, mini.handler), case)
    dispatcher_html = page(signed_in(Client(), mini.dispatcher), case)

    assert offered(handler_html) == {"sign", "escalate", "return", "request_void", "note"}
    assert "sign" not in offered(dispatcher_html)
    assert {"urge", "note", "escalate", "request_void"} <= offered(dispatcher_html)


def test_an_approval_is_offered_only_while_a_request_waits(client: Client, mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    signed_in(client, mini.dispatcher)
    assert "approve_extension" not in offered(page(client, case))

    actions.request_extension(case, mini.handler, "等材料", amount=2, unit="work_days")
    html = page(client, case)

    assert {"approve_extension", "deny_extension"} <= offered(html)
    assert 'data-testid="waiting"' in html


def test_photos_show_in_the_timeline_and_are_served_to_those_who_see_the_case(
    client: Client, mini: MiniDistrict
) -> None:
    case = f.handled(mini)
    attachment = Attachment.objects.get(case=case)

    html = page(signed_in(client, mini.worker_a), case)
    url = f"/cases/{case.tracking_no}/photos/{attachment.pk}/"
    assert f'<img src="{url}"' in html

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == attachment.file.open("rb").read()

    assert signed_in(Client(), mini.worker_b).get(url).status_code == 404


# --- scope -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["worker_b", "street_dispatcher", "police_a"])
def test_users_whose_scope_does_not_cover_the_case_get_404(
    client: Client, mini: MiniDistrict, persona: str
) -> None:
    case = f.report(point=f.A2_POINT)  # grid A2: not worker A's, not street 井龙's

    response = signed_in(client, getattr(mini, persona)).get(f"/cases/{case.tracking_no}/")

    assert response.status_code == 404


def test_a_handler_sees_a_case_dispatched_to_the_department_and_nothing_else(
    client: Client, mini: MiniDistrict
) -> None:
    mine, other = f.dispatched(mini), f.registered(mini)
    signed_in(client, mini.handler)

    assert client.get(f"/cases/{mine.tracking_no}/").status_code == 200
    assert client.get(f"/cases/{other.tracking_no}/").status_code == 404
    assert client.get("/cases/SF19990101-0001/").status_code == 404


# --- moves through the page --------------------------------------------------------------------------


def test_a_move_through_the_page_writes_one_transition_and_says_what_happened(
    client: Client, mini: MiniDistrict
) -> None:
    case = f.dispatched(mini)

    response = move(
        signed_in(client, mini.handler), case, "sign", version=f.fresh(case).version, note="马上去"
    )

    assert response.status_code == 200
    assert f"{case.tracking_no}: sign for — now “in progress”." in response.text
    assert f.fresh(case).status == Status.IN_PROGRESS
    last = f.last_transition(case)
    assert (last.move, last.actor, last.note) == ("sign", mini.handler, "马上去")


def test_a_refused_move_shows_the_reason_and_writes_nothing(client: Client, mini: MiniDistrict) -> None:
    case = f.dispatched(mini)
    before = f.counts()

    response = move(signed_in(client, mini.worker_a), case, "sign", version=f.fresh(case).version)

    assert "This case is neither in your area nor assigned to you." in response.text
    assert f.counts() == before


def test_a_move_on_a_page_drawn_before_the_case_changed_is_refused(
    client: Client, mini: MiniDistrict
) -> None:
    case = f.dispatched(mini)
    seen = f.fresh(case).version
    actions.urge(case, mini.dispatcher, "快")  # someone else moves first

    response = move(signed_in(client, mini.handler), case, "sign", version=seen)

    assert "The case has changed since you opened it; reload and try again." in response.text
    assert f.fresh(case).status == Status.DISPATCHED


def test_bad_input_is_refused_by_the_form_before_any_action(client: Client, mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    before = f.counts()

    response = move(signed_in(client, mini.handler), case, "request_extension", amount="0", unit="work_days")

    assert "Amount: Ensure this value is greater than or equal to 1." in response.text
    assert "Reason: This field is required." in response.text
    assert f.counts() == before


def test_report_done_stores_before_and_after_photos(client: Client, mini: MiniDistrict) -> None:
    case = f.in_progress(mini)

    response = move(
        signed_in(client, mini.handler),
        case,
        "report_done",
        photos=[png("a1.png"), png("a2.png")],
        before=[png("b.png")],
        outcome_quantity="3",
        note="已修复",
    )

    assert response.status_code == 200
    case = f.fresh(case)
    assert (case.status, case.outcome_quantity) == (Status.HANDLED, 3)
    kinds = sorted(Attachment.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["after", "after", "before"]


def test_a_file_that_is_not_an_image_is_refused_with_its_name(client: Client, mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")

    response = move(signed_in(client, mini.handler), case, "report_done", photos=[fake])

    assert (
        "photo.jpg: The file is not a photo: only JPEG, PNG, WebP and HEIC images are accepted."
        in response.text
    )
    assert f.fresh(case).status == Status.IN_PROGRESS


def test_an_unknown_move_and_a_get_are_not_served(client: Client, mini: MiniDistrict) -> None:
    case = f.dispatched(mini)
    signed_in(client, mini.dispatcher)

    assert client.post(f"/cases/{case.tracking_no}/do/teleport/").status_code == 404
    assert client.get(f"/cases/{case.tracking_no}/do/urge/").status_code == 405


def test_it_goes_back_to_the_page_it_came_from_but_never_off_site(client: Client, mini: MiniDistrict) -> None:
    case = f.dispatched(mini)
    signed_in(client, mini.dispatcher)

    inside = client.post(f"/cases/{case.tracking_no}/do/urge/", {"next": "/cases/overdue/"})
    outside = client.post(f"/cases/{case.tracking_no}/do/urge/", {"next": "https://evil.example/"})

    assert inside["Location"] == "/cases/overdue/"
    assert outside["Location"] == f"/cases/{case.tracking_no}/"


# --- bounded queries --------------------------------------------------------------------------------


CASE_PAGE_QUERIES = 18


@pytest.mark.parametrize("reports", [3, 30])
def test_a_new_reports_page_with_routing_and_duplicates_runs_a_bounded_number_of_queries(
    client: Client, mini: MiniDistrict, django_assert_max_num_queries: Any, reports: int
) -> None:
    for _ in range(reports):
        f.report()  # all within 100 m and 72 hours of each other: duplicates
    case = f.report()
    signed_in(client, mini.dispatcher)

    with django_assert_max_num_queries(CASE_PAGE_QUERIES):
        html = page(client, case)

    assert {"accept_dispatch", "accept", "reject", "merge"} <= offered(html)
    assert html.count("data-duplicate=") == min(reports, 10)


@pytest.mark.parametrize("notes", [1, 30])
def test_the_case_page_runs_a_bounded_number_of_queries(
    client: Client, mini: MiniDistrict, django_assert_max_num_queries: Any, notes: int
) -> None:
    case = f.in_progress(mini)
    for number in range(notes):
        actions.note(case, mini.handler, f"进展 {number}", public=False)
    actions.report_done(case, mini.handler, photos=[f.photo()] * 3)
    for _ in range(notes // 10):
        f.report()  # more cases in the district
    signed_in(client, mini.dispatcher)

    with django_assert_max_num_queries(CASE_PAGE_QUERIES):
        html = page(client, case)

    assert html.count('<li data-move="note"') == notes
    assert Transition.objects.filter(case=case).count() == notes + 5
