"""The dispatcher's console and the overdue board: queue order, routing, one-click accept-and-dispatch."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from gridgov.cases import actions
from gridgov.cases.models import Case, RoutingRule, Status, Task, Transition
from gridgov.cases.routing import save_rule
from gridgov.cases.tests import factories as f
from gridgov.notify.models import OutboxMessage
from gridgov.people.models import Department, User
from gridgov.testing import MiniDistrict

TUESDAY = datetime(2026, 6, 23, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
CONSOLE = "/cases/console/"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(TUESDAY, tick=False):
        yield


def signed_in(client: Client, user: User) -> Client:
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def queue(html: str) -> list[str]:
    return re.findall(r'data-queue-case="([\w-]+)"', html)


def pin_data(html: str, source: str) -> dict[str, Any]:
    found = re.search(rf'<script id="{source}" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no map data {source}"
    return dict(json.loads(found.group(1)))


def dispute_rule() -> RoutingRule:
    return save_rule(RoutingRule(name="纠纷归城管", category=f.matter(f.DISPUTE), lead="dept:cgj"))


def accept_dispatch(client: Client, case: Case, **data: Any) -> Any:
    data.setdefault("version", f.fresh(case).version)
    return client.post(f"/cases/{case.tracking_no}/do/accept_dispatch/", data, follow=True)


# --- the queue -------------------------------------------------------------------------------------


def test_the_queue_lists_new_reports_of_the_area_urgent_first(client: Client, mini: MiniDistrict) -> None:
    first = f.report()
    with time_machine.travel(datetime(2026, 6, 23, 2, 0, tzinfo=UTC), tick=False):
        emergency = f.report(code=f.LOST_PERSON, description="小孩在公园走失了")
        accepted = f.registered(mini)

    with time_machine.travel(datetime(2026, 6, 23, 2, 5, tzinfo=UTC), tick=False):
        html = signed_in(client, mini.dispatcher).get(CONSOLE).text

    assert queue(html) == [emergency.tracking_no, first.tracking_no]
    assert accepted.tracking_no not in queue(html)
    assert f'data-queue-case="{emergency.tracking_no}"' in html
    assert 'data-urgency="emergency"' in html


def test_an_urgent_report_someone_signed_for_goes_back_to_deadline_order(
    client: Client, mini: MiniDistrict
) -> None:
    first = f.report()  # due at 11:30 (two working hours)
    with time_machine.travel(datetime(2026, 6, 23, 3, 28, tzinfo=UTC), tick=False):  # 11:28 in Shanghai
        emergency = f.report(code=f.LOST_PERSON, description="小孩在公园走失了")  # due in 5 minutes: 11:33
    signed_in(client, mini.dispatcher)
    assert queue(client.get(CONSOLE).text) == [emergency.tracking_no, first.tracking_no]

    actions.sign_task(Task.objects.get(case=emergency, user=mini.police_a), mini.police_a)

    assert queue(client.get(CONSOLE).text) == [first.tracking_no, emergency.tracking_no]


def test_a_street_dispatcher_sees_only_the_reports_of_the_street(client: Client, mini: MiniDistrict) -> None:
    f.report(point=f.A1_POINT)
    c1 = f.report(point=f.C1_POINT)

    html = signed_in(client, mini.street_dispatcher).get(CONSOLE).text

    assert queue(html) == [c1.tracking_no]


@pytest.mark.parametrize("persona", ["worker_a", "handler"])
def test_people_who_do_not_dispatch_are_refused(client: Client, mini: MiniDistrict, persona: str) -> None:
    assert signed_in(client, getattr(mini, persona)).get(CONSOLE).status_code == 403


def test_the_selected_report_shows_category_routing_duplicates_and_its_pin(
    client: Client, mini: MiniDistrict
) -> None:
    dispute_rule()
    earlier = f.report()
    case = f.report(point=(f.A1_POINT[0] + 0.0003, f.A1_POINT[1]))  # about 30 m away, same matter

    html = signed_in(client, mini.dispatcher).get(CONSOLE, {"case": case.tracking_no}).text

    selected = html[html.index('data-testid="selected"') :]
    assert f'data-case="{case.tracking_no}"' in selected[:80]
    assert "S01001 邻里纠纷" in selected
    assert "Rule “纠纷归城管” applies: the only matching rule." in selected
    assert '<dd data-testid="routed-lead">区城管局</dd>' in selected
    assert f'data-duplicate="{earlier.tracking_no}"' in selected
    pins = pin_data(html, "queue-map")["pins"]
    assert [(pin["label"], pin["selected"]) for pin in pins] == [
        (f"{earlier.tracking_no} 邻里纠纷", False),
        (f"{case.tracking_no} 邻里纠纷", True),
    ]
    assert 'data-pin-map data-source="queue-map"' in html


def test_without_a_rule_the_console_says_the_dispatcher_decides(client: Client, mini: MiniDistrict) -> None:
    f.report()

    html = signed_in(client, mini.dispatcher).get(CONSOLE).text

    assert '<dd data-testid="routed-lead"><strong>the dispatcher decides</strong></dd>' in html


# --- one click -------------------------------------------------------------------------------------


def test_one_click_accepts_and_dispatches_as_routed(client: Client, mini: MiniDistrict) -> None:
    dispute_rule()
    case = f.report()

    response = accept_dispatch(signed_in(client, mini.dispatcher), case, next=CONSOLE)

    assert response.redirect_chain[-1][0] == CONSOLE
    assert f"{case.tracking_no}: accepted and dispatched — now “dispatched”." in response.text
    case = f.fresh(case)
    assert (case.status, case.lead_department) == (Status.DISPATCHED, mini.department)
    assert list(Transition.objects.filter(case=case).values_list("move", flat=True)) == [
        "report",
        "accept",
        "dispatch",
    ]
    assert Task.objects.get(case=case).department == mini.department
    assert case.tracking_no not in queue(response.text)


def test_when_routing_names_nobody_the_dispatcher_picks_the_department(
    client: Client, mini: MiniDistrict
) -> None:
    police = Department.objects.create(code="gaj", name="区公安分局")
    case = f.report()
    signed_in(client, mini.dispatcher)

    refused = accept_dispatch(client, case)
    assert "The routing names no lead for this case; choose one." in refused.text
    assert f.fresh(case).status == Status.REPORTED  # the accept was rolled back with the dispatch
    assert Transition.objects.filter(case=case).count() == 1

    accept_dispatch(client, case, lead="cgj", assists=["gaj"], urgency="urgent")
    case = f.fresh(case)
    assert (case.status, case.urgency, case.lead_department) == (Status.DISPATCHED, "urgent", mini.department)
    assert {(t.department, t.lead) for t in Task.objects.filter(case=case)} == {
        (mini.department, True),
        (police, False),
    }


def test_the_dispatcher_may_correct_the_category_before_dispatching(
    client: Client, mini: MiniDistrict
) -> None:
    case = f.report(code=None, description="楼上邻居天天吵架")
    family = f.matter("S01002")
    save_rule(RoutingRule(name="家庭纠纷", category=family, lead="dept:cgj"))

    accept_dispatch(signed_in(client, mini.dispatcher), case, category=family.pk)

    case = f.fresh(case)
    assert (case.category, case.status) == (family, Status.DISPATCHED)


def test_reject_needs_a_reason_and_tells_it(client: Client, mini: MiniDistrict) -> None:
    case = f.report()
    signed_in(client, mini.dispatcher)

    empty = client.post(f"/cases/{case.tracking_no}/do/reject/", {"reason": " "}, follow=True)
    assert "Reason: This field is required." in empty.text
    client.post(f"/cases/{case.tracking_no}/do/reject/", {"reason": "不属于受理范围"})

    case = f.fresh(case)
    assert case.status == Status.REJECTED
    assert f.last_transition(case).note == "不属于受理范围"


def test_merge_joins_a_report_to_the_open_case_of_the_same_matter(client: Client, mini: MiniDistrict) -> None:
    earlier = f.registered(mini)
    case = f.report()
    signed_in(client, mini.dispatcher)

    client.post(f"/cases/{case.tracking_no}/do/merge/", {"into": earlier.tracking_no.lower()})

    assert (f.fresh(case).status, f.fresh(case).merged_into) == (Status.MERGED, earlier)


def test_merge_into_a_case_outside_the_area_is_refused_as_if_it_did_not_exist(
    client: Client, mini: MiniDistrict
) -> None:
    elsewhere = f.registered(mini)  # grid A1, outside the street dispatcher's street
    case = f.report(point=f.C1_POINT)

    response = signed_in(client, mini.street_dispatcher).post(
        f"/cases/{case.tracking_no}/do/merge/", {"into": elsewhere.tracking_no}, follow=True
    )

    assert f"No case {elsewhere.tracking_no} is in your area." in response.text
    assert f.fresh(case).status == Status.REPORTED


def test_a_returned_case_waits_in_the_dispatch_tab_and_goes_to_the_chosen_department(
    client: Client, mini: MiniDistrict
) -> None:
    police = Department.objects.create(code="gaj", name="区公安分局")
    case = f.dispatched(mini)
    actions.return_case(case, mini.handler, "不属于本局职责")
    signed_in(client, mini.dispatcher)

    html = client.get(CONSOLE, {"tab": "dispatch"}).text
    assert queue(html) == [case.tracking_no]
    assert 'data-move="dispatch" open>' in html
    client.post(f"/cases/{case.tracking_no}/do/dispatch/", {"lead": "gaj", "version": f.fresh(case).version})

    case = f.fresh(case)
    assert (case.status, case.lead_department) == (Status.DISPATCHED, police)
    assert queue(client.get(CONSOLE, {"tab": "dispatch"}).text) == []


# --- bounded queries --------------------------------------------------------------------------------

CONSOLE_QUERIES = 15


@pytest.mark.parametrize("reports", [3, 30])
def test_the_console_runs_a_bounded_number_of_queries(
    client: Client, mini: MiniDistrict, django_assert_max_num_queries: Any, reports: int
) -> None:
    dispute_rule()
    points = [f.A1_POINT, f.A2_POINT, f.B1_POINT, f.C1_POINT]
    for number in range(reports):
        f.report(point=points[number % 4], code=[f.DISPUTE, f.GARBAGE][number % 2])
    signed_in(client, mini.dispatcher)

    with django_assert_max_num_queries(CONSOLE_QUERIES):
        html = client.get(CONSOLE).text

    assert len(queue(html)) == reports


# --- the overdue board ------------------------------------------------------------------------------


def test_the_board_lists_red_and_yellow_cases_and_urging_reaches_the_lead(
    client: Client, mini: MiniDistrict
) -> None:
    late = f.dispatched(mini)  # signing is due within 4 working hours: at 15:30
    with time_machine.travel(datetime(2026, 6, 23, 2, 30, tzinfo=UTC), tick=False):  # 10:30 in Shanghai
        soon = f.dispatched(mini)  # due at 16:30
    with time_machine.travel(datetime(2026, 6, 23, 7, 50, tzinfo=UTC), tick=False):
        fresh = f.report()

    with time_machine.travel(datetime(2026, 6, 23, 8, 0, tzinfo=UTC), tick=False):  # 16:00 in Shanghai
        html = signed_in(client, mini.dispatcher).get("/cases/overdue/").text
        red = html[html.index('data-board="red"') : html.index('data-board="yellow"')]
        yellow = html[html.index('data-board="yellow"') :]
        assert re.findall(r'data-board-case="([\w-]+)"', red) == [late.tracking_no]
        assert re.findall(r'data-board-case="([\w-]+)"', yellow) == [soon.tracking_no]
        assert fresh.tracking_no not in html

        client.post(f"/cases/{late.tracking_no}/do/urge/", {"text": "请尽快签收", "next": "/cases/overdue/"})

    urge = f.last_transition(late)
    assert (urge.move, urge.actor, urge.note) == ("urge", mini.dispatcher, "请尽快签收")
    assert OutboxMessage.objects.filter(case=late, recipient=str(mini.handler.pk), kind="notice").exists()


def test_the_board_is_for_supervisors(client: Client, mini: MiniDistrict) -> None:
    assert signed_in(client, mini.handler).get("/cases/overdue/").status_code == 403
    assert signed_in(Client(), mini.leader).get("/cases/overdue/").status_code == 200
