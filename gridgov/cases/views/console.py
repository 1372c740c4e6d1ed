"""The dispatcher's console: new reports and cases to dispatch, one selected in detail; the overdue board.

The queue is read in one query (urgent reports first until someone signs for them); the routing
decision, duplicates and forms are built for the selected case only, so the page runs the same
number of queries whatever the size of the queue.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from gridgov.cases import clock, queries, workflow
from gridgov.cases.actions.duplicates import suggest_duplicates
from gridgov.cases.categories import guess_category
from gridgov.cases.models import Case, Status, TimeLimit
from gridgov.cases.routing import route
from gridgov.cases.views import forms as f
from gridgov.cases.views.common import current_user, pin_map
from gridgov.people import policy
from gridgov.people.models import Role, User
from gridgov.web.maps import map_options

Move = workflow.Move
CONSOLE_ROLES = frozenset({Role.DISPATCHER, Role.ADMIN})
BOARD_ROLES = frozenset({Role.DISPATCHER, Role.LEADER, Role.ADMIN})
QUEUE_LIMIT = 50
BOARD_LIMIT = 300
# Tabs of the console: the status each lists.
TABS = {
    "new": (Status.REPORTED, _("New reports")),
    "dispatch": (Status.REGISTERED, _("To dispatch")),
}


def _require(user: User, allowed: frozenset[str]) -> None:
    if not policy.roles(user) & allowed:
        raise PermissionDenied


def console_queue(user: User, status: str) -> QuerySet[Case]:
    """Return the cases of the status in the user's area, in queue order (urgent unsigned first)."""
    cases = Case.objects.filter(status=status, grid__in=policy.visible_grids(user))
    return queries.with_queue_order(cases.select_related("category", "grid__community__street"))


def _selected(queue: QuerySet[Case], listed: list[Case], number: str) -> Case | None:
    """Return the case asked for if it is in the queue, else the first of the queue."""
    if number:
        chosen = next((case for case in listed if case.tracking_no == number), None)
        if chosen is not None:
            return chosen
        found = queue.filter(tracking_no=number).first()
        if found is not None:
            return found
    return listed[0] if listed else None


def _detail(case: Case, user: User) -> dict[str, Any]:
    """Return the routing decision, duplicates and forms for the selected case."""
    guess = guess_category(case.description) if case.category is None else None
    category = case.category or (guess.category if guess else None)
    context: dict[str, Any] = {
        "decision": route(category, case.grid, case.description),
        "guess": guess,
        "can_merge": True,
    }
    if case.status == Status.REPORTED:
        initial = {"category": category.pk if category else None}
        context.update(
            duplicates=suggest_duplicates(case),
            dispatch_form=f.AcceptDispatchForm(initial=initial, auto_id="id_ad_%s"),
            reject_form=f.ReasonForm(auto_id="id_reject_%s"),
            merge_form=f.MergeForm(auto_id="id_merge_%s"),
        )
    else:
        context.update(
            dispatch_form=f.DispatchForm(auto_id="id_d_%s"),
            can_merge=case.status in workflow.RULES[Move.MERGE].sources,
        )
    return context


@require_safe
def console(request: HttpRequest) -> HttpResponse:
    """Show the queue of new reports (or of cases to dispatch) and the selected case in detail."""
    user = current_user(request)
    _require(user, CONSOLE_ROLES)
    tab = request.GET.get("tab", "new")
    tab = tab if tab in TABS else "new"
    queue = console_queue(user, TABS[tab][0])
    listed = list(queue[:QUEUE_LIMIT])
    selected = _selected(queue, listed, request.GET.get("case", "").strip())
    now = timezone.now()
    colours = {case.pk: clock.colour(case, now) for case in listed}
    counts = {key: console_queue(user, status).count() for key, (status, _label) in TABS.items()}
    context: dict[str, Any] = {
        "tab": tab,
        "tabs": [(key, label, counts[key]) for key, (_status, label) in TABS.items()],
        "queue": [(case, colours[case.pk]) for case in listed],
        "total": counts[tab],
        "case": selected,
        "map": pin_map(listed, colours, selected),
        "map_options": map_options(),
        "next": request.get_full_path(),
    }
    if selected is not None:
        context.update(
            _detail(selected, user), colour=colours.get(selected.pk) or clock.colour(selected, now)
        )
    return render(request, "cases/console.html", context)


# --- overdue board ---------------------------------------------------------------------------------


def _horizon(now: datetime) -> datetime:
    """Return the latest due a yellow case can have: now plus the last fifth of the longest limit.

    The colour depends on each case's limit and the calendar, so the database narrows by this
    bound and the exact colour is computed on the rows left.
    """
    longest = TimeLimit.objects.values("unit").annotate(amount=Max("amount")).order_by()
    ends = [
        clock.extend(now, math.ceil(row["amount"] * (1 - clock.WARN_AT)) + 1, row["unit"]) for row in longest
    ]
    return max(ends, default=now + timedelta(days=1))


def board_rows(user: User, now: datetime) -> dict[str, list[tuple[Case, str, str]]]:
    """Return the open cases whose stage or whole-case deadline is red or yellow, by colour."""
    horizon = _horizon(now)
    cases = (
        queries.open_cases_for(user)
        .filter(Q(due_at__lte=horizon) | Q(case_due_at__lte=horizon))
        .select_related("category", "grid", "lead_department", "lead_user")
        .order_by("due_at", "pk")[:BOARD_LIMIT]
    )
    board: dict[str, list[tuple[Case, str, str]]] = {clock.RED: [], clock.YELLOW: []}
    for case in cases:
        stage, whole = clock.colour(case, now), clock.case_colour(case, now)
        worst = (
            clock.RED
            if clock.RED in (stage, whole)
            else clock.YELLOW
            if clock.YELLOW in (stage, whole)
            else ""
        )
        if worst:
            board[worst].append((case, stage, whole))
    return board


@require_safe
def overdue(request: HttpRequest) -> HttpResponse:
    """Show the red and yellow cases of the user's area, with a button to urge each."""
    user = current_user(request)
    _require(user, BOARD_ROLES)
    now = timezone.now()
    board = board_rows(user, now)
    context = {
        "boards": [
            (clock.RED, board[clock.RED], _("Overdue")),
            (clock.YELLOW, board[clock.YELLOW], _("Due soon")),
        ],
        "next": request.get_full_path(),
    }
    return render(request, "cases/overdue.html", context)
