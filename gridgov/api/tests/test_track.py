"""GET /api/v1/track/{no}: the reporter's public timeline, proven by the phone's last four digits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from django.test import Client

from gridgov.api.tests.conftest import TUESDAY, Api
from gridgov.cases import actions
from gridgov.cases.models import FailedLookup
from gridgov.cases.tests import factories as f
from gridgov.testing import MiniDistrict


def test_the_reporter_reads_the_public_timeline_without_staff_names(public: Api, mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    actions.note(case, mini.handler, "已到现场，正在协调", public=True)
    actions.note(case, mini.handler, "内部：需要物业配合", public=False)

    response = public.get(f"/track/{case.tracking_no}", phone_last4=f.PHONE[-4:])

    assert response.status_code == 200
    answer = response.json()
    assert answer["tracking_no"] == case.tracking_no
    assert answer["status"] == "in_progress"
    assert [entry["words"] for entry in answer["timeline"]] == [
        "Report received",
        "Accepted and registered",
        "Sent to those responsible",
        "Work has started",
        "Progress update",
    ]
    assert answer["timeline"][-1]["text"] == "已到现场，正在协调"
    assert answer["timeline"][0]["at"] == "2026-06-23T09:30:00+08:00"
    text = response.content.decode()
    for secret in ("钱处置", "赵调度", "内部", f.PHONE, "handler", "dispatcher"):
        assert secret not in text


def test_a_wrong_number_and_wrong_digits_get_the_same_404(public: Api, mini: MiniDistrict) -> None:
    case = f.report()

    wrong_digits = public.get(f"/track/{case.tracking_no}", phone_last4="0000")
    wrong_number = public.get("/track/SF20990101-0001", phone_last4=f.PHONE[-4:])

    assert wrong_digits.status_code == wrong_number.status_code == 404
    assert wrong_digits.json() == wrong_number.json()
    assert wrong_digits.json() == {"errors": {"__all__": ["No report has this tracking number and phone."]}}


def test_tracking_without_the_digits_gets_422(public: Api, mini: MiniDistrict) -> None:
    case = f.report()

    response = public.get(f"/track/{case.tracking_no}")

    assert response.status_code == 422
    assert response.json() == {"errors": {"phone_last4": ["This field is required."]}}


# --- failed lookups per tracking number -----------------------------------------------------------------

LOCKED = "This tracking number has been entered with wrong digits too many times"


def guess(tracking_no: str, attempts: int) -> list[Any]:
    """Ask with wrong digits, each attempt from another network."""
    return [
        Api(Client(REMOTE_ADDR=f"10.20.0.{n + 1}")).get(f"/track/{tracking_no}", phone_last4=f"{n:04d}")
        for n in range(attempts)
    ]


def test_ten_wrong_guesses_lock_the_number_with_429_even_for_the_right_digits(
    public: Api, mini: MiniDistrict
) -> None:
    case, other = f.report(), f.report()

    answers = guess(f"  {case.tracking_no.lower()} ", 10)
    right = public.get(f"/track/{case.tracking_no}", phone_last4=f.PHONE[-4:])

    assert [answer.status_code for answer in answers] == [404] * 10
    assert right.status_code == 429
    [message] = right.json()["errors"]["__all__"]
    assert message.startswith(LOCKED)
    assert "cannot be looked up for the next 1\xa0day. Please try again then, or call 12345" in message
    assert list(right.json()) == ["errors"]
    assert case.description not in right.content.decode()
    assert public.get(f"/track/{other.tracking_no}", phone_last4=f.PHONE[-4:]).status_code == 200


def test_a_made_up_number_locks_like_a_real_one(public: Api, mini: MiniDistrict) -> None:
    case = f.report()
    guess(case.tracking_no, 10)
    guess("SF20990101-0001", 10)

    real = public.get(f"/track/{case.tracking_no}", phone_last4=f.PHONE[-4:])
    fake = public.get("/track/SF20990101-0001", phone_last4=f.PHONE[-4:])

    assert real.status_code == fake.status_code == 429
    assert real.json() == fake.json()


def test_the_page_and_the_api_count_failures_of_a_number_together(public: Api, mini: MiniDistrict) -> None:
    case = f.report()
    guess(case.tracking_no, 5)
    for n in range(5):
        page = Client(REMOTE_ADDR=f"10.40.0.{n + 1}")
        page.post("/track/", {"tracking_no": case.tracking_no, "last4": f"{n + 10:04d}"})

    assert public.get(f"/track/{case.tracking_no}", phone_last4=f.PHONE[-4:]).status_code == 429


def test_the_number_limit_at_zero_is_off(public: Api, mini: MiniDistrict, settings: Any) -> None:
    settings.GRIDGOV_TRACK_LIMIT_NUMBER = 0
    case = f.report()
    guess(case.tracking_no, 15)

    assert public.get(f"/track/{case.tracking_no}", phone_last4=f.PHONE[-4:]).status_code == 200


def test_the_lock_ends_when_the_window_has_passed(public: Api, mini: MiniDistrict, settings: Any) -> None:
    settings.GRIDGOV_TRACK_LIMIT_NUMBER = 2
    settings.GRIDGOV_TRACK_LIMIT_NUMBER_WINDOW = 3600
    case = f.report()
    guess(case.tracking_no, 2)

    with time_machine.travel(TUESDAY + timedelta(minutes=59), tick=False):
        refused = public.get(f"/track/{case.tracking_no}", phone_last4=f.PHONE[-4:])
    with time_machine.travel(TUESDAY + timedelta(minutes=60, seconds=1), tick=False):
        opened = public.get(f"/track/{case.tracking_no}", phone_last4=f.PHONE[-4:])

    assert refused.status_code == 429
    assert opened.status_code == 200
    assert opened.json()["tracking_no"] == case.tracking_no


def test_a_number_no_case_can_have_gets_404_and_is_not_counted(public: Api, mini: MiniDistrict) -> None:
    for number in ("SF20260623-0001%00", "SF" + "9" * 40):
        response = public.get(f"/track/{number}", phone_last4=f.PHONE[-4:])

        assert response.status_code == 404
    assert not FailedLookup.objects.exists()
