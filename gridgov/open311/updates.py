"""`GET servicerequestupdates`: the public moves of cases, as mySociety's Open311 extension has them.

FixMyStreet's extension to GeoReport v2 lets a client fetch what happened to requests since it last
asked, instead of fetching every request again. An update is a public move of a case after its
report — accepted, dispatched, work started, done, resolved, a progress note — in the plain words
the reporter reads on the tracking page (`cases.queries.PUBLIC_WORDS`). Like every GET answer it is
public: no staff name, no note (a note is written to the reporter, not to the world), nothing of
what the reporter said. The report itself is no update (the request is), and neither is the
reporter's rating, whose words speak to the reporter.

Each update has `update_id` (the tracking number and the move's sequence number: SF20260622-0001-3),
`service_request_id`, `status`, `updated_datetime`, `description` and `media_url` (always empty:
photos of the work stay with staff and the reporter). `status` is mySociety's extended status after
the move (`investigating`, `action_scheduled`, `in_progress`, `fixed`, `no_further_action`,
`duplicate` …), not the plain open/closed of a request: the extension puts it there, mySociety's own
servers answer so, and FixMyStreet reads the update's state from it without asking for
`extensions` (a plain `closed` would show a rejected report as fixed). With `extensions=true` the
same value is repeated under `extended_attributes.status`, as for requests. `start_date`/`end_date` bound the moves' times (default: the last 24 hours; at most 90
days apart); oldest first, at most 1,000, so a client polls on from the last `updated_datetime` it
saw (and drops an `update_id` it already has).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases.models import Transition
from gridgov.cases.queries import PUBLIC_WORDS
from gridgov.cases.workflow import Move
from gridgov.open311.answers import EXTENDED, NOTED_MOVES, basic_status, parse_window, w3c
from gridgov.open311.errors import BadRequest

DEFAULT_WINDOW = timedelta(hours=24)
MAX_RECORDS = 1_000
UPDATE_MOVES = [move for move in NOTED_MOVES if move != Move.REPORT]
# Of the move's data only the request a merge joined (the rest may be long, and is staff's).
_FIELDS = ("case__tracking_no", "seq", "move", "to_status", "at", "data__into_tracking_no")


def parse(params: QueryDict, now: datetime | None = None) -> tuple[datetime, datetime]:
    """Return the window of move times the parameters ask for; raise BadRequest naming every bad one."""
    problems: list[str] = []
    start, end = parse_window(params, now or timezone.now(), problems, default=DEFAULT_WINDOW)
    if problems:
        raise BadRequest(problems)
    return start, end


def find(start: datetime, end: datetime, *, extensions: bool = False) -> list[dict[str, Any]]:
    """Return the updates of the window, oldest first, at most 1,000 (one query on the log's time index)."""
    moves = Transition.objects.filter(public=True, move__in=UPDATE_MOVES, at__gte=start, at__lte=end)
    rows = moves.order_by("at", "pk").values(*_FIELDS)[:MAX_RECORDS]
    return [as_update(row, extensions=extensions) for row in rows]


def as_update(row: dict[str, Any], *, extensions: bool = False) -> dict[str, Any]:
    """Return mySociety's service request update for a row of the log (the fields of `find`)."""
    number = row["case__tracking_no"]
    status = EXTENDED.get(row["to_status"], basic_status(row["to_status"]))
    update: dict[str, Any] = {
        "update_id": f"{number}-{row['seq']}",
        "service_request_id": number,
        "status": status,
        "updated_datetime": w3c(row["at"]),
        "description": _description(row),
        "media_url": None,
    }
    if extensions:
        update["extended_attributes"] = {"status": status}
    return update


def _description(row: dict[str, Any]) -> str:
    """Return the move's plain words; a merge names the request that carries on (public too)."""
    words = str(PUBLIC_WORDS[row["move"]])
    into = row["data__into_tracking_no"] if row["move"] == Move.MERGE else None
    if not into:
        return words
    return _("%(words)s (%(number)s)") % {"words": words, "number": into}
