"""The public side: report a matter (anyone, or staff with a token), and follow a report.

A report ends in `cases.actions.report_case` like every channel's, so the same report yields the
same case (grid, category guess, routing) through the API as through any page. Without a token the
reporter must give a phone number: it is how they follow the case (tracking asks its last four
digits) and how they hear back.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field
from pydantic import ValidationError as PydanticError

from gridgov.api import serialize
from gridgov.api.auth import TokenAuth, public_unless_token, staff_of
from gridgov.api.errors import ApiError, error, from_pydantic
from gridgov.api.payload import read
from gridgov.api.schemas import ErrorOut, ReportIn, ReportOut, TrackOut
from gridgov.cases import actions
from gridgov.cases.models import Case, Channel
from gridgov.cases.queries import find_for_tracking, public_timeline
from gridgov.cases.views.forms import MAX_PHOTOS
from gridgov.intake import ratelimit

router = Router(tags=["public"])


def _report_body() -> dict[str, Any]:
    """Return the OpenAPI request body of a report: JSON (photos in base64) or multipart (photo files)."""
    schema = ReportIn.model_json_schema()
    form = {**schema, "properties": {**schema["properties"]}}
    form["properties"]["photos"] = {"type": "array", "items": {"type": "string", "format": "binary"}}
    return {
        "required": True,
        "content": {"application/json": {"schema": schema}, "multipart/form-data": {"schema": form}},
    }


@router.post(
    "/reports",
    response={201: ReportOut, **dict.fromkeys((400, 401, 413, 415, 422, 429), ErrorOut)},
    auth=[TokenAuth(), public_unless_token],
    url_name="reports",
    summary="Report a matter",
    # The empty requirement makes the token optional.
    openapi_extra={"requestBody": _report_body(), "security": [{}]},
)
def create_report(request: HttpRequest) -> Status[dict[str, Any]]:
    """Report a matter (no token needed; with a staff token it is reported as that staff member).

    Answers the tracking number, the grid and category the report was given, and the public page where
    the reporter follows it. Bad input gets 422 with the errors by field, and nothing is stored.
    """
    reporter = staff_of(request)
    given = read(request)
    try:
        data = ReportIn.model_validate(given.values)
    except PydanticError as exc:
        raise ApiError(422, from_pydantic(exc.errors())) from None
    photos = given.files.getlist("photos")
    if len(photos) > MAX_PHOTOS:
        raise error(422, _("At most %(max)d items.") % {"max": MAX_PHOTOS}, "photos")
    if reporter is None and not data.reporter_phone.strip():
        raise error(422, _("Give your phone number: you follow the report with it."), "reporter_phone")
    if reporter is None:
        _refuse_over_limits(request, data.reporter_phone, data.address)
    case = actions.report_case(
        Channel.API,
        data.description,
        lon=data.lon,
        lat=data.lat,
        crs=data.crs,
        address=data.address,
        category=data.category,
        urgency=data.urgency,
        reporter_name=data.reporter_name,
        reporter_phone=data.reporter_phone,
        reported_by=reporter,
        photos=photos,
    )
    return Status(201, _report_out(request, case))


def _refuse_over_limits(request: HttpRequest, phone: str, address: str) -> None:
    """Apply the public report page's limits to an anonymous report (429), so the API is no way around them.

    Staff with a token are not limited: a hotline or patrol app files many reports on purpose.
    """
    if ratelimit.REPORTS.blocked(request):
        raise error(429, ratelimit.network_refusal())
    ratelimit.REPORTS.hit(request)
    refusal = ratelimit.report_refusal(phone, address.strip(), timezone.now())
    if refusal:
        raise error(429, refusal, "reporter_phone")


def _report_out(request: HttpRequest, case: Case) -> dict[str, Any]:
    track = f"{reverse('track:lookup')}?{urlencode({'no': case.tracking_no})}"
    return {
        "tracking_no": case.tracking_no,
        "status": case.status,
        "grid": serialize.ref(case.grid),
        "category": serialize.ref(case.category),
        "track_url": request.build_absolute_uri(track),
    }


class TrackQuery(Schema):
    phone_last4: str = Field(description="The last four digits of the phone given with the report.")


@router.get(
    "/track/{tracking_no}",
    response={200: TrackOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    url_name="track",
    summary="Follow a report",
)
def track(request: HttpRequest, tracking_no: str, query: Query[TrackQuery]) -> dict[str, Any]:
    """Return the public timeline of the case the tracking number and the phone's last four digits prove.

    A wrong number and wrong digits get the same 404: nobody learns whether a number exists. After
    too many failed lookups of one number (counted with the tracking page's), every lookup of it gets
    429 for a while, the right digits too, whether or not the number exists.
    """
    now = timezone.now()
    refusal = ratelimit.tracking_refusal(tracking_no, now)
    if refusal:
        raise error(429, refusal)
    case = find_for_tracking(tracking_no, query.phone_last4)
    if case is None:
        ratelimit.count_failed_lookup(tracking_no, now)
        raise error(404, _("No report has this tracking number and phone."))
    return {
        "tracking_no": case.tracking_no,
        "status": case.status,
        "category": case.category.name if case.category else None,
        "reported_at": serialize.local(case.created_at),
        "closed_at": serialize.local(case.closed_at),
        "rating": case.rating,
        "timeline": [
            {"at": serialize.local(entry.at), "words": entry.words, "text": entry.text}
            for entry in public_timeline(case)
        ],
    }
