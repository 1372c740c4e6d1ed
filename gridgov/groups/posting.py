"""Queue posts to grid groups (件件有回音 in the group) inside the transaction of the change they announce.

The case moves call `post_case_event` on every move that reports, hands back a result or closes a
case. That is the hot path, so the post costs one statement whether the grid has a robot or not:
an INSERT … SELECT that reads the grid's active robot and queues one outbox row per robot (none
without a robot). The message itself is written by the worker at delivery (`delivery.py`), from
the case as it is then; the outbox row holds only the tracking number and the status of the move.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import connections, router

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


def post_case_event(case: Case, event: str, at: datetime | None = None) -> int:
    """Queue the event of the case (reported, handled, closed) for its grid's active robot; return how many.

    Other events are ignored without touching the database, so a move may call this for any event.
    """
    kind = CASE_EVENTS.get(event)
    if kind is None or case.grid_id is None:
        return 0
    alias = router.db_for_write(OutboxMessage)
    payload = {"tracking_no": case.tracking_no, "status": case.status}
    params: list[Any] = [case.grid_id, True]
    return outbox.enqueue_selected(
        WECOM, _grid_robots_sql(alias), params, ROBOT, kind, payload, case=case, at=at
    )


def post_notice(notice: ServiceNotice, kind: str = NOTICE) -> int:
    """Queue the notice (or its withdrawal) for the active robots of its grids, in one statement."""
    alias = router.db_for_write(OutboxMessage)
    payload = {"notice": notice.pk}
    return outbox.enqueue_selected(WECOM, _notice_robots_sql(alias), [notice.pk, True], ROBOT, kind, payload)


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
