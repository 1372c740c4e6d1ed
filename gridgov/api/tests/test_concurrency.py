"""Two apps making moves on the same case at the same moment over real HTTP: one wins, the other gets 409."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests
from django.db import connection

from gridgov.api.tests.conftest import token_of
from gridgov.cases.models import Status, Transition
from gridgov.cases.tests import factories as f
from gridgov.testing import MiniDistrict

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
    ),
]


def test_of_two_simultaneous_moves_on_the_same_version_exactly_one_is_made(
    live_server: Any, mini: MiniDistrict
) -> None:
    case = f.report()
    url = f"{live_server.url}/api/v1/cases/{case.tracking_no}/moves/"
    moves = [
        ("accept", token_of(mini.dispatcher), {"version": 1}),
        ("reject", token_of(mini.admin), {"version": 1, "reason": "重复上报"}),
    ]
    start = threading.Barrier(len(moves))
    statuses: dict[str, int] = {}

    def post(name: str, token: str, body: dict[str, Any]) -> None:
        start.wait()
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
        statuses[name] = requests.post(url + name, json=body, headers=headers, timeout=30).status_code

    threads = [threading.Thread(target=post, args=move) for move in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses.values()) == [200, 409], statuses
    winner = next(name for name, status in statuses.items() if status == 200)
    stored = f.fresh(case)
    assert stored.version == 2
    assert stored.status == (Status.REGISTERED if winner == "accept" else Status.REJECTED)
    assert list(Transition.objects.filter(case=case).values_list("move", flat=True).order_by("seq")) == [
        "report",
        winner,
    ]
