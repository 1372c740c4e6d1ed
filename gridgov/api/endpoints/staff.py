"""What a staff member reads with a token: who they are, their queues, a case with its allowed moves.

Scope is the web's: `cases.permissions.visible_cases` for lists and `can_view_case` (through the
case page's `case_for`) for one case, so a grid worker of A1 gets 404 for a case of B1, as on the
web. Nothing here decides who may see what.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from gridgov.api import serialize
from gridgov.api.auth import TokenAuth, staff
from gridgov.api.moving import offered_moves, task_events
from gridgov.api.schemas import CaseDetailOut, CasePage, ErrorOut, MeOut
from gridgov.cases import clock, queries
from gridgov.cases.models import Case, Status
from gridgov.cases.permissions import visible_cases
from gridgov.cases.views.case import pending_kinds
from gridgov.cases.views.common import case_for
from gridgov.people import policy
from gridgov.people.models import User

router = Router(tags=["staff"], auth=TokenAuth())
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000


@router.get("/me", response={200: MeOut, 401: ErrorOut}, url_name="me", summary="The token's staff member")
def me(request: HttpRequest) -> dict[str, Any]:
    """Return the staff member of the token, with their roles and active posts."""
    user = staff(request)
    return {
        "username": user.username,
        "full_name": user.full_name,
        "roles": sorted(policy.roles(user)),
        "posts": [serialize.post_out(post) for post in policy.active_posts(user)],
    }


class CaseFilter(Schema):
    status: list[Status] = Field(
        default_factory=list, description="Only cases in these statuses (repeatable)."
    )
    grid: str = Field("", description="Only the cases of the grid with this code.")
    mine: bool = Field(False, description="Only the cases waiting for you to act (your queue).")
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


@router.get("/cases", response={200: CasePage, **ERRORS}, url_name="cases", summary="The cases you may see")
def cases(request: HttpRequest, filters: Query[CaseFilter]) -> dict[str, Any]:
    """List the cases in your areas and those sent to you or your departments, newest first.

    With `mine`, the cases waiting for you to act, in queue order (urgent ones nobody signed for first,
    then by deadline), as the console, inbox and grid page list them.
    """
    user = staff(request)
    found = _filtered(user, filters)
    count = found.count()
    start = (filters.page - 1) * filters.page_size
    listed = found.select_related("category", "grid", "lead_department")[start : start + filters.page_size]
    now = timezone.now()
    return {
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
        "items": [serialize.case_summary(case, now) for case in listed],
    }


def _filtered(user: User, filters: CaseFilter) -> QuerySet[Case]:
    found = queries.queue_for(user) if filters.mine else visible_cases(user).order_by("-created_at", "-pk")
    if filters.status:
        found = found.filter(status__in=[str(status) for status in filters.status])
    if filters.grid:
        found = found.filter(grid__code=filters.grid)
    return found


@router.get(
    "/cases/{tracking_no}",
    response={200: CaseDetailOut, **ERRORS},
    url_name="case",
    summary="One case with its timeline, tasks and your moves",
)
def case_detail(request: HttpRequest, tracking_no: str) -> dict[str, Any]:
    """Return the case if it is in your scope (404 otherwise), with the moves you may make on it now."""
    user = staff(request)
    return detail(user, case_for(user, tracking_no))


def detail(user: User, case: Case) -> dict[str, Any]:
    """Return the whole case as the case page shows it to the user."""
    now = timezone.now()
    rows = queries.timeline(case)
    attachments = serialize.case_attachments(case)
    tasks = list(case.tasks.select_related("department", "user").order_by("-lead", "created_at", "pk"))
    waiting = pending_kinds(rows, case)
    return {
        **serialize.case_summary(case, now),
        "channel": case.channel,
        "level": case.level,
        "reporter_name": case.reporter_name,
        "reporter_phone_last4": case.reporter_phone_last4,
        "lead_user": serialize.person(case.lead_user),
        "registered_at": serialize.local(case.registered_at),
        "closed_at": serialize.local(case.closed_at),
        "case_due_at": serialize.local(case.case_due_at),
        "case_colour": clock.case_colour(case, now),
        "held_since": serialize.local(case.held_since),
        "rating": case.rating,
        "outcome_quantity": case.outcome_quantity,
        "merged_into": case.merged_into.tracking_no if case.merged_into else None,
        "merged": list(case.merged.values_list("tracking_no", flat=True)),
        "waiting": sorted(waiting),
        "timeline": serialize.transitions_out(case, rows, serialize.photos_by_transition(attachments)),
        "tasks": [serialize.task_out(task, task_events(user, task)) for task in tasks],
        "photos": serialize.photos_out(case, attachments),
        "moves": offered_moves(user, case, waiting),
    }


@router.get(
    "/cases/{tracking_no}/photos/{pk}",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    url_name="case_photo",
    summary="A photo of the case",
    openapi_extra={"responses": {200: {"description": "The image", "content": {"image/*": {}}}}},
)
def case_photo(request: HttpRequest, tracking_no: str, pk: int) -> FileResponse:
    """Return a photo of the case (or of a report merged into it) if you may see the case."""
    user = staff(request)
    case = case_for(user, tracking_no)
    attachment = serialize.case_attachments(case, pk=pk)
    if not attachment:
        raise Http404
    try:
        handle = attachment[0].file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=attachment[0].content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
