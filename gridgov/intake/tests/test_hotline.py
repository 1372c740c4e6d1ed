"""The hotline clerk's form: the caller's details, duplicates before saving, accept and dispatch in one go."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from gridgov.cases.models import Case, Channel, RoutingRule, Status, Task, Transition
from gridgov.cases.routing import save_rule
from gridgov.cases.tests import factories as f
from gridgov.intake.hotline import described
from gridgov.lib.address import building_key
from gridgov.notify.models import OutboxMessage
from gridgov.people.models import Role, User
from gridgov.territory.models import Building
from gridgov.testing import MiniDistrict

TUESDAY = datetime(2026, 6, 23, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
HOTLINE = "/hotline/"
TEXT = "来电反映楼下两户邻居因为停车位吵架，已经好几天了"


@pytest.fixture(autouse=True)
def frozen(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(TUESDAY, tick=False):
        yield


def signed_in(client: Client, user: User) -> Client:
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def call(point: tuple[float, float] | None = f.A1_POINT, **data: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "caller_name": "刘阿姨",
        "caller_phone": f.PHONE,
        "transfer_no": "ZZ12345-0618-0042",
        "callback": "on",
        "category": f.DISPUTE,
        "description": TEXT,
        "address": "清水塘社区",
    }
    if point is not None:
        values.update(lon=point[0], lat=point[1])
    values.update(data)
    return values


def dispute_rule() -> RoutingRule:
    return save_rule(RoutingRule(name="纠纷归城管", category=f.matter(f.DISPUTE), lead="dept:cgj"))


def listed_duplicates(html: str) -> list[str]:
    return re.findall(r'data-duplicate="([\w-]+)"', html)


# --- who may use it ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["handler", "worker_a", "police_a", "leader"])
def test_people_who_do_not_take_calls_are_refused(client: Client, mini: MiniDistrict, persona: str) -> None:
    signed_in(client, getattr(mini, persona))

    assert client.get(HOTLINE).status_code == 403
    assert client.post(HOTLINE, call()).status_code == 403
    assert client.post("/hotline/duplicates/", call()).status_code == 403
    assert not Case.objects.exists()


@pytest.mark.parametrize("persona", ["dispatcher", "street_dispatcher", "admin"])
def test_dispatchers_and_administrators_open_the_form(
    client: Client, mini: MiniDistrict, persona: str
) -> None:
    response = signed_in(client, getattr(mini, persona)).get(HOTLINE)

    assert response.status_code == 200
    assert 'data-testid="hotline-form"' in response.text


# --- taking a call -----------------------------------------------------------------------------------


def test_a_call_is_reported_with_the_callers_details_and_the_work_order_number(
    client: Client, mini: MiniDistrict
) -> None:
    response = signed_in(client, mini.dispatcher).post(HOTLINE, call())

    case = Case.objects.get()
    assert response["Location"] == f"/hotline/?done={case.tracking_no}"
    assert (case.channel, case.status, case.reported_by) == (
        Channel.HOTLINE,
        Status.REPORTED,
        mini.dispatcher,
    )
    assert (case.reporter_name, case.reporter_phone_last4) == ("刘阿姨", f.PHONE[-4:])
    assert case.description == described(TEXT, "ZZ12345-0618-0042", True)
    assert case.description.splitlines()[1] == TEXT
    assert "ZZ12345-0618-0042" in case.description.splitlines()[0]
    assert (case.grid, case.category, case.address) == (mini.grid_a1, f.matter(f.DISPUTE), "清水塘社区")
    report = Transition.objects.get(case=case)
    assert (report.actor, report.actor_role) == (mini.dispatcher, Role.DISPATCHER)
    # The caller hears back by SMS, on the number kept encrypted on the case.
    assert OutboxMessage.objects.filter(case=case, channel="sms", kind="acknowledge").exists()


def test_without_a_work_order_or_call_back_the_text_stays_as_said(client: Client, mini: MiniDistrict) -> None:
    signed_in(client, mini.dispatcher).post(HOTLINE, call(transfer_no="", callback=""))

    assert Case.objects.get().description == TEXT


def test_the_confirmation_shows_the_number_to_tell_the_caller(client: Client, mini: MiniDistrict) -> None:
    page = signed_in(client, mini.dispatcher).post(HOTLINE, call(), follow=True).text

    number = Case.objects.get().tracking_no
    assert f'data-done="{number}"' in page
    assert f'href="/cases/{number}/"' in page
    assert f'data-recent-case="{number}"' in page
    assert f"Reported as {number}." in page


def test_accept_and_dispatch_now_sends_the_case_where_the_rules_say(
    client: Client, mini: MiniDistrict
) -> None:
    dispute_rule()

    page = signed_in(client, mini.dispatcher).post(HOTLINE, call(dispatch_now="on"), follow=True).text

    case = Case.objects.get()
    assert (case.status, case.lead_department) == (Status.DISPATCHED, mini.department)
    moves = list(Transition.objects.filter(case=case).order_by("seq").values_list("move", "actor"))
    assert moves == [
        ("report", mini.dispatcher.pk),
        ("accept", mini.dispatcher.pk),
        ("dispatch", mini.dispatcher.pk),
    ]
    assert Task.objects.get(case=case, lead=True).department == mini.department
    assert f"Reported as {case.tracking_no} and dispatched to 区城管局." in page
    assert 'data-testid="done-lead">区城管局<' in page


def test_when_the_rules_name_nobody_the_report_waits_in_the_console(
    client: Client, mini: MiniDistrict
) -> None:
    page = signed_in(client, mini.dispatcher).post(HOTLINE, call(dispatch_now="on"), follow=True).text

    case = Case.objects.get()
    assert case.status == Status.REPORTED
    assert list(Transition.objects.filter(case=case).values_list("move", flat=True)) == ["report"]
    assert f"Reported as {case.tracking_no}, but not dispatched:" in page
    assert "It waits in the dispatch console." in page


def test_dispatching_now_needs_a_category(client: Client, mini: MiniDistrict) -> None:
    response = signed_in(client, mini.dispatcher).post(
        HOTLINE, call(category="", description="xyz qrs", dispatch_now="on")
    )

    assert "Choose a category to dispatch now." in response.text
    assert not Case.objects.exists()


def test_a_street_dispatcher_takes_a_call_from_elsewhere_but_dispatches_only_in_the_street(
    client: Client, mini: MiniDistrict
) -> None:
    dispute_rule()

    page = signed_in(client, mini.street_dispatcher).post(HOTLINE, call(dispatch_now="on"), follow=True).text

    case = Case.objects.get()
    assert (case.grid, case.status) == (mini.grid_a1, Status.REPORTED)
    assert "This case is neither in your area nor assigned to you." in page
    assert f'data-done="{case.tracking_no}"' in page
    assert f'href="/cases/{case.tracking_no}/"' not in page  # not theirs to open


def test_an_address_alone_places_the_call(client: Client, mini: MiniDistrict) -> None:
    Building.objects.create(
        code="DS-2",
        community=mini.grid_c1.community,
        grid=mini.grid_c1,
        name="丁山新村2栋",
        address="丁山新村2栋",
        address_key=building_key("丁山新村2栋"),
        lon=f.C1_POINT[0],
        lat=f.C1_POINT[1],
    )

    signed_in(client, mini.dispatcher).post(HOTLINE, call(point=None, address="丁山新村2栋3单元201"))

    case = Case.objects.get()
    assert (case.grid, case.address) == (mini.grid_c1, "丁山新村2栋3单元201")


# --- duplicates --------------------------------------------------------------------------------------


def test_open_cases_nearby_are_shown_before_saving_and_the_clerk_may_report_anyway(
    client: Client, mini: MiniDistrict
) -> None:
    earlier = f.report()
    signed_in(client, mini.dispatcher)

    shown = client.post(HOTLINE, call())

    assert shown.status_code == 200
    assert listed_duplicates(shown.text) == [earlier.tracking_no]
    assert 'data-testid="duplicates-warning"' in shown.text
    assert f'name="seen" value="{earlier.tracking_no}"' in shown.text
    assert Case.objects.count() == 1

    client.post(HOTLINE, call(seen=earlier.tracking_no))

    assert Case.objects.count() == 2
    assert Case.objects.exclude(pk=earlier.pk).get().status == Status.REPORTED  # merged later, if so


def test_a_new_duplicate_since_the_clerk_looked_is_shown_again(client: Client, mini: MiniDistrict) -> None:
    first = f.report()
    second = f.report()

    response = signed_in(client, mini.dispatcher).post(HOTLINE, call(seen=first.tracking_no))

    assert sorted(listed_duplicates(response.text)) == sorted([first.tracking_no, second.tracking_no])
    assert Case.objects.count() == 2


def test_other_categories_and_far_places_are_not_duplicates(client: Client, mini: MiniDistrict) -> None:
    f.report(point=f.C1_POINT)
    f.report(code=f.GARBAGE, description="暴露垃圾")

    signed_in(client, mini.dispatcher).post(HOTLINE, call())

    assert Case.objects.count() == 3


def test_the_live_check_lists_duplicates_of_the_place_and_the_guessed_category(
    client: Client, mini: MiniDistrict
) -> None:
    earlier = f.report()
    signed_in(client, mini.dispatcher)

    point = {"lon": f.A1_POINT[0], "lat": f.A1_POINT[1]}
    found = client.post("/hotline/duplicates/", {**point, "description": "又是邻居吵架"})  # 邻里纠纷
    other = client.post("/hotline/duplicates/", {**point, "description": "路边有暴露垃圾"})
    nothing_yet = client.post("/hotline/duplicates/", {"description": TEXT})
    outside = client.post(
        "/hotline/duplicates/", {"lon": f.OUTSIDE[0], "lat": f.OUTSIDE[1], "category": f.DISPUTE}
    )

    assert listed_duplicates(found.text) == [earlier.tracking_no]
    assert listed_duplicates(other.text) == []
    assert "No open case of this category near the place." in other.text
    assert listed_duplicates(nothing_yet.text) == []
    assert "Give the place and the category" in nothing_yet.text
    assert "The place is not in this district." in outside.text
    assert Case.objects.count() == 1


def test_duplicates_outside_the_clerks_area_stay_hidden(client: Client, mini: MiniDistrict) -> None:
    earlier = f.report()  # in A1, outside the street dispatcher's street

    response = signed_in(client, mini.street_dispatcher).post(
        "/hotline/duplicates/", {"lon": f.A1_POINT[0], "lat": f.A1_POINT[1], "category": f.DISPUTE}
    )

    assert earlier.tracking_no not in response.text
    assert "No open case of this category near the place." in response.text


# --- bad input ---------------------------------------------------------------------------------------

BAD_INPUT: dict[str, tuple[dict[str, Any], str]] = {
    "no phone": ({"caller_phone": ""}, "This field is required."),
    "not a phone": ({"caller_phone": "12"}, "caller_phone"),
    "a 10,000-character text": (
        {"description": "吵" * 10_000},
        "Ensure this value has at most 4000 characters (it has 10000).",
    ),
    "a text too long with the work-order number": ({"description": "吵" * 3990}, "longer than 4000"),
    "an unknown address and no point": (
        {"lon": "", "lat": "", "address": "火星路1号"},
        "The address names no building of a grid in this district.",
    ),
    "no place": (
        {"lon": "", "lat": "", "address": ""},
        "Give the place: your position, a pin on the map or an address.",
    ),
    "a point outside the district": (
        {"lon": f.OUTSIDE[0], "lat": f.OUTSIDE[1]},
        "The place is not in this district.",
    ),
    "a work order with spaces and script": (
        {"transfer_no": "<script>1</script>"},
        "Use letters, digits and hyphens only.",
    ),
    "an unknown urgency": ({"urgency": "yesterday"}, "Select a valid choice."),
}


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_gets_a_clear_error_and_writes_nothing(
    client: Client, mini: MiniDistrict, case: str
) -> None:
    changes, message = BAD_INPUT[case]

    response = signed_in(client, mini.dispatcher).post(HOTLINE, call(**changes, dispatch_now="on"))

    assert response.status_code == 200
    if message == "caller_phone":
        assert re.search(r'data-field="caller_phone">.*?<ul class="errorlist"', response.text, re.S)
    else:
        assert message in response.text
    assert not Case.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_html_in_the_text_is_stored_as_text_and_shown_escaped(client: Client, mini: MiniDistrict) -> None:
    text = "<img src=x onerror=alert(1)> 邻居吵架"

    page = (
        signed_in(client, mini.dispatcher)
        .post(HOTLINE, call(description=text, transfer_no="", callback=""), follow=True)
        .text
    )

    assert Case.objects.get().description == text
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_page_runs_the_same_queries_however_many_calls_today(client: Client, mini: MiniDistrict) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signed_in(client, mini.street_dispatcher)
    counts = []
    for point in (f.A1_POINT, f.C1_POINT):
        for _call in range(3):
            client.post(
                HOTLINE, call(point, seen=",".join(Case.objects.values_list("tracking_no", flat=True)))
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(HOTLINE).status_code == 200
        counts.append(len(queries))

    assert Case.objects.count() == 6
    assert counts[0] == counts[1]
