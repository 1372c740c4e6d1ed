"""Moves on a case, and on one's own task, made with a token (the case page's buttons, for apps)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router

from gridgov.api import moving, payload
from gridgov.api.auth import TokenAuth, staff
from gridgov.api.endpoints.staff import detail
from gridgov.api.errors import error
from gridgov.api.schemas import CaseDetailOut, ErrorOut
from gridgov.cases.models import Case, Task
from gridgov.cases.permissions import can_view_case, is_task_target
from gridgov.cases.views.common import case_for

router = Router(tags=["moves"], auth=TokenAuth())
ANSWERS: dict[int, Any] = {
    200: CaseDetailOut,
    **dict.fromkeys((400, 401, 403, 404, 409, 413, 415, 422), ErrorOut),
}


def _body(description: str) -> dict[str, Any]:
    """Return the OpenAPI request body of a move: its fields as JSON (photos in base64) or as a form."""
    fields = {"type": "object", "additionalProperties": True}
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": fields}, "multipart/form-data": {"schema": fields}},
        }
    }


MOVE_BODY = _body(
    "The move's fields (see `moves` of the case: each with its fields) and `version`, the case's "
    "version as you read it. Photos as a list of base64 strings in JSON, or as files in multipart/form-data. "
    "Moves: " + ", ".join(f"`{name}`" for name in moving.move_names()) + "."
)


@router.post(
    "/cases/{tracking_no}/moves/{move}",
    response=ANSWERS,
    url_name="case_move",
    summary="Make a move on a case",
    openapi_extra=MOVE_BODY,
)
def case_move(request: HttpRequest, tracking_no: str, move: str) -> dict[str, Any]:
    """Make the move on the case as you read it; answer the case as it is now.

    409 when the case changed since you read `version` (nothing is written), 403 when the move is not
    yours to make, 400 when it is refused for the state of the case or what you sent, with the reason.
    """
    user = staff(request)
    case = case_for(user, tracking_no)
    if move not in moving.move_names():
        raise error(404, _("Unknown move “%(move)s”.") % {"move": move}, "move")
    form_class = moving.MOVES[move].form
    moving.make_move(user, case, move, payload.read(request, moving.photo_fields(form_class)))
    return detail(user, case_for(user, tracking_no))


@router.post(
    "/tasks/{pk}/{event}",
    response=ANSWERS,
    url_name="task_event",
    summary="Sign for your assisting task, or report it done",
    openapi_extra=_body("`note` and `photos` (for `done`)."),
)
def task_event(request: HttpRequest, pk: int, event: str) -> dict[str, Any]:
    """Sign for (`sign`) or finish (`done`) an assisting task or urgent alert that is yours."""
    user = staff(request)
    task = get_object_or_404(Task.objects.select_related("case__grid__community__street"), pk=pk)
    if event not in moving.TASK_EVENTS or not can_view_case(user, task.case):
        raise Http404
    if not is_task_target(user, task):
        raise error(403, _("This task is not yours."))
    moving.task_move(user, task, event, payload.read(request, empty=True))
    case: Case = task.case
    return detail(user, case_for(user, case.tracking_no))
