"""The move protocol shared by every action: check, conditional update, transition row."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Field
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases import workflow
from gridgov.cases.models import Case, Transition
from gridgov.lib import rows
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
    transition = Transition(
        case=case,
        seq=case.version + 1,
        move=move,
        from_status=case.status,
        to_status=target,
        actor=actor,
        actor_role=role,
        at=at,
        note=note,
        public=public,
        due_at=fields.get("due_at", case.due_at),
        data=data or {},
    )
    # No savepoint: on refusal nothing has been written yet, and the caller's transaction (the move's
    # own, with its tasks and notices) rolls back as a whole; two fewer statements on every move.
    with transaction.atomic(savepoint=False):
        if not _claim_and_log(case, fields, transition):
            raise CaseChanged(_("The case has changed since you opened it; reload and try again."))
    case.version += 1
    for name, value in fields.items():
        setattr(case, name, value)
    return transition


def _claim_and_log(case: Case, fields: dict[str, Any], transition: Transition) -> bool:
    """Claim the case (`_claim`) and, when that worked, write the transition row; tell whether it did.

    On PostgreSQL both go in one statement (the INSERT selects from the UPDATE's result), which
    saves a round trip on every move; elsewhere they are two.
    """
    connection = connections[router.db_for_write(Case)]
    if connection.vendor != "postgresql" or _has_expression(fields):
        if not _claim(case, fields):
            return False
        _log(transition)
        return True
    claim_params = _claim_params(fields, connection)
    log_params = _log_params(transition, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            _claim_and_log_sql(connection.alias, tuple(fields)),
            [*claim_params, case.pk, case.version, case.status, *log_params],
        )
        row = cursor.fetchone()
    if row is None:
        return False
    _saved(transition, row[0], connection.alias)
    return True


def _has_expression(fields: dict[str, Any]) -> bool:
    return any(hasattr(value, "resolve_expression") for value in fields.values())


def _claim(case: Case, fields: dict[str, Any]) -> bool:
    """Update the case as read (same version and status), bumping its version; tell whether it was.

    The statement every move runs is written out here: composing it through the queryset API costs
    several times what the database needs to run it. Values are prepared by their model fields,
    exactly as the ORM prepares them; an expression among them takes the ordinary path.
    """
    if _has_expression(fields):
        return (
            Case.objects.filter(pk=case.pk, version=case.version, status=case.status).update(
                version=F("version") + 1, **fields
            )
            == 1
        )
    connection = connections[router.db_for_write(Case)]
    params = _claim_params(fields, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            _claim_sql(connection.alias, tuple(fields)), [*params, case.pk, case.version, case.status]
        )
        return cursor.rowcount == 1


def _claim_params(fields: dict[str, Any], connection: BaseDatabaseWrapper) -> list[Any]:
    """Return the values of the changed fields, prepared as the ORM prepares them."""
    return [rows.prepare(_field(name), value, connection) for name, value in fields.items()]


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


def log_transition(transition: Transition) -> Transition:
    """Insert a transition row that no claim guards (a new case's first, `report`) and return it saved."""
    return _log(transition)


def _log(transition: Transition) -> Transition:
    """Insert the transition row with one written-out statement and return it saved.

    Like `_claim`, for the second statement of every move. Transitions are never saved twice, so
    no model signal has a use for them and none is sent.
    """
    connection = connections[router.db_for_write(Transition)]
    if not connection.features.can_return_columns_from_insert:
        transition.save(force_insert=True)
        return transition
    with connection.cursor() as cursor:
        cursor.execute(_log_sql(connection.alias), _log_params(transition, connection))
        _saved(transition, cursor.fetchone()[0], connection.alias)
    return transition


def _log_params(transition: Transition, connection: BaseDatabaseWrapper) -> list[Any]:
    return [rows.prepare(f, f.pre_save(transition, True), connection) for f in _LOGGED_FIELDS]


def _saved(transition: Transition, pk: int, alias: str) -> None:
    """Mark the transition as the saved row `pk`, as `Model.save` would."""
    transition.pk = pk
    transition._state.adding = False
    transition._state.db = alias


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


@lru_cache(maxsize=128)
def _claim_and_log_sql(alias: str, names: tuple[str, ...]) -> str:
    """Return the PostgreSQL statement that claims the case and inserts the transition only if it did.

    The inserted values are selected, not listed, so each is cast to its column's type.
    """
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in _LOGGED_FIELDS)
    values = ", ".join(f"CAST(%s AS {rows.unsized_type(f, connection)})" for f in _LOGGED_FIELDS)
    pk = Transition._meta.pk
    assert pk is not None
    return (
        f"WITH claimed AS ({_claim_sql(alias, names)} RETURNING 1) "
        f"INSERT INTO {quote(Transition._meta.db_table)} ({columns}) SELECT {values} FROM claimed "
        f"RETURNING {quote(str(pk.column))}"
    )
