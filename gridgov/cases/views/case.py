"""The case page: the whole timeline, map, photos, deadlines with their colour, tasks and the moves.

The page runs a fixed number of queries however long the timeline: transitions, attachments and
tasks are read once each, pending requests are derived from the transitions already read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from gridgov.cases import clock, queries, workflow
from gridgov.cases.actions.common import REQUESTS
from gridgov.cases.actions.duplicates import suggest_duplicates
from gridgov.cases.categories import guess_category
from gridgov.cases.models import Attachment, Case, Task, Transition
from gridgov.cases.permissions import OPEN_TASK_STATES, is_task_target, moves_for
from gridgov.cases.routing import route
from gridgov.cases.views.common import case_for, current_user, pin_map, role_label
from gridgov.cases.views.forms import AcceptDispatchForm, TaskDoneForm
from gridgov.cases.views.moves import ACCEPT_DISPATCH, ACCEPT_DISPATCH_LABEL, MOVES
from gridgov.people.models import User
from gridgov.web.maps import map_options

Move = workflow.Move
# Approvals and denials need a waiting request of their kind; a second request waits for the first.
ANSWERS = {move: kind for kind, (_r, approve, deny, _l) in REQUESTS.items() for move in (approve, deny)}
ASKS = {request: kind for kind, (request, _a, _d, _l) in REQUESTS.items()}
# Moves shown as the page's main buttons; the others are folded away under "more".
MAIN_MOVES = frozenset(
    {
        Move.ACCEPT,
        Move.TAKE_IN_GRID,
        Move.SOLVE_IN_GRID,
        Move.DISPATCH,
        Move.SIGN,
        Move.REPORT_DONE,
        Move.VERIFY_PASS,
        Move.VERIFY_FAIL,
        Move.RESUME,
        Move.APPROVE_EXTENSION,
        Move.APPROVE_HOLD,
        Move.APPROVE_VOID,
    }
)


@dataclass
class TimelineRow:
    """One move of the case (or of a report merged into it) with its words and photos."""

    transition: Transition
    move: str
    role: str
    photos: list[Attachment] = field(default_factory=list)
    merged_report: bool = False


@dataclass(frozen=True)
class MoveButton:
    """A move the user may make, with its form (unbound, with initial values)."""

    move: str
    label: str
    form: forms.Form
    main: bool


def pending_kinds(transitions: list[Transition], case: Case) -> set[str]:
    """Return the kinds of request (extension, hold, void) waiting for an answer, from the log read."""
    waiting = set()
    own = [row for row in transitions if row.case_id == case.pk]
    for kind, (request, approve, deny, lapse) in REQUESTS.items():
        moves = {request, approve, deny, *lapse}
        last = next((row for row in reversed(own) if row.move in moves), None)
        if last is not None and last.move == request:
            waiting.add(kind)
    return waiting


def offered_moves(moves: list[str], waiting: set[str]) -> list[str]:
    """Keep approvals of waiting requests only, and no second request of a kind already waiting."""
    kept = []
    for move in moves:
        if move in ANSWERS and ANSWERS[move] not in waiting:
            continue
        if move in ASKS and ASKS[move] in waiting:
            continue
        kept.append(move)
    return kept


def move_buttons(case: Case, moves: list[str], prefix: str = "") -> list[MoveButton]:
    """Return a button (and form) for each move offered; `prefix` keeps ids apart on a list page.

    Whoever may accept a report may also accept and dispatch it in one step, as on the console.
    """
    buttons = []
    if Move.ACCEPT in moves:
        both = AcceptDispatchForm(initial={"category": case.category_id}, auto_id=f"id_{prefix}ad_%s")
        buttons.append(MoveButton(ACCEPT_DISPATCH, str(ACCEPT_DISPATCH_LABEL), both, True))
    for move in moves:
        if move not in MOVES:
            continue
        initial = {"category": case.category_id} if move == Move.ACCEPT else {}
        form = MOVES[move].form(initial=initial, auto_id=f"id_{prefix}{move}_%s")
        if "outcome_quantity" in form.fields and case.category is not None:
            # "Outcome quantity (棵)": the unit closing records, e.g. 3 trees felled.
            quantity = form.fields["outcome_quantity"]
            quantity.label = f"{quantity.label} ({case.category.outcome_unit})"
        buttons.append(MoveButton(move, str(Move(move).label), form, move in MAIN_MOVES))
    return buttons


def timeline_rows(case: Case) -> tuple[list[TimelineRow], list[Transition]]:
    """Return the staff timeline with each move's photos (two queries), and the transitions read."""
    transitions = queries.timeline(case)
    attachments = Attachment.objects.filter(Q(case=case) | Q(case__merged_into=case)).order_by("pk")
    by_transition: dict[int | None, list[Attachment]] = defaultdict(list)
    for attachment in attachments:
        by_transition[attachment.transition_id].append(attachment)
    rows = [
        TimelineRow(
            transition=row,
            move=str(Move(row.move).label) if row.move in Move.values else row.move,
            role=role_label(row.actor_role),
            photos=by_transition.get(row.pk, []),
            merged_report=row.case_id != case.pk,
        )
        for row in transitions
    ]
    return rows, transitions


def _routing(case: Case, moves: list[str]) -> dict[str, Any]:
    """Return the routing decision and duplicates for a dispatcher about to register or dispatch."""
    if not {Move.ACCEPT, Move.DISPATCH} & set(moves):
        return {}
    guess = guess_category(case.description) if case.category is None else None
    category = case.category or (guess.category if guess else None)
    context: dict[str, Any] = {"decision": route(category, case.grid, case.description), "guess": guess}
    if Move.MERGE in moves:
        context["duplicates"] = suggest_duplicates(case)
    return context


def my_open_tasks(user: User, tasks: list[Task]) -> list[Task]:
    """Return the user's open assisting tasks (or urgent alerts) on the case: theirs to sign or finish."""
    return [t for t in tasks if not t.lead and t.state in OPEN_TASK_STATES and is_task_target(user, t)]


@require_safe
def case_page(request: HttpRequest, tracking_no: str) -> HttpResponse:
    """Show the case to a user whose scope covers it (404 for anyone else)."""
    user = current_user(request)
    case = case_for(user, tracking_no)
    now = timezone.now()
    rows, transitions = timeline_rows(case)
    tasks = list(case.tasks.select_related("department", "user").order_by("-lead", "created_at", "pk"))
    waiting = pending_kinds(transitions, case)
    moves = offered_moves(moves_for(user, case), waiting)
    colour = clock.colour(case, now)
    context = {
        "case": case,
        "timeline": rows,
        "tasks": tasks,
        "my_tasks": my_open_tasks(user, tasks),
        "buttons": move_buttons(case, moves),
        "waiting": sorted(waiting),
        "colour": colour,
        "case_colour": clock.case_colour(case, now),
        "is_open": case.status in workflow.OPEN,
        "map": pin_map([case], {case.pk: colour}, selected=case),
        "map_options": map_options(),
        "merged": list(case.merged.values_list("tracking_no", flat=True)),
        "next": request.get_full_path(),
        "can_merge": Move.MERGE in moves,
        "task_done_form": TaskDoneForm(auto_id="id_task_%s"),
        **_routing(case, moves),
    }
    return render(request, "cases/case.html", context)


@require_safe
def photo(request: HttpRequest, tracking_no: str, pk: int) -> HttpResponseBase:
    """Serve a photo of the case (or of a report merged into it) to a user who may see the case."""
    user = current_user(request)
    case = case_for(user, tracking_no)
    attachment = Attachment.objects.filter(Q(case=case) | Q(case__merged_into=case), pk=pk).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=attachment.content_type)
    suffix = PurePosixPath(attachment.file.name or "").suffix
    response["Content-Disposition"] = f'inline; filename="{case.tracking_no}-{attachment.pk}{suffix}"'
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
