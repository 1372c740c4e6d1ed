"""The inbox: the open tasks of the user's departments and the user's own (grid-team) tasks.

The lead signs for the case, handles it, reports it done with photos, asks for more time or a hold,
or returns a wrong dispatch; an assisting department (or an alerted grid-team member) signs for and
finishes its own task. One query reads the tasks with their cases, whatever their number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.db.models import Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from gridgov.cases import clock, workflow
from gridgov.cases.models import Case, Status, Task, Urgency
from gridgov.cases.permissions import OPEN_TASK_STATES
from gridgov.cases.views.case import MoveButton, move_buttons
from gridgov.cases.views.common import current_user
from gridgov.cases.views.forms import TaskDoneForm
from gridgov.people import policy
from gridgov.people.models import Level, Role, User

Move = workflow.Move
INBOX_LIMIT = 100
# What the lead of a task may do, by the case's status (the actions check again).
LEAD_MOVES: dict[str, tuple[str, ...]] = {
    Status.DISPATCHED: (Move.SIGN, Move.RETURN),
    Status.IN_PROGRESS: (Move.REPORT_DONE, Move.REQUEST_EXTENSION, Move.REQUEST_HOLD, Move.RETURN),
    Status.ON_HOLD: (Move.RESUME,),
}


@dataclass(frozen=True)
class InboxItem:
    """A task with its case's colour and what the user may do with it."""

    task: Task
    case: Case
    colour: str
    buttons: list[MoveButton]
    done_form: TaskDoneForm | None


def handled_departments(user: User) -> list[int]:
    """Return the ids of the departments the user handles cases for."""
    return [
        post.department_id
        for post in policy.active_posts(user)
        if post.level == Level.DEPARTMENT and post.role == Role.DEPARTMENT_HANDLER and post.department_id
    ]


def inbox_tasks(user: User) -> QuerySet[Task]:
    """Return the user's open tasks on open cases: unsigned urgent ones first, then by deadline."""
    mine = Q(user=user) | Q(department_id__in=handled_departments(user))
    urgent = Q(case__urgency__in=(Urgency.URGENT, Urgency.EMERGENCY), state=Task.State.PENDING)
    return (
        Task.objects.filter(mine, state__in=OPEN_TASK_STATES, case__status__in=workflow.OPEN)
        .select_related("case__category", "case__grid", "department")
        .annotate(
            urgent_first=models.Case(
                When(urgent, then=Value(0)), default=Value(1), output_field=models.IntegerField()
            )
        )
        .order_by("urgent_first", models.F("case__due_at").asc(nulls_last=True), "created_at", "pk")
    )


def _item(task: Task, now: datetime) -> InboxItem:
    case = task.case
    prefix = f"t{task.pk}_"
    if task.lead:
        buttons = move_buttons(case, list(LEAD_MOVES.get(case.status, ())), prefix)
        done_form = None
    else:
        buttons, done_form = [], TaskDoneForm(auto_id=f"id_{prefix}done_%s")
    return InboxItem(task, case, clock.colour(case, now), buttons, done_form)


@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    """Show the user's open tasks with the forms to act on each."""
    user = current_user(request)
    now = timezone.now()
    tasks = list(inbox_tasks(user)[:INBOX_LIMIT])
    items = [_item(task, now) for task in tasks]
    context = {
        "items": items,
        "limit": INBOX_LIMIT,
        "departments": [p.department for p in policy.active_posts(user) if p.level == Level.DEPARTMENT],
        "next": request.get_full_path(),
    }
    return render(request, "cases/inbox.html", context)
