"""Staff reads with a token: who am I, the cases in my scope (as on the web), one case with my moves."""

from __future__ import annotations

from typing import Any

import pytest

from gridgov.cases import actions
from gridgov.cases.models import Case
from gridgov.cases.tests import factories as f
from gridgov.testing import MiniDistrict


@pytest.fixture
def cases(mini: MiniDistrict) -> dict[str, Case]:
    """One case in A1 (dispatched to the department), one new report in A1, one in B1, one in C1."""
    return {
        "a1_dispatched": f.dispatched(mini),
        "a1_new": f.report(description="路灯不亮了，晚上很黑"),
        "b1_new": f.report(f.B1_POINT, description="小区门口垃圾堆了三天"),
        "c1_new": f.report(f.C1_POINT, description="井盖松动，车一过就响"),
    }


def numbers(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["tracking_no"] for item in response.json()["items"]}


def test_me_answers_the_staff_member_with_roles_and_posts(as_user: Any, mini: MiniDistrict) -> None:
    answer = as_user(mini.worker_a).get("/me").json()

    assert answer["username"] == "worker_a" and answer["full_name"] == "张网格"
    assert answer["roles"] == ["grid_worker"]
    assert answer["posts"] == [
        {
            "role": "grid_worker",
            "role_label": "grid worker",
            "level": "grid",
            "scope": {"code": mini.grid_a1.code, "name": "A1网格"},
        }
    ]


def test_each_persona_lists_only_the_cases_of_their_scope(
    as_user: Any, mini: MiniDistrict, cases: dict[str, Case]
) -> None:
    no = {key: case.tracking_no for key, case in cases.items()}

    everything = as_user(mini.dispatcher).get("/cases")
    assert numbers(everything) == set(no.values())
    assert "no-store" in everything["Cache-Control"]  # per token: no shared cache may keep it
    assert numbers(as_user(mini.worker_a).get("/cases")) == {no["a1_dispatched"], no["a1_new"]}
    assert numbers(as_user(mini.worker_b).get("/cases")) == {no["b1_new"]}
    assert numbers(as_user(mini.handler).get("/cases")) == {no["a1_dispatched"]}
    assert numbers(as_user(mini.street_dispatcher).get("/cases")) == {no["c1_new"]}


def test_mine_is_the_queue_of_the_user_and_filters_narrow_it(
    as_user: Any, mini: MiniDistrict, cases: dict[str, Case]
) -> None:
    no = {key: case.tracking_no for key, case in cases.items()}
    dispatcher, worker_a = as_user(mini.dispatcher), as_user(mini.worker_a)

    assert numbers(as_user(mini.handler).get("/cases", mine="true")) == {no["a1_dispatched"]}
    assert numbers(worker_a.get("/cases", mine="true")) == {no["a1_new"]}
    assert numbers(dispatcher.get("/cases", status="reported", grid=mini.grid_b1.code)) == {no["b1_new"]}
    assert numbers(dispatcher.get("/cases", status=["dispatched", "closed"])) == {no["a1_dispatched"]}
    assert numbers(worker_a.get("/cases", grid=mini.grid_b1.code)) == set()


def test_the_list_is_paginated_newest_first(as_user: Any, mini: MiniDistrict, cases: dict[str, Case]) -> None:
    api = as_user(mini.dispatcher)

    first = api.get("/cases", page_size=3).json()
    second = api.get("/cases", page_size=3, page=2).json()

    assert first["count"] == second["count"] == 4
    assert [item["tracking_no"] for item in first["items"]] == [
        cases[key].tracking_no for key in ("c1_new", "b1_new", "a1_new")
    ]
    assert [item["tracking_no"] for item in second["items"]] == [cases["a1_dispatched"].tracking_no]
    item = first["items"][0]
    assert item["grid"] == {"code": mini.grid_c1.code, "name": "C1网格"}
    assert (
        item["colour"] == "green" and item["version"] == 1 and item["status_label"] == "awaiting acceptance"
    )


def test_the_list_runs_the_same_queries_however_many_cases(
    as_user: Any, mini: MiniDistrict, django_assert_max_num_queries: Any
) -> None:
    for _n in range(3):
        f.dispatched(mini)
    api = as_user(mini.worker_a)
    with django_assert_max_num_queries(8) as few:
        api.get("/cases")
    for _n in range(12):
        f.dispatched(mini)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/cases").json()["items"]) == 15


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"page": 0}, "page"),
        ({"page_size": 1000}, "page_size"),
        ({"mine": "maybe"}, "mine"),
    ],
)
def test_bad_filters_get_422(as_user: Any, mini: MiniDistrict, params: dict[str, Any], field: str) -> None:
    response = as_user(mini.dispatcher).get("/cases", **params)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_a_worker_of_another_grid_gets_404_for_a_case(
    as_user: Any, mini: MiniDistrict, cases: dict[str, Case]
) -> None:
    number = cases["a1_new"].tracking_no

    assert as_user(mini.worker_b).get(f"/cases/{number}").status_code == 404
    assert as_user(mini.street_dispatcher).get(f"/cases/{number}").status_code == 404
    assert as_user(mini.worker_a).get(f"/cases/{number}").status_code == 200
    assert as_user(mini.worker_b).get("/cases/SF20990101-0001").json() == {
        "errors": {"__all__": ["Not found."]}
    }


def test_a_case_shows_its_timeline_tasks_and_the_moves_the_user_may_make(
    as_user: Any, mini: MiniDistrict
) -> None:
    case = f.dispatched(mini)

    handler = as_user(mini.handler).get(f"/cases/{case.tracking_no}").json()
    dispatcher = as_user(mini.dispatcher).get(f"/cases/{case.tracking_no}").json()

    assert [row["move"] for row in handler["timeline"]] == ["report", "accept", "dispatch"]
    accept = handler["timeline"][1]
    assert (
        accept["actor"] == "赵调度"
        and accept["actor_role"] == "dispatcher"
        and accept["to_status"] == "registered"
    )
    assert handler["tasks"][0]["lead"] is True and handler["tasks"][0]["department"] == {
        "code": "cgj",
        "name": "区城管局",
    }
    # The same moves as the case page's buttons (see cases/tests/test_views_case.py).
    assert {move["move"] for move in handler["moves"]} == {
        "sign",
        "escalate",
        "return",
        "request_void",
        "note",
    }
    assert "sign" not in {move["move"] for move in dispatcher["moves"]}
    assert {"urge", "note", "escalate", "request_void"} <= {move["move"] for move in dispatcher["moves"]}
    returning = next(move for move in handler["moves"] if move["move"] == "return")
    assert returning["fields"] == [
        {"name": "reason", "label": "Reason", "required": True, "kind": "text", "choices": None}
    ]
    assert handler["version"] == case.version == 3 and handler["reporter_phone_last4"] == f.PHONE[-4:]


def test_a_new_report_offers_accept_and_dispatch_beside_accept(as_user: Any, mini: MiniDistrict) -> None:
    case = f.report()

    moves = {
        move["move"]: move
        for move in as_user(mini.dispatcher).get(f"/cases/{case.tracking_no}").json()["moves"]
    }

    assert {"accept_dispatch", "accept", "reject", "merge"} <= set(moves)
    kinds = {field["name"]: field["kind"] for field in moves["accept_dispatch"]["fields"]}
    assert kinds == {
        "category": "category",
        "urgency": "choice",
        "lead": "department",
        "assists": "departments",
        "note": "text",
    }
    urgency = next(field for field in moves["accept"]["fields"] if field["name"] == "urgency")
    assert [choice["value"] for choice in urgency["choices"]] == ["normal", "urgent", "emergency"]


def test_photos_of_a_case_are_served_to_staff_who_may_see_it(as_user: Any, mini: MiniDistrict) -> None:
    case = f.report(photos=[f.photo("PNG")])
    detail = as_user(mini.worker_a).get(f"/cases/{case.tracking_no}").json()
    photo = detail["photos"][0]
    assert detail["timeline"][0]["photos"] == [photo["id"]]

    mine = as_user(mini.worker_a).client.get(photo["url"], headers=as_user(mini.worker_a).headers)
    theirs = as_user(mini.worker_b).client.get(photo["url"], headers=as_user(mini.worker_b).headers)

    assert mine.status_code == 200 and mine["Content-Type"] == "image/png"
    assert b"".join(mine.streaming_content).startswith(b"\x89PNG")
    assert theirs.status_code == 404


def test_an_assisting_task_shows_the_events_its_holder_may_take(as_user: Any, mini: MiniDistrict) -> None:
    from gridgov.people.models import Department, Post, Role

    police = Department.objects.create(code="gaj", name="区公安分局")
    officer = mini.police_a
    Post.objects.create(user=officer, role=Role.DEPARTMENT_HANDLER, level="department", department=police)
    case = f.registered(mini)
    actions.dispatch(case, mini.dispatcher, lead=mini.department, assists=[police])

    tasks = as_user(officer).get(f"/cases/{case.tracking_no}").json()["tasks"]

    assert [(task["lead"], task["events"]) for task in tasks] == [(True, []), (False, ["sign", "done"])]
