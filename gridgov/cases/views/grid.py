"""The grid worker's phone page: my grid's cases (open first), small matters solved in the grid,
verification of others' work, urgent alerts to sign for, and a quick report from the street."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gridgov.cases import actions, clock, workflow
from gridgov.cases.models import Case, Channel, Status, Task
from gridgov.cases.views.case import MoveButton, move_buttons
from gridgov.cases.views.common import case_url, current_user
from gridgov.cases.views.forms import QuickReportForm, TaskDoneForm
from gridgov.people import policy
from gridgov.people.models import Role, User

Move = workflow.Move
RECENTLY_CLOSED = 20
OPEN_LIMIT = 200
# What the grid worker does with the grid's cases, by status (the actions check again).
WORKER_MOVES: dict[str, tuple[str, ...]] = {
    Status.REPORTED: (Move.TAKE_IN_GRID,),
    Status.SELF_HANDLING: (Move.SOLVE_IN_GRID, Move.ESCALATE),
    Status.HANDLED: (Move.VERIFY_PASS, Move.VERIFY_FAIL),
}
# Sections of the page, in order: the statuses each lists.
SECTIONS = (
    ("new", (Status.REPORTED,)),
    ("mine", (Status.SELF_HANDLING,)),
    ("verify", (Status.HANDLED,)),
    ("others", (Status.REGISTERED, Status.DISPATCHED, Status.IN_PROGRESS, Status.ON_HOLD)),
)


@dataclass(frozen=True)
class GridItem:
    case: Case
    colour: str
    buttons: list[MoveButton]


def worker_grids(user: User) -> tuple[list[int], set[int]]:
    """Return the ids of the user's grids (grid worker's first) and those where they are the grid worker."""
    posts = policy.grid_posts(user)
    grids = list(dict.fromkeys(post.grid_id for post in posts if post.grid_id))
    worker = {post.grid_id for post in posts if post.role == Role.GRID_WORKER and post.grid_id}
    return grids, worker


def _sections(cases: list[Case], worker_grids: set[int], now: datetime) -> dict[str, list[GridItem]]:
    sections: dict[str, list[GridItem]] = {key: [] for key, _statuses in SECTIONS}
    for case in cases:
        key = next(key for key, statuses in SECTIONS if case.status in statuses)
        moves = list(WORKER_MOVES.get(case.status, ())) if case.grid_id in worker_grids else []
        buttons = move_buttons(case, moves, prefix=f"c{case.pk}_")
        sections[key].append(GridItem(case, clock.colour(case, now), buttons))
    return sections


def _context(user: User, form: QuickReportForm) -> dict[str, Any]:
    grids, worker = worker_grids(user)
    now = timezone.now()
    mine = Case.objects.filter(grid_id__in=grids).select_related("category", "grid")
    open_cases = list(mine.filter(status__in=workflow.OPEN).order_by("due_at", "created_at")[:OPEN_LIMIT])
    alerts = list(
        Task.objects.filter(user=user, lead=False, state__in=(Task.State.PENDING, Task.State.SIGNED))
        .exclude(case__status__in=workflow.TERMINAL)
        .select_related("case__category", "case__grid")
        .order_by("created_at")
    )
    return {
        "sections": _sections(open_cases, worker, now),
        "alerts": alerts,
        "alert_form": TaskDoneForm(auto_id="id_alert_%s"),
        "closed": list(mine.filter(status=Status.CLOSED).order_by("-closed_at")[:RECENTLY_CLOSED]),
        "form": form,
        "is_grid_worker": bool(worker),
        "next": reverse("cases:grid"),
    }


@require_http_methods(["GET", "HEAD", "POST"])
def grid_page(request: HttpRequest) -> HttpResponse:
    """Show my grid's cases with the grid worker's moves; a POST is a quick report."""
    user = current_user(request)
    if not policy.grid_posts(user):
        raise PermissionDenied
    posted = request.method == "POST"
    form = QuickReportForm(request.POST, request.FILES) if posted else QuickReportForm()
    if posted and form.is_valid():
        try:
            case = _report(user, form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Reported as %(no)s.") % {"no": case.tracking_no})
            return redirect(case_url(case))
    return render(request, "cases/grid.html", _context(user, form))


def _report(user: User, data: dict[str, Any]) -> Case:
    """Report the matter as the grid worker on patrol, through the one intake action."""
    return actions.report_case(
        Channel.PATROL,
        data["description"],
        lon=data["lon"],
        lat=data["lat"],
        address=data["address"],
        category=data["category"],
        urgency=data["urgency"] or None,
        reported_by=user,
        photos=data["photos"],
    )


def _add_errors(form: QuickReportForm, exc: ValidationError) -> None:
    """Show the action's errors on the form's fields (the place, when it is about the location)."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    for name, messages_ in errors.items():
        field = name if name in form.fields else None
        for message in messages_:
            form.add_error(field, message)
