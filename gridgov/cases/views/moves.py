"""One endpoint for every move of a case: a form checks the input, an action makes the move.

Every workspace (console, inbox, grid worker's page, case page) posts its buttons here with the
case's version as read and the page to go back to. A move on a case that changed since the page
was drawn is refused: of two people acting on the same case, the second is told it changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gridgov.cases import actions, workflow
from gridgov.cases.actions import CaseChanged, MoveRefused
from gridgov.cases.models import Case, Status, Task
from gridgov.cases.permissions import can_view_case
from gridgov.cases.routing import route
from gridgov.cases.views import forms as f
from gridgov.cases.views.common import back_url, case_for, case_url, current_user, form_errors, refusal_text
from gridgov.people.models import User

Move = workflow.Move
Data = dict[str, Any]
ACCEPT_DISPATCH = "accept_dispatch"


@dataclass(frozen=True)
class MoveForm:
    """The form a move's input is checked with, and how the checked input makes the move."""

    form: type[forms.Form]
    run: Callable[[Case, User, Data], object]


def _dispatch(case: Case, user: User, data: Data) -> object:
    """Dispatch to the chosen lead (and assisting departments), or as the routing decides."""
    if data.get("lead") is not None:
        return actions.dispatch(
            case, user, lead=data["lead"], assists=list(data["assists"]), note=data["note"]
        )
    decision = route(case.category, case.grid, case.description)
    return actions.dispatch(case, user, decision=decision, note=data["note"])


@transaction.atomic
def _accept_and_dispatch(case: Case, user: User, data: Data) -> object:
    """Register the report and dispatch it in one transaction: both happen, or neither."""
    actions.accept(case, user, category=data["category"], urgency=data["urgency"] or None)
    if case.status == Status.REGISTERED:  # not sent on automatically by its category
        return _dispatch(case, user, data)
    return None


def _merge(case: Case, user: User, data: Data) -> object:
    into = Case.objects.select_related("grid__community__street").filter(tracking_no=data["into"]).first()
    if into is None or not can_view_case(user, into):
        raise MoveRefused(_("No case %(no)s is in your area.") % {"no": data["into"]})
    return actions.merge(case, user, into, note=data["note"])


def _with_note(action: Callable[..., object]) -> Callable[[Case, User, Data], object]:
    return lambda case, user, data: action(case, user, note=data["note"])


def _with_reason(action: Callable[..., object]) -> Callable[[Case, User, Data], object]:
    return lambda case, user, data: action(case, user, data["reason"])


MOVES: dict[str, MoveForm] = {
    ACCEPT_DISPATCH: MoveForm(f.AcceptDispatchForm, _accept_and_dispatch),
    Move.ACCEPT: MoveForm(
        f.AcceptForm,
        lambda case, user, data: actions.accept(
            case, user, category=data["category"], urgency=data["urgency"] or None, note=data["note"]
        ),
    ),
    Move.REJECT: MoveForm(f.ReasonForm, _with_reason(actions.reject)),
    Move.MERGE: MoveForm(f.MergeForm, _merge),
    Move.TAKE_IN_GRID: MoveForm(f.NoteOnlyForm, _with_note(actions.take_in_grid)),
    Move.SOLVE_IN_GRID: MoveForm(
        f.SolveForm,
        lambda case, user, data: actions.solve_in_grid(
            case, user, data["photos"], outcome_quantity=data["outcome_quantity"], note=data["note"]
        ),
    ),
    Move.ESCALATE: MoveForm(f.ReasonForm, _with_reason(actions.escalate)),
    Move.DISPATCH: MoveForm(f.DispatchForm, _dispatch),
    Move.SIGN: MoveForm(f.NoteOnlyForm, _with_note(actions.sign)),
    Move.RETURN: MoveForm(f.ReasonForm, _with_reason(actions.return_case)),
    Move.REQUEST_EXTENSION: MoveForm(
        f.ExtensionForm,
        lambda case, user, data: actions.request_extension(
            case, user, data["reason"], amount=data["amount"], unit=data["unit"]
        ),
    ),
    Move.APPROVE_EXTENSION: MoveForm(f.NoteOnlyForm, _with_note(actions.approve_extension)),
    Move.DENY_EXTENSION: MoveForm(f.ReasonForm, _with_reason(actions.deny_extension)),
    Move.REQUEST_HOLD: MoveForm(f.ReasonForm, _with_reason(actions.request_hold)),
    Move.APPROVE_HOLD: MoveForm(f.NoteOnlyForm, _with_note(actions.approve_hold)),
    Move.DENY_HOLD: MoveForm(f.ReasonForm, _with_reason(actions.deny_hold)),
    Move.RESUME: MoveForm(f.NoteOnlyForm, _with_note(actions.resume)),
    Move.REPORT_DONE: MoveForm(
        f.ReportDoneForm,
        lambda case, user, data: actions.report_done(
            case,
            user,
            photos=data["photos"],
            before=data["before"],
            outcome_quantity=data["outcome_quantity"],
            note=data["note"],
        ),
    ),
    Move.VERIFY_PASS: MoveForm(
        f.VerifyPassForm,
        lambda case, user, data: actions.verify_pass(
            case, user, photos=data["photos"], outcome_quantity=data["outcome_quantity"], note=data["note"]
        ),
    ),
    Move.VERIFY_FAIL: MoveForm(
        f.VerifyFailForm,
        lambda case, user, data: actions.verify_fail(case, user, data["reason"], photos=data["photos"]),
    ),
    Move.REQUEST_VOID: MoveForm(f.ReasonForm, _with_reason(actions.request_void)),
    Move.APPROVE_VOID: MoveForm(f.NoteOnlyForm, _with_note(actions.approve_void)),
    Move.DENY_VOID: MoveForm(f.ReasonForm, _with_reason(actions.deny_void)),
    Move.REOPEN: MoveForm(f.ReasonForm, _with_reason(actions.reopen)),
    Move.URGE: MoveForm(f.UrgeForm, lambda case, user, data: actions.urge(case, user, data["text"])),
    Move.NOTE: MoveForm(
        f.ProgressNoteForm,
        lambda case, user, data: actions.note(case, user, data["text"], public=data["public"]),
    ),
    Move.RATE: MoveForm(
        f.RateForm,
        lambda case, user, data: actions.rate(case, data["rating"], user=user, comment=data["comment"]),
    ),
}

ACCEPT_DISPATCH_LABEL = gettext_lazy("Accept and dispatch")
DONE_WORDS: dict[str, Promise] = {ACCEPT_DISPATCH: gettext_lazy("accepted and dispatched")}


def move_label(move: str) -> str:
    """Return the words for a move (or the console's accept-and-dispatch)."""
    if move in DONE_WORDS:
        return str(DONE_WORDS[move])
    return str(Move(move).label)


def _refuse_stale(request: HttpRequest, case: Case) -> None:
    """Refuse a move made on a page drawn before the case last changed."""
    seen = request.POST.get("version", "")
    if seen and seen != str(case.version):
        raise CaseChanged(_("The case has changed since you opened it; reload and try again."))


@require_POST
def do_move(request: HttpRequest, tracking_no: str, move: str) -> HttpResponse:
    """Check the move's form, make the move, and go back with what happened."""
    user = current_user(request)
    case = case_for(user, tracking_no)
    spec = MOVES.get(move)
    if spec is None:
        raise Http404
    back = back_url(request, case_url(case))
    form = spec.form(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, f"{case.tracking_no}: {form_errors(form)}")
        return redirect(back)
    try:
        _refuse_stale(request, case)
        spec.run(case, user, form.cleaned_data)
    except (MoveRefused, ValidationError) as exc:
        messages.error(request, f"{case.tracking_no}: {refusal_text(exc)}")
    else:
        words = {"no": case.tracking_no, "move": move_label(move), "status": case.get_status_display()}
        messages.success(request, _("%(no)s: %(move)s — now “%(status)s”.") % words)
    return redirect(back)


# --- tasks -----------------------------------------------------------------------------------------

TASK_EVENTS = ("sign", "done")


@require_POST
def task_move(request: HttpRequest, pk: int, event: str) -> HttpResponse:
    """Sign for an assisting task (or an urgent alert), or report it done."""
    user = current_user(request)
    task = get_object_or_404(Task.objects.select_related("case__grid__community__street"), pk=pk)
    if event not in TASK_EVENTS or not can_view_case(user, task.case):
        raise Http404
    back = back_url(request, case_url(task.case))
    form = f.TaskDoneForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, f"{task.case.tracking_no}: {form_errors(form)}")
        return redirect(back)
    try:
        # The task's own state guards it; notes others write on the case do not make it stale.
        if event == "sign":
            actions.sign_task(task, user)
        else:
            actions.task_done(task, user, note=form.cleaned_data["note"], photos=form.cleaned_data["photos"])
    except (MoveRefused, ValidationError) as exc:
        messages.error(request, f"{task.case.tracking_no}: {refusal_text(exc)}")
    else:
        messages.success(
            request,
            _("%(no)s: your task is %(state)s.")
            % {"no": task.case.tracking_no, "state": task.get_state_display()},
        )
    return redirect(back)
