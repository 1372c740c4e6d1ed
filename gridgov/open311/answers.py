"""What `GET requests` shows of a case, and which cases a query finds.

The answers are public (no API key), so they hold no personal data: never the reporter's name,
phone or reply address, never a staff member's name or note. A matter's own words — description,
address, point and media URL — are shown only for city-management matters (a pothole, a broken
street light), the kind of report that is public by nature; a neighbour dispute, a lost person or a
family matter shows its service, status and dates and nothing of what was said or where. Phone
numbers, ID numbers and e-mail addresses a reporter typed into a description are masked even so.

Statuses: the spec's `open`/`closed`, and with `extensions=true` mySociety's extended status (the
FixMyStreet Open311 extension) under `extended_attributes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from gridgov.cases.models import Case, Domain, Status, Transition
from gridgov.cases.queries import PUBLIC_WORDS
from gridgov.cases.workflow import OPEN, Move
from gridgov.lib.crypto import mask
from gridgov.open311.errors import BadRequest

OPEN_STATUS, CLOSED_STATUS = "open", "closed"
WINDOW = timedelta(days=90)
MAX_RECORDS = 1_000
# mySociety's extended statuses (as FixMyStreet reads them from an Open311 server).
EXTENDED: dict[str, str] = {
    Status.REPORTED: "open",
    Status.SELF_HANDLING: "in_progress",
    Status.REGISTERED: "investigating",
    Status.DISPATCHED: "action_scheduled",
    Status.IN_PROGRESS: "in_progress",
    # On hold (挂账): the work waits for money or a season, with a plan to resume.
    Status.ON_HOLD: "action_scheduled",
    # Done but not yet verified: still work in progress until the check passes (it may fail).
    Status.HANDLED: "in_progress",
    Status.CLOSED: "fixed",
    Status.REJECTED: "no_further_action",
    Status.MERGED: "duplicate",
    Status.VOIDED: "closed",
}
# Moves whose plain words become `status_notes`; the rating's words speak to the reporter ("You rated").
NOTED_MOVES = [move for move in PUBLIC_WORDS if move != Move.RATE]
# Appended to a case's description by `intake` when the report came with a media URL.
MEDIA_MARK = "\n\nmedia_url: "
_MEDIA_SUFFIX = re.compile(re.escape(MEDIA_MARK) + r"(\S+)\Z")
_PRIVATE = (
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail
    re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])"),  # resident ID number
    re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9]{9}(?![0-9])"),  # mobile
    re.compile(r"(?<![0-9])0[0-9]{2,3}[ -]?[2-9][0-9]{6,7}(?![0-9])"),  # landline with area code
)


def basic_status(status: str) -> str:
    """Return the spec's status of a gridgov status: open while anyone still works on it."""
    return OPEN_STATUS if status in OPEN else CLOSED_STATUS


def split_media(description: str) -> tuple[str, str | None]:
    """Return the description without the media URL `intake` appended, and that URL."""
    found = _MEDIA_SUFFIX.search(description)
    if found is None:
        return description, None
    return description[: found.start()], found.group(1)


def mask_private(text: str) -> str:
    """Return the text with e-mail addresses, ID numbers and phone numbers masked."""
    for pattern in _PRIVATE:
        text = pattern.sub(lambda hit: mask(hit.group(0), 0, 0), text)
    return text


# --- finding -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A `GET requests` search: ids alone, or codes, statuses and a window of report times."""

    ids: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None


def parse_query(params: QueryDict, now: datetime | None = None) -> Query:
    """Return the query the parameters ask for; raise BadRequest naming every bad parameter."""
    ids = _comma_list(params.get("service_request_id", ""))
    if ids:
        # The spec: with ids, every other parameter is ignored.
        if len(ids) > MAX_RECORDS:
            raise BadRequest([_("Ask for at most %(max)d service requests at once.") % {"max": MAX_RECORDS}])
        return Query(ids=ids)
    problems: list[str] = []
    statuses = _comma_list(params.get("status", "").lower())
    if any(status not in (OPEN_STATUS, CLOSED_STATUS) for status in statuses):
        problems.append(_("status: use open, closed or both (comma-separated)."))
    start, end = parse_window(params, now or timezone.now(), problems)
    if problems:
        raise BadRequest(problems)
    return Query(codes=_comma_list(params.get("service_code", "")), statuses=statuses, start=start, end=end)


def _comma_list(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def parse_window(
    params: QueryDict, now: datetime, problems: list[str], *, default: timedelta = WINDOW
) -> tuple[datetime, datetime]:
    """Return the window `start_date`/`end_date` ask for; record what is wrong with them in `problems`.

    Without a start, the window is the `default` span before the end (or now); without an end, the
    longest span after the start. The two may be at most 90 days apart.
    """
    start = _when(params, "start_date", problems)
    end = _when(params, "end_date", problems)
    if start is None:
        end = end or now
        return end - default, end
    end = end or start + WINDOW
    if end < start:
        problems.append(_("end_date is before start_date."))
    elif end - start > WINDOW:
        problems.append(_("start_date and end_date may be at most 90 days apart."))
    return start, end


def _when(params: QueryDict, name: str, problems: list[str]) -> datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    # An unescaped "+" in a query string arrives as a space: "…T10:00:00 08:00".
    text = re.sub(r" (\d\d:?\d\d)$", r"+\1", raw)
    try:
        moment = parse_datetime(text)
        day = None if moment is not None else parse_date(text)
    except ValueError:
        moment = day = None
    if day is not None:
        moment = datetime(day.year, day.month, day.day)
    if moment is None:
        problems.append(
            _("%(name)s: “%(value)s” is not a date and time such as 2026-06-22T10:00:00+08:00.")
            % {"name": name, "value": raw[:40]}
        )
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def find(query: Query) -> list[Case]:
    """Return the cases the query finds, newest first, at most 1,000."""
    cases = _with_activity(Case.objects.select_related("category", "lead_department", "grid"))
    if query.ids:
        cases = cases.filter(tracking_no__in=[number.upper() for number in query.ids])
    else:
        cases = cases.filter(created_at__gte=query.start, created_at__lte=query.end)
        if query.codes:
            cases = cases.filter(category__code__in=query.codes, category__kind="matter")
        if query.statuses == (OPEN_STATUS,):
            cases = cases.filter(status__in=OPEN)
        elif query.statuses == (CLOSED_STATUS,):
            cases = cases.exclude(status__in=OPEN)
    return list(cases.order_by("-created_at", "-pk")[:MAX_RECORDS])


def one(tracking_no: str) -> Case | None:
    """Return the case with the tracking number (any case), or None."""
    cases = _with_activity(Case.objects.select_related("category", "lead_department", "grid"))
    return cases.filter(tracking_no=tracking_no.strip().upper()).first()


def _with_activity(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate the time of the last move and the last public move (each from the log's index)."""
    log = Transition.objects.filter(case=OuterRef("pk")).order_by("-seq")
    return cases.annotate(
        last_move_at=Subquery(log.values("at")[:1]),
        last_public_move=Subquery(log.filter(public=True, move__in=NOTED_MOVES).values("move")[:1]),
    )


# --- showing -------------------------------------------------------------------------------------------


def as_request(case: Case, *, extensions: bool = False) -> dict[str, Any]:
    """Return the spec's service request for the case (annotated by `find` or `one`)."""
    category = case.category
    public = category is not None and category.domain == Domain.CITY
    description, media_url = split_media(case.description)
    row: dict[str, Any] = {
        "service_request_id": case.tracking_no,
        "status": basic_status(case.status),
        "status_notes": _status_notes(case),
        "service_name": category.name if category else None,
        "service_code": category.code if category else "",
        "description": mask_private(description) if public else None,
        "agency_responsible": _agency(case),
        "service_notice": None,
        "requested_datetime": w3c(case.created_at),
        "updated_datetime": w3c(getattr(case, "last_move_at", None) or case.created_at),
        "expected_datetime": w3c(case.case_due_at),
        "address": (case.address or None) if public else None,
        "lat": case.lat if public else None,
        "long": case.lon if public else None,
        "media_url": media_url if public else None,
    }
    if extensions:
        row["extended_attributes"] = {"status": EXTENDED.get(case.status, row["status"])}
    return row


def w3c(moment: datetime | None) -> str | None:
    """Return the moment as a W3C date-time in Shanghai time (2026-06-22T10:00:00+08:00)."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _status_notes(case: Case) -> str | None:
    """Return the plain words of the last public move; staff notes stay with the reporter."""
    move = getattr(case, "last_public_move", None)
    return str(PUBLIC_WORDS[move]) if move in PUBLIC_WORDS else None


def _agency(case: Case) -> str | None:
    """Return who answers for the case: the lead department, or the grid whose team handles it."""
    if case.lead_department is not None:
        return case.lead_department.name
    if (case.lead_user_id is not None or case.status == Status.SELF_HANDLING) and case.grid is not None:
        return case.grid.name
    return None
