"""Two people acting on the same case at the same moment: exactly one wins, nothing is written for the other."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from gridgov.cases import actions
from gridgov.cases.actions import CaseChanged
from gridgov.cases.models import Case, Status, Task, Transition
from gridgov.cases.tests import factories as f
from gridgov.testing import MiniDistrict

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
)


@pytest.fixture(autouse=True)
def english_and_media(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def test_of_two_dispatchers_accepting_the_same_report_one_wins(mini: MiniDistrict) -> None:
    case = f.report()
    mine, theirs = f.fresh(case), f.fresh(case)

    actions.accept(mine, mini.dispatcher)
    before = f.counts()
    with pytest.raises(CaseChanged, match="changed"):
        actions.reject(theirs, mini.admin, "重复")

    assert f.counts() == before
    stored = f.fresh(case)
    assert (stored.status, stored.version) == (Status.REGISTERED, 2)
    assert list(Transition.objects.filter(case=case).values_list("seq", "move")) == [
        (1, "report"),
        (2, "accept"),
    ]


def test_a_return_loses_against_a_sign_made_a_moment_earlier(mini: MiniDistrict) -> None:
    case = f.dispatched(mini)
    signer, returner = f.fresh(case), f.fresh(case)

    actions.sign(signer, mini.handler)
    before = f.counts()
    with pytest.raises(CaseChanged):
        actions.return_case(returner, mini.handler, "派错了")

    assert f.counts() == before
    assert Task.objects.get(case=case, lead=True).state == Task.State.SIGNED


def test_even_a_move_that_keeps_the_status_bumps_the_version(mini: MiniDistrict) -> None:
    case = f.in_progress(mini)
    noted, urged = f.fresh(case), f.fresh(case)

    actions.note(noted, mini.handler, "进展")
    with pytest.raises(CaseChanged):
        actions.urge(urged, mini.leader, "快")

    assert not Transition.objects.filter(case=case, move="urge").exists()


def _race(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs in threads released together; return each one's result or exception."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):
                results[index] = job()
        except Exception as exc:  # the loser's CaseChanged is the point
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_threads_moving_the_same_case_at_once_one_wins_on_postgresql(mini: MiniDistrict) -> None:
    case = f.dispatched(mini)
    before_transitions = Transition.objects.filter(case=case).count()

    results = _race(
        [
            lambda: actions.sign(Case.objects.get(pk=case.pk), mini.handler),
            lambda: actions.return_case(Case.objects.get(pk=case.pk), mini.handler, "派错了"),
        ]
    )

    assert sorted(type(r).__name__ for r in results) == ["CaseChanged", "Transition"]
    assert Transition.objects.filter(case=case).count() == before_transitions + 1
    stored = f.fresh(case)
    assert stored.version == before_transitions + 1
    winner = next(r for r in results if isinstance(r, Transition))
    assert stored.status == winner.to_status


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_reports_never_share_a_tracking_number_on_postgresql(mini: MiniDistrict) -> None:
    results = _race([f.report for _ in range(6)])

    numbers = [r.tracking_no for r in results]
    assert len(set(numbers)) == 6
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == [1, 2, 3, 4, 5, 6]
