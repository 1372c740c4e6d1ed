"""Written-out INSERT and UPDATE statements for the few writes every case move makes.

Composing a statement through the queryset API costs several times what the database needs to run
it, and a move makes a handful of them. These helpers build each statement shape once per process
(names quoted by the backend) and prepare every value with its model field, exactly as the ORM
prepares it; they send no model signals, so use them only for models nothing listens to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model


class IfNull:
    """A value written only where the column is still NULL (`COALESCE(column, value)`)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def insert(
    model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]], *, returning: bool = False
) -> list[int]:
    """Insert the rows (values in the order of `names`) with one statement; return the new ids if asked.

    SQLite takes a long list in batches of at most 999 parameters. Ids come back only where the
    backend returns columns from an INSERT (SQLite 3.35+, PostgreSQL); callers asking for them
    fall back to the ORM elsewhere.
    """
    if not rows:
        return []
    connection = _connection(model)
    fields = [_field(model, name) for name in names]
    params = [
        prepare(field, value, connection) for row in rows for field, value in zip(fields, row, strict=True)
    ]
    # SQLite caps the parameters of one statement; a long list of recipients goes in batches.
    limit = connection.features.max_query_params
    per_batch = max(1, limit // len(names)) if limit else len(rows)
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_batch):
            count = min(per_batch, len(rows) - start)
            width = count * len(names)
            sql = _insert_sql(model, connection.alias, tuple(names), count, returning)
            cursor.execute(sql, params[start * len(names) : start * len(names) + width])
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


class Selected:
    """A value taken from a column of the source query of `insert_from`."""

    __slots__ = ("column",)

    def __init__(self, column: str) -> None:
        self.column = column


def insert_from(
    model: type[Model], values: Mapping[str, Any], source: str, params: Sequence[Any], order_by: str
) -> int:
    """Insert one row per row of the source query, in the order of its column `order_by`; return how many.

    Saves the round trip of reading the source first (who to tell) and writing the rows after.
    `values` maps field names to a `Selected` column of the source or to a value, the same for every
    row; `params` are the source query's own.
    """
    connection = _connection(model)
    prepared = [
        prepare(_field(model, name), value, connection)
        for name, value in values.items()
        if not isinstance(value, Selected)
    ]
    shape = tuple(
        (name, value.column if isinstance(value, Selected) else None) for name, value in values.items()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _insert_from_sql(model, connection.alias, shape, source, order_by), [*prepared, *params]
        )
        return int(cursor.rowcount)


def update(model: type[Model], changes: Mapping[str, Any], where: Mapping[str, Any]) -> int:
    """Update the rows matching `where` (equality, or membership for a tuple) and return how many.

    A change given as `IfNull(value)` keeps a value already in the column.
    """
    connection = _connection(model)
    params = [
        prepare(_field(model, name), value.value if isinstance(value, IfNull) else value, connection)
        for name, value in changes.items()
    ]
    for name, value in where.items():
        field = _field(model, name)
        values = value if isinstance(value, tuple) else (value,)
        assert values and None not in values, f"`{name} = NULL` matches no row"
        params.extend(prepare(field, item, connection) for item in values)
    shape = (
        tuple((name, isinstance(value, IfNull)) for name, value in changes.items()),
        tuple((name, len(value) if isinstance(value, tuple) else 0) for name, value in where.items()),
    )
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(model, connection.alias, *shape), params)
        return int(cursor.rowcount)


def unsized_type(field: Field[Any, Any], connection: BaseDatabaseWrapper) -> str:
    """Return the field's column type without its length or precision ("varchar(30)" → "varchar").

    A value cast to it is typed like the column, yet an overlong one is refused on assignment, as
    by a plain INSERT, rather than cut to fit.
    """
    db_type = field.cast_db_type(connection)
    assert db_type, f"{field} has a column type"
    return re.sub(r"\(.*?\)", "", db_type)


def _connection(model: type[Model]) -> BaseDatabaseWrapper:
    return connections[router.db_for_write(model)]


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.concrete, name
    return field


def prepare(field: Field[Any, Any], value: Any, connection: BaseDatabaseWrapper) -> Any:
    """Return the value as the field stores it (`get_db_prep_save`); a model instance gives its id.

    Where the field would hand the value through unchanged (a string for a text field, an int for
    an integer or a key to an integer id, a bool for a boolean, NULL for most), it is returned
    at once: a move prepares some forty values and the general path costs more than its SQL.
    Only the exact field classes named here qualify, so a subclass with its own preparation (an
    encrypted field) always takes the general path.
    """
    if isinstance(value, Model):
        value = value.pk  # foreign keys take the related row's id, as `Model.save` stores it
    kind = field.__class__
    if kind is models.ForeignKey and not _int_target(field):
        return field.get_db_prep_save(value, connection)
    if value is None and kind in _PASSES_NULL:
        return value
    if isinstance(value, str) and kind in _TEXT:  # a choices enum too, as the ORM leaves it
        return value
    if (value.__class__ is int and kind in _INTEGER) or (
        value.__class__ is bool and kind is models.BooleanField
    ):
        return value  # exact types: an integer field given True stores 1, not a boolean
    return field.get_db_prep_save(value, connection)


_TEXT = frozenset({models.CharField, models.TextField})
_INTEGER = frozenset(
    {
        models.IntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.SmallIntegerField,
        models.BigIntegerField,
        models.AutoField,
        models.BigAutoField,
        models.ForeignKey,
    }
)
_PASSES_NULL = _TEXT | _INTEGER | {models.BooleanField, models.DateTimeField}


def _int_target(field: Field[Any, Any]) -> bool:
    """Tell whether a foreign key points at an integer id that passes unchanged."""
    target = field.target_field  # type: ignore[attr-defined]
    return target.__class__ in (models.AutoField, models.BigAutoField, models.IntegerField)


def _column(model: type[Model], name: str, quote: Any) -> str:
    return str(quote(str(_field(model, name).column)))


@lru_cache(maxsize=64)
def _insert_sql(model: type[Model], alias: str, names: tuple[str, ...], rows: int, returning: bool) -> str:
    """Return the INSERT of `rows` rows of the named fields (each shape built once)."""
    quote = connections[alias].ops.quote_name
    columns = ", ".join(_column(model, name, quote) for name in names)
    row = "(" + ", ".join(["%s"] * len(names)) + ")"
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {', '.join([row] * rows)}"
    if returning:
        pk = model._meta.pk
        assert pk is not None
        sql += f" RETURNING {quote(str(pk.column))}"
    return sql


@lru_cache(maxsize=64)
def _insert_from_sql(
    model: type[Model], alias: str, shape: tuple[tuple[str, str | None], ...], source: str, order_by: str
) -> str:
    """Return the INSERT … SELECT of `insert_from` (each shape built once).

    PostgreSQL types a selected value by itself rather than by the column it goes to, so each is
    cast to its column's type, without a length (an overlong value is refused as by a plain
    INSERT, not cut). SQLite stores what it is given; a cast there could only change the value.
    """
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns, selected = [], []
    for name, source_column in shape:
        field = _field(model, name)
        columns.append(quote(str(field.column)))
        value = "%s" if source_column is None else f"src.{quote(source_column)}"
        if connection.vendor == "postgresql":
            value = f"CAST({value} AS {unsized_type(field, connection)})"
        selected.append(value)
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(selected)} FROM ({source}) src ORDER BY src.{quote(order_by)}"
    )


@lru_cache(maxsize=64)
def _update_sql(
    model: type[Model],
    alias: str,
    changes: tuple[tuple[str, bool], ...],
    where: tuple[tuple[str, int], ...],
) -> str:
    """Return the UPDATE of the changed fields where the conditions hold (each shape built once)."""
    quote = connections[alias].ops.quote_name
    assignments = []
    for name, if_null in changes:
        column = _column(model, name, quote)
        assignments.append(f"{column} = COALESCE({column}, %s)" if if_null else f"{column} = %s")
    conditions = []
    for name, members in where:
        column = _column(model, name, quote)
        conditions.append(f"{column} IN ({', '.join(['%s'] * members)})" if members else f"{column} = %s")
    return (
        f"UPDATE {quote(model._meta.db_table)} SET {', '.join(assignments)} WHERE {' AND '.join(conditions)}"
    )


__all__ = ["IfNull", "Selected", "insert", "insert_from", "prepare", "unsized_type", "update"]
