"""The move protocol shared by every action: check, conditional update, transition row."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any, NoReturn, ParamSpec, TypeVar, cast

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, ForeignKey
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases import evidence, workflow
from gridgov.cases.models import Case, Transition
from gridgov.lib import rows
from gridgov.people.models import User


class MoveRefused(Exception):
    """A move that is not allowed; the message says why, in the user's language."""


class CaseChanged(MoveRefused):
    """Someone else moved the case after it was read; nothing was written."""


P = ParamSpec("P")
R = TypeVar("R")


def apply_move(
    case: Case,
    move: str,
    *,
    actor: User | None,
    role: str,
    note: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Transition:
    """Make the move on the case as read (its status and version), or refuse it; write the log row.

    The update is conditional on the version the caller read, so of two people acting on the
    same case at the same moment exactly one wins; the other gets `CaseChanged` and nothing is
    written for them. The transition's `seq` is the case's new version.
    """
    if not workflow.is_allowed(move, case.status, {role}):
        raise MoveRefused(
            _("“%(move)s” is not allowed for %(role)s while the case is “%(status)s”.")
            % {"move": workflow.Move(move).label, "role": role, "status": case.get_status_display()}
        )
    at = at or timezone.now()
    target = workflow.target_of(move, case.status)
    fields: dict[str, Any] = {"status": target, **(changes or {})}
    row = {
        "case_id": case.pk,
        "seq": case.version + 1,
        "move": move,
        "from_status": case.status,
        "to_status": target,
        "actor_id": actor.pk if actor is not None else None,
        "actor_role": role,
        "at": at,
        "note": note,
        "public": public,
        "due_at": fields.get("due_at", case.due_at),
        "data": data or {},
    }
    values = [row[name] for name in _LOGGED_ATTNAMES]
    # Positional arguments in field order: the quick way Django itself builds an instance from a row.
    transition = _new_transition(None, *values)
    _CASE.set_cached_value(transition, case)
    if actor is not None:
        _ACTOR.set_cached_value(transition, actor)
    refuse = _refusal(case)
    connection, gathering = rows.connection_for(Case)
    if gathering:  # the move's block (`one_transaction`) makes claim and log one statement
        _claim_and_log(case, fields, refuse, transition, values, connection)
    else:
        # No savepoint: on refusal nothing has been written, and the caller's transaction (the
        # move's own, with its tasks and notices) rolls back as a whole.
        with transaction.atomic(using=connection.alias, savepoint=False):
            _claim_and_log(case, fields, refuse, transition, values, connection)
    case.version += 1
    for name, value in fields.items():
        setattr(case, name, value)
    return transition


def _claim_and_log(
    case: Case,
    fields: dict[str, Any],
    refuse: Callable[[], NoReturn],
    transition: Transition,
    values: list[Any],
    connection: BaseDatabaseWrapper,
) -> None:
    """Claim the case as read (or refuse) and insert the transition's row."""
    if _has_expression(fields):
        if not _claim_with_orm(case, fields):
            refuse()
    else:
        where = {"id": case.pk, "version": case.version, "status": case.status}
        rows.update(Case, {"version": rows.Added(1), **fields}, where, guard=refuse)
    _insert_log(transition, values, connection)


def one_transaction(move: Callable[P, R]) -> Callable[P, R]:
    """Make the decorated move one transaction (`rows.atomic`): on PostgreSQL, one statement.

    Every move of this package is so decorated (the overdue sweep and the patrol's fixed-on-the-spot
    flow also wrap their several steps in one transaction of their own). The move's writes (the claim, the transition,
    tasks, notices) are gathered and sent together when it ends, each conditioned on the claim, so
    a move that lost the race writes nothing; a move that reads after writing (or stores a photo)
    sends what it gathered first, inside its transaction. The photos a move stored are deleted
    again when it fails (`evidence.removed_on_failure`, around the transaction: it acts after the
    rollback).
    """

    @functools.wraps(move)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with evidence.removed_on_failure(), rows.atomic(router.db_for_write(Case)):
            return move(*args, **kwargs)

    return run


def _refusal(case: Case) -> Callable[[], NoReturn]:
    """Return what refuses the move when the claim finds the case changed: the case as read, and `CaseChanged`.

    Inside a batch the claim is known only when the move's writes are sent, after the move has set
    the case's new values; the refusal puts back the values it was read with.
    """
    read = dict(case.__dict__)
    cached = dict(case._state.fields_cache)

    def refuse() -> NoReturn:
        case.__dict__.update(read)
        case._state.fields_cache = cached
        raise CaseChanged(_("The case has changed since you opened it; reload and try again."))

    return refuse


def _has_expression(fields: dict[str, Any]) -> bool:
    return any(hasattr(value, "resolve_expression") for value in fields.values())


def _claim_with_orm(case: Case, fields: dict[str, Any]) -> bool:
    """Claim the case through the ORM, for changes that are expressions; tell whether it was as read."""
    return (
        Case.objects.filter(pk=case.pk, version=case.version, status=case.status).update(
            version=F("version") + 1, **fields
        )
        == 1
    )


def log_transition(transition: Transition) -> Transition:
    """Insert a transition row that no claim guards (a new case's first, `report`) and return it saved."""
    return _log(transition, connections[router.db_for_write(Transition)])


def _log(transition: Transition, connection: BaseDatabaseWrapper) -> Transition:
    """Insert the transition row with one written-out statement (gathered in a batch); mark it saved.

    Transitions are never saved twice, so no model signal has a use for them and none is sent.
    Inside a batch the row gets its id when the batch is sent.
    """
    return _insert_log(transition, [f.pre_save(transition, True) for f in _LOGGED_FIELDS], connection)


def _insert_log(transition: Transition, values: list[Any], connection: BaseDatabaseWrapper) -> Transition:
    """Insert the transition's row (its values in `_LOGGED_FIELDS` order) and mark it saved when written."""
    if not connection.features.can_return_columns_from_insert:
        transition.save(force_insert=True)
        return transition
    rows.insert(Transition, _LOGGED_NAMES, [values], on_ids=partial(_saved, transition, connection.alias))
    return transition


def _saved(transition: Transition, alias: str, ids: list[int]) -> None:
    """Mark the transition as the saved row `ids[0]`, as `Model.save` would."""
    (transition.pk,) = ids
    transition._state.adding = False
    transition._state.db = alias


_LOGGED_FIELDS = [f for f in Transition._meta.concrete_fields if not f.primary_key]
_LOGGED_NAMES = [f.name for f in _LOGGED_FIELDS]
_LOGGED_ATTNAMES = [f.attname for f in _LOGGED_FIELDS]
assert Transition._meta.concrete_fields[0].primary_key, "the id comes first in a transition's fields"
_new_transition: Callable[..., Transition] = Transition  # (positional arguments: see `apply_move`)
_CASE = cast("ForeignKey[Any, Any]", Transition._meta.get_field("case"))
_ACTOR = cast("ForeignKey[Any, Any]", Transition._meta.get_field("actor"))
