"""Queue posts to grid groups (件件有回音 in the group) inside the transaction of the change they announce.

The case moves call `post_case_event` on every move that reports, hands back a result or closes a
case. That is the hot path. Each process knows which grids have an active robot (asked again at most
every `ROBOTS_FRESH_SECONDS`, and at once when a robot is saved in this process), so a move in a grid
without one costs nothing; in a grid with one, the post is one statement, an INSERT … SELECT that
reads the grid's active robot and queues one outbox row (none if the robot was paused meanwhile). A
robot set up in another process starts receiving posts within those seconds. The message itself is written by the worker at delivery (`delivery.py`), from
the case as it is then; the outbox row holds only the tracking number and the status of the move.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import connections, router
from django.db.models.signals import post_delete, post_save

from gridgov.cases.models import Case
from gridgov.groups.models import GroupRobot, ServiceNotice
from gridgov.notify import outbox
from gridgov.notify.models import OutboxMessage

WECOM = OutboxMessage.Channel.WECOM
# The column of the robot sources that becomes the outbox row's recipient.
ROBOT = "robot"
NEW = "group_new"
HANDLED = "group_handled"
CLOSED = "group_closed"
NOTICE = "group_notice"
WITHDRAWN = "group_withdrawn"
TEST = "group_test"
# The case events of `cases.actions` that are posted to the grid's group, by the kind they post as.
CASE_EVENTS = {"acknowledge": NEW, "handled": HANDLED, "closed": CLOSED}


def post_case_event(case: Case, event: str, at: datetime | None = None) -> int | None:
    """Queue the event of the case (reported, handled, closed) for its grid's active robot; return how many.

    Other events are ignored without touching the database, so a move may call this for any event.
    Inside a move on PostgreSQL the post joins the move's statement and the count is not known: None.
    """
    kind = CASE_EVENTS.get(event)
    if kind is None or case.grid_id is None or case.grid_id not in grids_with_robots():
        return 0
    alias = router.db_for_write(OutboxMessage)
    payload = {"tracking_no": case.tracking_no, "status": case.status}
    params: list[Any] = [case.grid_id, True]
    return outbox.enqueue_selected(
        WECOM, _grid_robots_sql(alias), params, ROBOT, kind, payload, case=case, at=at
    )


# How long a process trusts its list of grids with a robot before asking again.
ROBOTS_FRESH_SECONDS = 5.0
_robots: tuple[float, frozenset[int]] | None = None
_robots_lock = threading.Lock()


def grids_with_robots() -> frozenset[int]:
    """Return the ids of the grids that have an active robot, as this process last saw them."""
    global _robots
    known = _robots
    if known is not None and time.monotonic() - known[0] < ROBOTS_FRESH_SECONDS:
        return known[1]
    with _robots_lock:
        grids = frozenset(GroupRobot.objects.filter(active=True).values_list("grid_id", flat=True))
        _robots = (time.monotonic(), grids)
        return grids


def forget_robots(**kwargs: Any) -> None:
    """Make the next post ask again which grids have a robot (a robot was saved or deleted here)."""
    global _robots
    _robots = None


post_save.connect(forget_robots, sender=GroupRobot, dispatch_uid="groups_robots_saved")
post_delete.connect(forget_robots, sender=GroupRobot, dispatch_uid="groups_robots_deleted")


def post_notice(notice: ServiceNotice, kind: str = NOTICE) -> int:
    """Queue the notice (or its withdrawal) for the active robots of its grids, in one statement."""
    alias = router.db_for_write(OutboxMessage)
    payload = {"notice": notice.pk}
    posted = outbox.enqueue_selected(
        WECOM, _notice_robots_sql(alias), [notice.pk, True], ROBOT, kind, payload
    )
    assert posted is not None, "notices are published outside a move's gathered writes"
    return posted


def post_test(robot: GroupRobot) -> None:
    """Queue a test message for the robot (the grid worker checks the webhook works)."""
    outbox.enqueue(WECOM, str(robot.pk), TEST, {"grid": robot.grid_id})


def _quote(alias: str) -> Any:
    return connections[alias].ops.quote_name


@lru_cache(maxsize=8)
def _grid_robots_sql(alias: str) -> str:
    """Return the SELECT of the ids (column `ROBOT`) of the grid's active robots (at most one)."""
    quote = _quote(alias)
    table = quote(GroupRobot._meta.db_table)
    return (
        f"SELECT {table}.{quote('id')} AS {ROBOT} FROM {table} "
        f"WHERE {table}.{quote('grid_id')} = %s AND {table}.{quote('active')} = %s"
    )


@lru_cache(maxsize=8)
def _notice_robots_sql(alias: str) -> str:
    """Return the SELECT of the ids (column `ROBOT`) of the active robots of the notice's grids."""
    quote = _quote(alias)
    robot = quote(GroupRobot._meta.db_table)
    through = ServiceNotice.grids.through._meta
    link = quote(through.db_table)
    notice_column = quote(through.get_field("servicenotice").column)
    grid_column = quote(through.get_field("grid").column)
    return (
        f"SELECT {robot}.{quote('id')} AS {ROBOT} FROM {robot} "
        f"INNER JOIN {link} ON {link}.{grid_column} = {robot}.{quote('grid_id')} "
        f"WHERE {link}.{notice_column} = %s AND {robot}.{quote('active')} = %s"
    )


__all__ = [
    "CASE_EVENTS",
    "CLOSED",
    "HANDLED",
    "NEW",
    "NOTICE",
    "TEST",
    "WITHDRAWN",
    "post_case_event",
    "post_notice",
]
