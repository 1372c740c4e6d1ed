"""POST /api/v1/cases/{no}/moves/{move}: the web's moves for apps; stale, refused and bad moves write nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gridgov.api.tests.conftest import b64
from gridgov.cases import actions
from gridgov.cases.models import Attachment, Case, Status, Task
from gridgov.cases.tests import factories as f
from gridgov.testing import MiniDistrict


def move(api: Any, case: Case, name: str, **data: Any) -> Any:
    return api.post(f"/cases/{case.tracking_no}/moves/{name}", data)


def refused(api: Any, case: Case, name: str, status: int, body: Any) -> dict[str, list[str]]:
    """Post the move, assert the status and that nothing was written; return the errors."""
    before, version = f.counts(), f.fresh(case).version
    response = api.post(f"/cases/{case.tracking_no}/moves/{name}", body)
    assert response.status_code == status, response.content
    assert f.counts() == before
    assert f.fresh(case).version == version
    errors: dict[str, list[str]] = response.json()["errors"]
    return errors


def test_a_dispatcher_accepts_and_dispatches_a_report_in_one_move(as_user: Any, mini: MiniDistrict) -> None:
    case = f.report()

    response = move(
        as_user(mini.dispatcher), case, "accept_dispatch", version=1, lead="cgj", note="请尽快处理"
    )

    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["status"] == "dispatched" and answer["version"] == 3
    assert answer["lead_department"] == {"code": "cgj", "name": "区城管局"}
    assert [row["move"] for row in answer["timeline"]] == ["report", "accept", "dispatch"]
    stored = f.fresh(case)
    assert stored.status == Status.DISPATCHED and stored.lead_department == mini.department
    last = f.last_transition(stored)
    assert (last.move, last.actor, last.actor_role, last.note) == (
        "dispatch",
        mini.dispatcher,
        "dispatcher",
        "请尽快处理",
    )


def test_accept_takes_the_category_by_code(as_user: Any, mini: MiniDistrict) -> None:
    case = f.report(code=None)

    response = move(as_user(mini.dispatcher), case, "accept", version=1, category=f.GARBAGE, urgency="urgent")

    assert response.status_code == 200, response.content
    stored = f.fresh(case)
    assert stored.category is not None and stored.category.code == f.GARBAGE
    assert stored.urgency == "urgent"


def test_the_lead_signs_and_reports_done_with_base64_photos(as_user: Any, mini: MiniDistrict) -> None:
    case = f.dispatched(mini)
    handler = as_user(mini.handler)

    assert move(handler, case, "sign", version=3).status_code == 200
    response = move(
        handler, case, "report_done", version=4, photos=[b64(f.photo())], outcome_quantity=2, note="已修复"
    )

    assert response.status_code == 200, response.content
    stored = f.fresh(case)
    assert stored.status == Status.HANDLED and stored.outcome_quantity == 2
    assert Attachment.objects.filter(case=case, kind="after").count() == 1


def test_a_grid_worker_solves_a_matter_with_a_multipart_photo(as_user: Any, mini: MiniDistrict) -> None:
    case = f.report()
    worker = as_user(mini.worker_a)
    assert move(worker, case, "take_in_grid", version=1).status_code == 200
    photo = SimpleUploadedFile("done.jpg", f.photo(), content_type="image/jpeg")

    response = worker.multipart(
        f"/cases/{case.tracking_no}/moves/solve_in_grid",
        {"version": "2", "photos": [photo], "note": "已劝解"},
    )

    assert response.status_code == 200, response.content
    assert f.fresh(case).status == Status.CLOSED
    assert response.json()["moves"] == []


def test_a_progress_note_is_public_unless_the_client_says_otherwise(as_user: Any, mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    handler = as_user(mini.handler)

    move(handler, case, "note", version=4, text="明天上午施工")
    move(handler, case, "note", version=5, text="内部备注", public=False)

    rows = list(case.transitions.filter(move="note").order_by("seq").values_list("note", "public"))
    assert rows == [("明天上午施工", True), ("内部备注", False)]


def test_a_move_on_a_stale_version_gets_409_and_writes_nothing(as_user: Any, mini: MiniDistrict) -> None:
    case = f.report()
    actions.accept(case, mini.dispatcher)  # someone else moved it: version 2 now

    errors = refused(as_user(mini.dispatcher), case, "reject", 409, {"version": 1, "reason": "重复"})

    assert errors == {"version": ["The case has changed since you opened it; reload and try again."]}
    assert f.fresh(case).status == Status.REGISTERED


def test_a_move_that_is_not_the_users_gets_403_with_the_reason(as_user: Any, mini: MiniDistrict) -> None:
    case = f.registered(mini)

    sent = f.dispatched(mini)

    by_worker = refused(as_user(mini.worker_a), case, "dispatch", 403, {"version": 2, "lead": "cgj"})
    by_leader = refused(as_user(mini.leader), case, "dispatch", 403, {"version": 2})
    too_early = refused(as_user(mini.handler), sent, "report_done", 403, {"version": 3})

    assert by_worker == {"__all__": ["Your roles do not allow “dispatch”."]}
    assert by_leader == {"__all__": ["Your roles do not allow “dispatch”."]}
    assert too_early == {"__all__": ["“report done” is not possible while the case is “dispatched”."]}
    assert f.fresh(case).status == Status.REGISTERED and f.fresh(sent).status == Status.DISPATCHED


def test_a_move_the_action_refuses_gets_400_with_the_reason(as_user: Any, mini: MiniDistrict) -> None:
    case = f.in_progress(mini)

    errors = refused(as_user(mini.dispatcher), case, "approve_extension", 400, {"version": 4})

    assert list(errors) == ["__all__"] and errors["__all__"][0]


def test_a_case_outside_the_users_scope_gets_404_even_for_a_move(as_user: Any, mini: MiniDistrict) -> None:
    case = f.report()

    errors = refused(as_user(mini.worker_b), case, "take_in_grid", 404, {"version": 1})

    assert errors == {"__all__": ["Not found."]}


@pytest.mark.parametrize(
    ("name", "body", "status", "field"),
    [
        ("reject", {"reason": "重复"}, 422, "version"),
        ("reject", {"version": "one", "reason": "重复"}, 422, "version"),
        ("reject", {"version": True, "reason": "重复"}, 422, "version"),
        ("reject", {"version": "²", "reason": "重复"}, 422, "version"),
        ("reject", {"version": "9" * 5000, "reason": "重复"}, 422, "version"),
        ("reject", {"version": 1}, 422, "reason"),
        ("reject", {"version": 1, "reason": ["a", "b"]}, 422, "reason"),
        ("reject", {"version": 1, "reason": "x", "colour": "red"}, 422, "colour"),
        ("reject", {"version": 1, "reason": "x" * 2001}, 422, "reason"),
        ("accept", {"version": 1, "category": "nope"}, 422, "category"),
        ("accept_dispatch", {"version": 1, "lead": "nobody"}, 422, "lead"),
        ("accept_dispatch", {"version": 1, "assists": "cgj"}, 422, "__all__"),
        ("fly", {"version": 1}, 404, "move"),
        ("reject", "{not json", 400, "__all__"),
        ("reject", "[]", 400, "__all__"),
    ],
)
def test_bad_input_for_a_move_is_refused_by_field_and_writes_nothing(
    as_user: Any, mini: MiniDistrict, name: str, body: Any, status: int, field: str
) -> None:
    case = f.report()

    errors = refused(as_user(mini.dispatcher), case, name, status, body)

    assert field in errors, errors


def test_solving_in_the_grid_without_a_photo_or_with_a_fake_one_is_refused(
    as_user: Any, mini: MiniDistrict
) -> None:
    case = f.report()
    worker = as_user(mini.worker_a)
    move(worker, case, "take_in_grid", version=1)

    missing = refused(worker, case, "solve_in_grid", 422, {"version": 2})
    fake = refused(worker, case, "solve_in_grid", 400, {"version": 2, "photos": [b64(b"MZ\x90\x00" * 50)]})

    assert list(missing) == ["photos"]
    assert "not a photo" in fake["__all__"][0]


def test_errors_of_a_move_are_in_chinese_by_default(as_user: Any, mini: MiniDistrict) -> None:
    case = f.report()
    actions.accept(case, mini.dispatcher)

    response = move(as_user(mini.dispatcher, language="zh-hans"), case, "reject", version=1, reason="重复")

    assert response.json() == {"errors": {"version": ["您打开工单后它已被他人更新，请刷新后重试。"]}}


def test_an_assisting_handler_signs_for_and_finishes_their_task(as_user: Any, mini: MiniDistrict) -> None:
    from gridgov.people.models import Department, Post, Role

    police = Department.objects.create(code="gaj", name="区公安分局")
    Post.objects.create(
        user=mini.police_a, role=Role.DEPARTMENT_HANDLER, level="department", department=police
    )
    case = f.registered(mini)
    actions.dispatch(case, mini.dispatcher, lead=mini.department, assists=[police])
    task = Task.objects.get(case=case, lead=False)
    officer = as_user(mini.police_a)

    signed = officer.post(f"/tasks/{task.pk}/sign", "")  # no body at all
    done = officer.post(f"/tasks/{task.pk}/done", {"note": "已配合", "photos": [b64(f.photo())]})
    again = officer.post(f"/tasks/{task.pk}/done", {})

    assert signed.status_code == 200 and done.status_code == 200, done.content
    task.refresh_from_db()
    assert task.state == Task.State.DONE
    last = f.last_transition(case)
    assert (last.actor, last.note, last.data) == (mini.police_a, "已配合", {"task": task.pk, "event": "done"})
    assert Attachment.objects.filter(transition=last).count() == 1
    assert again.status_code == 400
    assert as_user(mini.handler).post(f"/tasks/{task.pk}/sign").status_code == 403
    assert as_user(mini.worker_b).post(f"/tasks/{task.pk}/sign").status_code == 404
