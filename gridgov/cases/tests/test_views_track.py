"""The public tracking page: no login, no oracle, no staff names; rating after closing; guessing locks a number."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from gridgov.cases import actions
from gridgov.cases.models import FailedLookup, Rating, Status
from gridgov.cases.tests import factories as f
from gridgov.testing import MiniDistrict

TUESDAY = datetime(2026, 6, 23, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
TRACK = "/track/"
LAST4 = f.PHONE[-4:]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(TUESDAY, tick=False):
        yield


def english_client(**defaults: Any) -> Client:
    client = Client(**defaults)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def visitor() -> Client:
    return english_client()


def follow(client: Client, tracking_no: str, last4: str = LAST4) -> Any:
    return client.post(TRACK, {"tracking_no": tracking_no, "last4": last4}, follow=True)


def test_the_form_opens_without_login(visitor: Client, db: None) -> None:
    response = visitor.get(TRACK)

    assert response.status_code == 200
    assert 'data-testid="track-form"' in response.text


def test_the_reporter_sees_the_public_timeline_without_staff_names(
    visitor: Client, mini: MiniDistrict
) -> None:
    case = f.in_progress(mini)
    actions.note(case, mini.handler, "已安排人员上门调解", public=True)
    actions.note(case, mini.handler, "当事人电话13807312345", public=False)

    response = follow(visitor, case.tracking_no.lower())

    assert response.redirect_chain[-1][0] == f"/track/{case.tracking_no}/"
    html = response.text
    words = re.findall(r"<strong>([^<]+)</strong>", html[html.index('data-testid="public-timeline"') :])
    assert words == [
        "Report received",
        "Accepted and registered",
        "Sent to those responsible",
        "Work has started",
        "Progress update",
    ]
    assert "已安排人员上门调解" in html
    for private in ("钱处置", "赵调度", "区城管局", "13807312345", "刘阿姨", case.description):
        assert private not in html
    assert 'data-testid="rate-form"' not in html


def test_a_wrong_number_and_wrong_digits_get_the_same_answer(visitor: Client, mini: MiniDistrict) -> None:
    case = f.report()

    wrong_digits = follow(visitor, case.tracking_no, "0000")
    wrong_number = follow(english_client(), "SF20260623-9999")

    for response in (wrong_digits, wrong_number):
        assert response.status_code == 200
        assert response.redirect_chain == []
        assert "No report matches this tracking number and these digits." in response.text
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|value="SF[\w-]+"')
    assert strip.sub("", wrong_digits.text) == strip.sub("", wrong_number.text)


def test_malformed_digits_are_explained_without_looking_anything_up(visitor: Client, db: None) -> None:
    response = visitor.post(TRACK, {"tracking_no": "SF20260623-0001", "last4": "12a"})

    assert "Enter four digits." in response.text
    assert 'data-testid="not-found"' not in response.text


def test_a_case_page_not_proven_in_this_browser_sends_back_to_the_form(
    visitor: Client, mini: MiniDistrict
) -> None:
    case = f.report()

    for number in (case.tracking_no, "SF20260623-9999"):
        response = visitor.get(f"/track/{number}/")
        assert response["Location"] == f"/track/?no={number}"


def test_after_closing_the_reporter_rates_the_result(visitor: Client, mini: MiniDistrict) -> None:
    case = f.closed(mini)
    html = follow(visitor, case.tracking_no).text
    assert 'data-testid="rate-form"' in html

    response = visitor.post(
        f"/track/{case.tracking_no}/rate/", {"rating": Rating.SATISFIED, "comment": "很及时"}, follow=True
    )

    assert "Thank you for your rating." in response.text
    assert "You rated the result: satisfied" in response.text
    assert 'data-testid="rate-form"' not in response.text
    case = f.fresh(case)
    assert (case.rating, case.status) == (Rating.SATISFIED, Status.CLOSED)
    assert (f.last_transition(case).actor, f.last_transition(case).actor_role) == (None, "reporter")


def test_a_dissatisfied_rating_reopens_the_case_for_review(visitor: Client, mini: MiniDistrict) -> None:
    case = f.closed(mini)
    follow(visitor, case.tracking_no)

    response = visitor.post(f"/track/{case.tracking_no}/rate/", {"rating": Rating.DISSATISFIED}, follow=True)

    assert "Reopened for review" in response.text
    assert f.fresh(case).status == Status.REGISTERED


def test_rating_a_case_not_proven_here_changes_nothing(visitor: Client, mini: MiniDistrict) -> None:
    case = f.closed(mini)

    response = visitor.post(f"/track/{case.tracking_no}/rate/", {"rating": Rating.DISSATISFIED})

    assert response["Location"] == f"/track/?no={case.tracking_no}"
    assert f.fresh(case).rating == ""


# --- failed lookups per tracking number -----------------------------------------------------------------

LOCKED = "This tracking number has been entered with wrong digits too many times"
NOT_FOUND = "No report matches this tracking number and these digits."


def guess(tracking_no: str, attempts: int) -> list[Any]:
    """Post wrong digits for the number, each attempt from another network (the per-network limit never bites)."""
    return [
        follow(english_client(REMOTE_ADDR=f"10.20.{n // 250}.{n % 250 + 1}"), tracking_no, f"{n:04d}")
        for n in range(attempts)
    ]


def test_ten_wrong_guesses_lock_the_number_even_for_the_right_digits(mini: MiniDistrict) -> None:
    case = f.report()
    typed = [case.tracking_no, f"  {case.tracking_no.lower()} "]  # counted under one normalised number

    answers = [
        follow(english_client(REMOTE_ADDR=f"10.30.0.{n}"), typed[n % 2], f"{n:04d}") for n in range(10)
    ]
    reporter = follow(english_client(REMOTE_ADDR="10.9.8.7"), case.tracking_no)

    assert all(NOT_FOUND in answer.text for answer in answers)
    assert reporter.status_code == 429
    assert reporter.redirect_chain == []
    assert LOCKED in reporter.text
    assert "cannot be looked up for the next 1\xa0day. Please try again then, or call 12345" in reporter.text
    assert NOT_FOUND not in reporter.text
    for private in (case.description, "Report received", 'data-testid="public-timeline"'):
        assert private not in reporter.text
    # Nothing was proven in this browser: the case page sends it back to the form.
    assert reporter.client.get(f"/track/{case.tracking_no}/")["Location"] == f"/track/?no={case.tracking_no}"


def test_a_locked_number_leaves_other_numbers_open(mini: MiniDistrict) -> None:
    locked, other = f.report(), f.report()
    guess(locked.tracking_no, 10)

    response = follow(english_client(), other.tracking_no)

    assert response.redirect_chain[-1][0] == f"/track/{other.tracking_no}/"
    assert 'data-testid="public-timeline"' in response.text
    assert FailedLookup.objects.filter(tracking_no=other.tracking_no).count() == 0


def test_a_made_up_number_locks_like_a_real_one(mini: MiniDistrict) -> None:
    case = f.report()
    made_up = "SF20260623-0777"
    guess(case.tracking_no, 10)
    guess(made_up, 10)

    real = follow(english_client(REMOTE_ADDR="10.9.8.7"), case.tracking_no)
    fake = follow(english_client(REMOTE_ADDR="10.9.8.7"), made_up)

    assert real.status_code == fake.status_code == 429
    assert LOCKED in fake.text
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|value="SF[\w-]+"')
    assert strip.sub("", real.text) == strip.sub("", fake.text)


def test_successful_lookups_do_not_count_toward_the_number_limit(
    visitor: Client, mini: MiniDistrict, settings: Any
) -> None:
    settings.GRIDGOV_TRACK_LIMIT_NUMBER = 1
    case = f.report()

    for _time in range(3):
        assert follow(visitor, case.tracking_no).redirect_chain[-1][0] == f"/track/{case.tracking_no}/"
    assert FailedLookup.objects.count() == 0


def test_the_number_limit_at_zero_is_off(mini: MiniDistrict, settings: Any) -> None:
    settings.GRIDGOV_TRACK_LIMIT_NUMBER = 0
    case = f.report()

    guess(case.tracking_no, 15)
    response = follow(english_client(REMOTE_ADDR="10.9.8.7"), case.tracking_no)

    assert response.redirect_chain[-1][0] == f"/track/{case.tracking_no}/"
    assert FailedLookup.objects.count() == 0


def test_the_lock_ends_when_the_window_has_passed(mini: MiniDistrict, settings: Any) -> None:
    settings.GRIDGOV_TRACK_LIMIT_NUMBER = 2
    settings.GRIDGOV_TRACK_LIMIT_NUMBER_WINDOW = 3600
    case = f.report()
    guess(case.tracking_no, 2)

    with time_machine.travel(TUESDAY + timedelta(minutes=59), tick=False):
        refused = follow(english_client(REMOTE_ADDR="10.9.8.7"), case.tracking_no)
    with time_machine.travel(TUESDAY + timedelta(minutes=60, seconds=1), tick=False):
        opened = follow(english_client(REMOTE_ADDR="10.9.8.7"), case.tracking_no)

    assert refused.status_code == 429
    assert "cannot be looked up for the next 1\xa0minute." in refused.text
    assert opened.redirect_chain[-1][0] == f"/track/{case.tracking_no}/"
