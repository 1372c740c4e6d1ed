"""The move protocol shared by every action: check, conditional update, transition row."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from django.db import connections, router, transaction
from django.db.models import F, Field, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases import workflow
from gridgov.cases.models import Case, Transition
from gridgov.people.models import User


class MoveRefused(Exception):
    """A move that is not allowed; the message says why, in the user's language."""


class CaseChanged(MoveRefused):
    """Someone else moved the case after it was read; nothing was written."""


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
    # No savepoint: on refusal nothing has been written yet, and the caller's transaction (the move's
    # own, with its tasks and notices) rolls back as a whole; two fewer statements on every move.
    with transaction.atomic(savepoint=False):
        if not _claim(case, fields):
            raise CaseChanged(_("The case has changed since you opened it; reload and try again."))
        previous = case.status
        case.version += 1
        for name, value in fields.items():
            setattr(case, name, value)
        return _log(
            Transition(
                case=case,
                seq=case.version,
                move=move,
                from_status=previous,
                to_status=target,
                actor=actor,
                actor_role=role,
                at=at,
                note=note,
                public=public,
                due_at=case.due_at,
                data=data or {},
            )
        )


def _claim(case: Case, fields: dict[str, Any]) -> bool:
    """Update the case as read (same version and status), bumping its version; tell whether it was.

    The statement every move runs is written out here: composing it through the queryset API costs
    several times what the database needs to run it. Values are prepared by their model fields,
    exactly as the ORM prepares them; an expression among them takes the ordinary path.
    """
    if any(hasattr(value, "resolve_expression") for value in fields.values()):
        return (
            Case.objects.filter(pk=case.pk, version=case.version, status=case.status).update(
                version=F("version") + 1, **fields
            )
            == 1
        )
    connection = connections[router.db_for_write(Case)]
    fields_of = [_field(name) for name in fields]
    params = [
        field.get_db_prep_save(value.pk if isinstance(value, Model) else value, connection)
        for field, value in zip(fields_of, fields.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            _claim_sql(connection.alias, tuple(fields)), [*params, case.pk, case.version, case.status]
        )
        return cursor.rowcount == 1


@lru_cache(maxsize=128)
def _claim_sql(alias: str, names: tuple[str, ...]) -> str:
    """Return the conditional UPDATE setting the named fields (a few shapes, each built once)."""
    quote = connections[alias].ops.quote_name
    version, status, pk = (quote(str(_field(name).column)) for name in ("version", "status", "id"))
    assignments = [
        f"{version} = {version} + 1",
        *(f"{quote(str(_field(name).column))} = %s" for name in names),
    ]
    return (
        f"UPDATE {quote(Case._meta.db_table)} SET {', '.join(assignments)} "
        f"WHERE {pk} = %s AND {version} = %s AND {status} = %s"
    )


def _field(name: str) -> Field[Any, Any]:
    return cast("Field[Any, Any]", Case._meta.get_field(name))


def _log(transition: Transition) -> Transition:
    """Insert the transition row with one written-out statement and return it saved.

    Like `_claim`, for the second statement of every move. Transitions are never saved twice, so
    no model signal has a use for them and none is sent.
    """
    connection = connections[router.db_for_write(Transition)]
    if not connection.features.can_return_columns_from_insert:
        transition.save(force_insert=True)
        return transition
    params = [f.get_db_prep_save(f.pre_save(transition, True), connection) for f in _LOGGED_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_log_sql(connection.alias), params)
        transition.pk = cursor.fetchone()[0]
    transition._state.adding = False
    transition._state.db = connection.alias
    return transition


_LOGGED_FIELDS = [f for f in Transition._meta.concrete_fields if not f.primary_key]


@lru_cache(maxsize=8)
def _log_sql(alias: str) -> str:
    """Return the INSERT of a transition row that returns its id."""
    quote = connections[alias].ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in _LOGGED_FIELDS)
    marks = ", ".join(["%s"] * len(_LOGGED_FIELDS))
    pk = Transition._meta.pk
    assert pk is not None
    return f"INSERT INTO {quote(Transition._meta.db_table)} ({columns}) VALUES ({marks}) RETURNING {quote(str(pk.column))}"
