"""GET /api/v1/track/{no}: the reporter's public timeline, proven by the phone's last four digits."""

from __future__ import annotations

from gridgov.api.tests.conftest import Api
from gridgov.cases import actions
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
