"""Whatever the channel, the same report yields the same case: grid, category guess and routing.

The same words at the same point are sent through the public page, Open311 and the JSON API, as a
resident's phone, a partner app and a mobile app would send them, and filed once directly through
`cases.actions.report_case`. Each case records its own channel; everything else that follows from
the report (where it is, what it is, who gets it) is the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from gridgov.cases import actions
from gridgov.cases.models import Case, Channel, RoutingRule
from gridgov.cases.routing import route
from gridgov.open311.actions import create_key
from gridgov.testing import MiniDistrict

LON, LAT = 113.1052, 27.8648  # inside grid A1
# No category is given anywhere: each channel has to guess it from the words.
WORDS = "小区门口的路灯不亮了，晚上很黑"
PHONE = "13807312345"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def through_the_page(client: Client) -> str:
    response = client.post(
        "/report/",
        {"lon": LON, "lat": LAT, "address": "", "description": WORDS, "reporter_phone": PHONE},
    )
    assert response.status_code == 302, response.content[:500]
    return Case.objects.latest("pk").tracking_no


def through_open311(client: Client) -> str:
    _stored, key = create_key("partner-app")
    response = client.post(
        "/open311/v2/requests.json",
        {"api_key": key, "long": LON, "lat": LAT, "description": WORDS, "phone": PHONE},
    )
    assert response.status_code in (200, 201), response.content[:500]
    return str(response.json()[0]["service_request_id"])


def through_the_api(client: Client) -> str:
    response = client.post(
        "/api/v1/reports",
        {"description": WORDS, "lon": LON, "lat": LAT, "reporter_phone": PHONE},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content[:500]
    return str(response.json()["tracking_no"])


def test_the_same_report_gives_the_same_case_on_every_channel(mini: MiniDistrict) -> None:
    direct = actions.report_case(Channel.DESK, WORDS, lon=LON, lat=LAT, reporter_phone=PHONE)
    # Street lights of the guessed class go to the urban-management department, with the police.
    assert direct.category is not None
    RoutingRule.objects.create(
        name="路灯", class_code=direct.category.code[:2], lead="dept:cgj", assists=["role:police"]
    )
    numbers = {
        Channel.SNAP: through_the_page(Client()),
        Channel.OPEN311: through_open311(Client()),
        Channel.API: through_the_api(Client()),
    }

    assert direct.grid == mini.grid_a1 and direct.category is not None
    expected = outcome(direct)
    assert expected[6:9] == (RoutingRule.objects.get().pk, "dept:cgj", mini.department.pk)
    for channel, number in numbers.items():
        case = Case.objects.get(tracking_no=number)
        assert case.channel == channel
        assert outcome(case) == expected
        assert case.description == WORDS
        assert case.reporter_phone_last4 == PHONE[-4:]


def outcome(case: Case) -> tuple[object, ...]:
    """Return what follows from a report: its place, category, urgency, clock and routing."""
    decision = route(case.category, case.grid, case.description)
    lead = decision.lead
    return (
        case.grid_id,
        case.generation_id,
        case.category_id,
        case.urgency,
        case.status,
        case.stage,
        decision.rule.pk if decision.rule else None,
        lead.spec if lead else None,
        lead.department.pk if lead and lead.department else None,
        lead.user.pk if lead and lead.user else None,
    )
