"""Moves through the API: the web's forms check the input and its dispatch table makes the move.

`cases.views.moves.MOVES` maps each move to its form and to the action that makes it; the API binds
that form to the JSON (or multipart) input instead of a page's POST. Who may make a move is the
actions' question (`cases.permissions.refusal`); the API only turns their answers into statuses:
not yours to make → 403, the case changed since the client read it → 409, refused for what was
sent or the state of the case → 400, input that does not fit the form → 422.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from gridgov.api import serialize
from gridgov.api.errors import ApiError, error, from_django
from gridgov.api.payload import Payload
from gridgov.cases import actions, workflow
from gridgov.cases.actions import CaseChanged, MoveRefused
from gridgov.cases.models import Case, Category, Task
from gridgov.cases.permissions import OPEN_TASK_STATES, is_task_target, moves_for, refusal
from gridgov.cases.views import case as case_page
from gridgov.cases.views.forms import CategoryField, PhotosField, TaskDoneForm
from gridgov.cases.views.moves import ACCEPT_DISPATCH, ACCEPT_DISPATCH_LABEL, MOVES
from gridgov.people.models import User

Move = workflow.Move
VERSION = "version"
MAX_VERSION_DIGITS = 9
TASK_EVENTS = ("sign", "done")
Scalar = str | int | float | bool | None


def move_names() -> list[str]:
    """Return every move the API takes, as the web's dispatch table names them."""
    return list(MOVES)


def _label(move: str) -> str:
    return str(ACCEPT_DISPATCH_LABEL) if move == ACCEPT_DISPATCH else str(Move(move).label)


def offered_moves(user: User, case: Case, waiting: set[str]) -> list[dict[str, Any]]:
    """Return the moves the user may make on the case now, each with the fields its input takes.

    The same moves as the case page's buttons: the workflow for the user's roles and scope, approvals
    only while a request waits, and accept-and-dispatch beside accept.
    """
    moves = [move for move in case_page.offered_moves(moves_for(user, case), waiting) if move in MOVES]
    if Move.ACCEPT in moves:
        moves.insert(0, ACCEPT_DISPATCH)
    return [
        {
            "move": move,
            "label": _label(move),
            "fields": [
                serialize.field_out(name, field) for name, field in MOVES[move].form.base_fields.items()
            ],
        }
        for move in moves
    ]


def task_events(user: User, task: Task) -> list[str]:
    """Return what the user may do with the task now: sign for it and/or report it done."""
    if task.lead or task.state not in OPEN_TASK_STATES or not is_task_target(user, task):
        return []
    return ["sign", "done"] if task.state == Task.State.PENDING else ["done"]


def photo_fields(form_class: type[forms.Form]) -> tuple[str, ...]:
    return tuple(name for name, field in form_class.base_fields.items() if isinstance(field, PhotosField))


# --- binding the input to a form -------------------------------------------------------------------


def bind(form_class: type[forms.Form], payload: Payload, *, skip: tuple[str, ...] = ()) -> forms.Form:
    """Return the form bound to the input; unknown fields and misshapen values are refused (422)."""
    fields = form_class.base_fields
    data: MultiValueDict[str, str] = MultiValueDict()
    errors: dict[str, list[str]] = {}
    for name, value in payload.values.items():
        if name in skip:
            continue
        field = fields.get(name)
        if field is None:
            errors[name] = [_("Unknown field.")]
            continue
        try:
            data.setlist(name, _texts(name, field, value))
        except ApiError as exc:
            errors.update(exc.errors)
    if errors:
        raise ApiError(422, errors)
    for name, field in fields.items():
        # An API client leaves out what it does not change: a checkbox left out keeps its default.
        if isinstance(field, forms.BooleanField) and name not in data and field.initial:
            data.setlist(name, ["true"])
    return form_class(data, payload.files)


def _texts(name: str, field: forms.Field, value: Any) -> list[str]:
    """Return the value as the form would receive it from a page: a list of strings."""
    many = isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
    values = value if many and isinstance(value, list) else [value]
    if not all(isinstance(item, Scalar) for item in values):
        raise ApiError(422, {name: [_("Give a single value.")]})
    texts = [_text(item) for item in values]
    if isinstance(field, CategoryField):
        return [_category_pk(name, text) for text in texts]
    return texts


def _text(value: Scalar) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _category_pk(name: str, code: str) -> str:
    """Return the id of the matter category with the code (the API speaks codes, the form ids)."""
    code = code.strip()
    if not code:
        return ""
    found = Category.objects.filter(code=code, kind=Category.Kind.MATTER, active=True).values_list(
        "pk", flat=True
    )
    pk = found.first()
    if pk is None:
        raise ApiError(422, {name: [_("Unknown category “%(value)s”.") % {"value": code}]})
    return str(pk)


# --- making the move -------------------------------------------------------------------------------


def read_version(payload: Payload) -> int:
    """Return the case version the client read (required: a move is made on the case as read)."""
    value = payload.values.get(VERSION)
    if value is None or value == "":
        raise error(422, _("This field is required."), VERSION)
    text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_VERSION_DIGITS):
        raise error(422, _("Enter a whole number."), VERSION)
    return int(text)


def changed() -> ApiError:
    return error(409, _("The case has changed since you opened it; reload and try again."), VERSION)


def make_move(user: User, case: Case, move: str, payload: Payload) -> None:
    """Make the move on the case as the client read it, or raise the ApiError that says why not."""
    spec = MOVES[move]
    if read_version(payload) != case.version:
        raise changed()
    role, reason = refusal(user, case, Move.ACCEPT if move == ACCEPT_DISPATCH else move)
    if role is None:
        raise error(403, reason)
    form = bind(spec.form, payload, skip=(VERSION,))
    if not form.is_valid():
        raise ApiError(422, form.errors)
    _run(lambda: spec.run(case, user, form.cleaned_data))


def task_move(user: User, task: Task, event: str, payload: Payload) -> None:
    """Sign for the user's assisting task (or urgent alert), or report it done."""
    form = bind(TaskDoneForm, payload)
    if not form.is_valid():
        raise ApiError(422, form.errors)
    if event == "sign":
        _run(lambda: actions.sign_task(task, user))
    else:
        data = form.cleaned_data
        _run(lambda: actions.task_done(task, user, note=data["note"], photos=data["photos"]))


def _run(move: Any) -> None:
    """Run the action; turn its refusals into answers (nothing was written when it refused)."""
    try:
        move()
    except CaseChanged:
        raise changed() from None
    except MoveRefused as exc:
        raise error(400, str(exc)) from None
    except ValidationError as exc:
        raise ApiError(422, from_django(exc)) from None
