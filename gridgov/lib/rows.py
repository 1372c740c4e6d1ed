"""Written-out INSERT and UPDATE statements for the few writes every case move makes.

Composing a statement through the queryset API costs several times what the database needs to run
it, and a move makes a handful of them. These helpers build each statement shape once per process
(names quoted by the backend) and prepare every value with its model field, exactly as the ORM
prepares it; they send no model signals, so use them only for models nothing listens to.

Inside `atomic()` on PostgreSQL their writes are not sent one by one: they are gathered and sent as
one statement of data-modifying CTEs when the block ends, or before any other statement reaches the
connection (so a read always sees the writes before it). A block whose only statement that is, and
that is nobody's nested block, runs it in autocommit: one round trip instead of BEGIN, a statement
per write and COMMIT; the outermost block tells the server of its transaction only when it needs
one (see `Atomic`). A guard (a conditional UPDATE, the claim of a case move) gates every write of
the gathered statement: when it matches no row, nothing is written. See `Batch`.

Unless queries are being logged or an execute wrapper watches the connection, the statements go to
the driver's own cursors (`Batch._send`, `_cursor`), behind Django's translation of errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from datetime import datetime
from functools import lru_cache, partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, Error, connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

# What a caller is given for each id an insert creates, or told when a guard matched no row.
OnIds = Callable[[list[int]], object]
Refusal = Callable[[], object]


class IfNull:
    """A value written only where the column is still NULL (`COALESCE(column, value)`)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Added:
    """A number added to the column's value (`column = column + amount`), as a version counter is bumped."""

    __slots__ = ("amount",)

    def __init__(self, amount: int) -> None:
        self.amount = amount


def insert(
    model: type[Model],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: bool = False,
    on_ids: OnIds | None = None,
) -> list[int]:
    """Insert the rows (values in the order of `names`) with one statement; return the new ids if asked.

    `returning` wants the ids now, so inside `atomic()` the gathered writes are sent first; `on_ids`
    is given them when the insert is written, which inside `atomic()` may be later. SQLite takes a
    long list in batches of at most 999 parameters. Ids come back only where the backend returns
    columns from an INSERT (SQLite 3.35+, PostgreSQL); callers asking for them fall back to the ORM
    elsewhere.
    """
    if not rows:
        return []
    connection, batch = _target(model)
    fields = _fields(model, tuple(names))
    params = [
        prepare(field, value, connection) for row in rows for field, value in zip(fields, row, strict=True)
    ]
    if batch is not None and not returning:
        batch.make_room(model._meta.db_table, updates=False, params=len(params))
        render = partial(_insert_sql, model, connection.alias, tuple(names), len(rows), on_ids is not None)
        batch.add(render, params, model._meta.db_table, on_ids=on_ids, pk=_pk_column(model, connection))
        return []
    # SQLite caps the parameters of one statement; a long list of recipients goes in batches.
    limit = connection.features.max_query_params
    per_batch = max(1, limit // len(names)) if limit else len(rows)
    want_ids = returning or on_ids is not None
    ids: list[int] = []
    for start in range(0, len(rows), per_batch):
        count = min(per_batch, len(rows) - start)
        width = count * len(names)
        sql = _insert_sql(model, connection.alias, tuple(names), count, want_ids, False)
        with _cursor(connection) as cursor:
            cursor.execute(sql, params[start * len(names) : start * len(names) + width])
            if want_ids:
                ids.extend(row[0] for row in cursor.fetchall())
    if on_ids is not None:
        on_ids(ids)
    return ids


class Selected:
    """A value taken from a column of the source query of `insert_from`."""

    __slots__ = ("column",)

    def __init__(self, column: str) -> None:
        self.column = column


def insert_from(
    model: type[Model], values: Mapping[str, Any], source: str, params: Sequence[Any], order_by: str
) -> int | None:
    """Insert one row per row of the source query, in the order of its column `order_by`; return how many.

    Saves the round trip of reading the source first (who to tell) and writing the rows after.
    `values` maps field names to a `Selected` column of the source or to a value, the same for every
    row; `params` are the source query's own. Inside `atomic()` on PostgreSQL the insert joins the
    gathered writes and the count is not known: None.
    """
    connection, batch = _target(model)
    prepared = [
        prepare(_field(model, name), value, connection)
        for name, value in values.items()
        if not isinstance(value, Selected)
    ]
    shape = tuple(
        (name, value.column if isinstance(value, Selected) else None) for name, value in values.items()
    )
    if batch is not None:
        batch.make_room(model._meta.db_table, updates=False, params=len(prepared) + len(params))
        render = partial(_insert_from_sql, model, connection.alias, shape, source, order_by)
        batch.add(render, [*prepared, *params], model._meta.db_table)
        return None
    with _cursor(connection) as cursor:
        cursor.execute(
            _insert_from_sql(model, connection.alias, shape, source, order_by, False), [*prepared, *params]
        )
        return int(cursor.rowcount)


def update(
    model: type[Model], changes: Mapping[str, Any], where: Mapping[str, Any], *, guard: Refusal | None = None
) -> int | None:
    """Update the rows matching `where` (equality, or membership for a tuple) and return how many.

    A change given as `IfNull(value)` keeps a value already in the column; `Added(n)` adds to it.
    With `guard`, the update is a claim: when it matches no row, `guard` is called (it raises, as a
    move refuses) and, inside `atomic()` on PostgreSQL, no other write gathered with it is made.
    Inside `atomic()` on PostgreSQL the update joins the gathered writes and the count is not
    known: None.
    """
    connection, batch = _target(model)
    change_fields, where_fields = _update_fields(model, tuple(changes), tuple(where))
    params = []
    kinds = []
    for field, value in zip(change_fields, changes.values(), strict=True):
        kind = value.__class__
        if kind is IfNull:
            kinds.append("ifnull")
            value = value.value
        elif kind is Added:
            kinds.append("added")
            value = value.amount
        else:
            kinds.append("")
        params.append(prepare(field, value, connection))
    members = []
    for field, value in zip(where_fields, where.values(), strict=True):
        if value.__class__ is tuple:
            assert value and None not in value, f"`{field.name} IN (…NULL…)` matches no row"
            params.extend([prepare(field, item, connection) for item in value])
            members.append(len(value))
        else:
            assert value is not None, f"`{field.name} = NULL` matches no row"
            params.append(prepare(field, value, connection))
            members.append(0)
    shape = (tuple(zip(changes, kinds, strict=True)), tuple(zip(where, members, strict=True)))
    if batch is not None:
        table = model._meta.db_table
        batch.make_room(table, updates=True, params=len(params), guard=guard is not None)
        render = partial(_update_sql, model, connection.alias, *shape)
        if guard is None:
            batch.add(render, params, table, updates=True)
        else:
            batch.set_guard(render, params, table, guard)
        return None
    with _cursor(connection) as cursor:
        cursor.execute(_update_sql(model, connection.alias, *shape, False), params)
        count = int(cursor.rowcount)
    if guard is not None and count == 0:
        guard()
    return count


@lru_cache(maxsize=256)
def _update_fields(
    model: type[Model], changed: tuple[str, ...], where: tuple[str, ...]
) -> tuple[tuple[Field[Any, Any], ...], tuple[Field[Any, Any], ...]]:
    """Return the fields an update changes and those it matches on (each pair of lists looked up once)."""
    return _fields(model, changed), _fields(model, where)


def _cursor(connection: BaseDatabaseWrapper) -> Any:
    """Return a cursor for a written-out statement of these helpers (a context manager, as Django's).

    On SQLite, unless queries are being logged (DEBUG, a test counting them) or an execute wrapper
    watches the connection, it is SQLite's own cursor behind Django's error translation: the
    statements here are written with `%s` placeholders, which it takes as `?` (converted once per
    statement, where Django's cursor converts them on every execution).
    """
    if connection.vendor != "sqlite" or not _unwatched(connection):
        return connection.cursor()
    connection.ensure_connection()
    return _SQLiteCursor(connection)


def _unwatched(connection: BaseDatabaseWrapper, own: Callable[..., Any] | None = None) -> bool:
    """Tell whether nothing watches the connection's statements: no query log, no execute wrapper but `own`."""
    return not connection.queries_logged and all(wrapper == own for wrapper in connection.execute_wrappers)


class _SQLiteCursor:
    """SQLite's cursor for the helpers' statements: `%s` placeholders, Django's errors (see `_cursor`)."""

    __slots__ = ("connection", "cursor")

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.cursor: Any = None

    def __enter__(self) -> _SQLiteCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.cursor is not None:
            self.cursor.close()

    def execute(self, sql: str, params: Sequence[Any]) -> None:
        with self.connection.wrap_database_errors:
            self.cursor = self.connection.connection.execute(_qmark(sql), params)

    def fetchall(self) -> list[Any]:
        with self.connection.wrap_database_errors:
            return list(self.cursor.fetchall())

    @property
    def rowcount(self) -> int:
        return int(self.cursor.rowcount)


@lru_cache(maxsize=256)
def _qmark(sql: str) -> str:
    """Return the statement with SQLite's `?` placeholders (none of these statements holds a literal %)."""
    assert "%%" not in sql and sql.count("%") == sql.count("%s"), sql
    return sql.replace("%s", "?")


# --- gathered writes (PostgreSQL) -------------------------------------------------------------------

# The CTE of the guard, and what every gathered write is conditioned on when there is one.
GUARD = "gridgov_guard"
GATE = f"EXISTS (SELECT 1 FROM {GUARD})"
# PostgreSQL takes at most 65,535 parameters in a statement; a batch near that is sent in parts.
MAX_BATCH_PARAMS = 30_000
Render = Callable[[bool], str]


class _Write:
    """One gathered write: its statement (gated by the guard or not), values, and who wants its ids."""

    __slots__ = ("on_ids", "params", "pk", "render")

    def __init__(self, render: Render, params: list[Any], on_ids: OnIds | None, pk: str) -> None:
        self.render, self.params, self.on_ids, self.pk = render, params, on_ids, pk


class Batch:
    """The writes of one `atomic()` block on PostgreSQL, sent as one statement.

    Data-modifying CTEs run on one snapshot: none sees another's rows. So a write is gathered only
    where that cannot matter (inserts, and an update of a table nothing in the batch wrote yet);
    anything else first sends what was gathered, as does any other statement on the connection.
    """

    def __init__(self, connection: BaseDatabaseWrapper, *, lazy: bool = False) -> None:
        self.connection = connection
        # A lazy batch's transaction (see `Atomic`) begins on the server only with a statement
        # that is not its last: until then the connection stays in autocommit.
        self.lazy = lazy
        self.begun = False
        self.writes: list[_Write] = []
        self.guard: tuple[Render, list[Any], Refusal] | None = None
        self.written: set[str] = set()  # tables written by the gathered writes
        self.updated: set[str] = set()  # tables updated by them
        self.params = 0

    def make_room(self, table: str, *, updates: bool, params: int, guard: bool = False) -> None:
        """Send what was gathered when the next write could not run beside it in one statement."""
        if (
            table in self.updated
            or (updates and table in self.written)
            or (guard and self.guard is not None)
            or self.params + params > MAX_BATCH_PARAMS
        ):
            self.flush()

    def add(
        self,
        render: Render,
        params: list[Any],
        table: str,
        *,
        updates: bool = False,
        on_ids: OnIds | None = None,
        pk: str = "",
    ) -> None:
        """Gather a write of the table (after `make_room`)."""
        self.writes.append(_Write(render, params, on_ids, pk))
        self._note(params, table, updates)

    def set_guard(self, render: Render, params: list[Any], table: str, refusal: Refusal) -> None:
        """Gather the guard, an update of the table (after `make_room`)."""
        self.guard = (render, params, refusal)
        self._note(params, table, True)

    def _note(self, params: list[Any], table: str, updates: bool) -> None:
        self.params += len(params)
        self.written.add(table)
        if updates:
            self.updated.add(table)

    def before_statement(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        """Send the gathered writes before any other statement, so that it sees them (an execute wrapper)."""
        if self.lazy and not self.begun:
            self.begin()
        if self.writes or self.guard is not None:
            self.flush()
        return execute(sql, params, many, context)

    def begin(self) -> None:
        """Begin the lazy batch's transaction: psycopg sends BEGIN before the next statement."""
        self.begun = True
        self.connection.connection.autocommit = False

    def discard(self) -> None:
        """Forget the gathered writes (the block failed; they were never sent)."""
        self.writes, self.guard, self.params = [], None, 0
        self.written.clear()
        self.updated.clear()

    def flush(self, *, last: bool = False) -> None:
        """Send the gathered writes as one statement; call the guard's refusal if it matched no row.

        `last`: the block ends with this statement. When the block is the lazy outermost one and
        began no transaction, the statement runs in autocommit: it is the whole transaction. Any
        other statement is sent inside the block's transaction (begun now if need be).
        """
        writes, guard = self.writes, self.guard
        if not writes and guard is None:
            return
        self.discard()
        gated = guard is not None
        members = tuple(write.render(gated) for write in writes)
        wanted = tuple((i, write.pk) for i, write in enumerate(writes) if write.on_ids is not None)
        params = list(guard[1]) if guard else []
        for write in writes:
            params += write.params
        sql = _batch_sql(guard[0](False) if guard else None, members, wanted)
        if self.lazy and not self.begun:
            idle = self.connection.connection.info.transaction_status == _IDLE
            if not (last and idle):
                self.begin()
        row = self._send(sql, params)
        if guard is not None and row[0] == 0:
            guard[2]()
        for ids, on_ids in zip(row[1:], [w.on_ids for w in writes if w.on_ids is not None], strict=True):
            on_ids(list(ids))

    def _send(self, sql: str, params: list[Any]) -> Any:
        """Execute the batch statement and return its row.

        Unless queries are being logged (DEBUG, a test counting them) or another execute wrapper
        watches the connection, the statement goes straight to a psycopg cursor kept for it. A
        cursor keeps the value adapters it looked up while it is given the same statement, so
        each shape of move has its own; Django's cursor wrapper would make a new one every time.
        Errors still become Django's (`IntegrityError` …), as through the wrapper.
        """
        connection = self.connection
        if not _unwatched(connection, self.before_statement):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchone()
        with connection.wrap_database_errors:
            cursor = _kept_cursor(connection, sql)
            cursor.execute(sql, params)
            return cursor.fetchone()


# A cursor for each batch statement (see `Batch._send`), kept on Django's connection object (one per
# thread) with the psycopg connection they belong to: a new connection gets new ones. At most
# `_KEPT_CURSORS` are kept: the shapes of moves are far fewer.
_KEPT_CURSORS = 256


def _kept_cursor(connection: BaseDatabaseWrapper, sql: str) -> Any:
    raw = connection.connection
    held: tuple[Any, dict[str, Any]] | None = getattr(connection, "_gridgov_cursors", None)
    if held is None or held[0] is not raw:
        held = (raw, {})
        connection._gridgov_cursors = held  # type: ignore[attr-defined]
    kept = held[1]
    cursor = kept.get(sql)
    if cursor is None:
        if len(kept) >= _KEPT_CURSORS:
            kept.clear()
        cursor = kept[sql] = raw.cursor()
    return cursor


try:  # the idle transaction status of a psycopg connection, where psycopg is installed
    from psycopg.pq import TransactionStatus

    _IDLE: Any = TransactionStatus.IDLE
except ImportError:  # pragma: no cover - PostgreSQL needs psycopg; nothing is gathered without it
    _IDLE = None


@lru_cache(maxsize=256)
def _batch_sql(guard: str | None, members: tuple[str, ...], wanted: tuple[tuple[int, str], ...]) -> str:
    """Return the statement of a batch: the guard and each write a CTE; it selects the guard's count and the ids."""
    parts = [f"{GUARD} AS ({guard} RETURNING 1)"] if guard is not None else []
    parts.extend(f"w{i} AS ({sql})" for i, sql in enumerate(members))
    results = [f"(SELECT count(*) FROM {GUARD})" if guard is not None else "1"]
    results.extend(f"ARRAY(SELECT {pk} FROM w{i} ORDER BY {pk})" for i, pk in wanted)
    return f"WITH {', '.join(parts)} SELECT {', '.join(results)}"


_BATCH: ContextVar[Batch | None] = ContextVar("gridgov_rows_batch", default=None)


def flush(using: str | None = None) -> None:
    """Send the writes gathered in the current `atomic()` block now (the new rows get their ids)."""
    batch = _batch(connections[using or DEFAULT_DB_ALIAS])
    if batch is not None:
        batch.flush()


def _batch(connection: BaseDatabaseWrapper) -> Batch | None:
    batch = _BATCH.get()
    return batch if batch is not None and batch.connection is connection else None


def atomic(using: str | None = None) -> Atomic:
    """A transaction (`transaction.atomic`) whose writes through these helpers go as one statement on PostgreSQL.

    Nested inside another on the same connection, it joins the outer block's batch (inside its own
    savepoint, which sends what was gathered before it). Elsewhere it is `transaction.atomic`.
    """
    return Atomic(using or DEFAULT_DB_ALIAS)


class Atomic:
    """The context manager of `atomic()`: a class, as it runs on every move, rather than a generator.

    Where it opens the transaction (the outermost block on a connection in autocommit), it does
    what `transaction.atomic` does there, lazily: the connection is marked as inside an atomic
    block, so Django behaves as in one (nested blocks make savepoints, `on_commit` waits,
    `select_for_update` is allowed), but the server hears of the transaction only when a
    statement other than the gathered writes runs (the execute wrapper then begins it) or the
    writes are sent before the end. A move that only writes sends one statement in autocommit,
    and neither BEGIN nor COMMIT, nor the client-side bookkeeping of either. See `_Lazy`.
    """

    __slots__ = ("_from_testcase", "alias", "batch", "joined", "token", "transaction")

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.batch: Batch | None = None
        self.joined: Batch | None = None
        self.transaction: Any = None
        self._from_testcase = False  # (read by Django's durable blocks nested in this one)

    def __enter__(self) -> None:
        connection = connections[self.alias]
        current = _BATCH.get()
        if connection.vendor != "postgresql" or current is not None:
            self.joined = current if current is not None and current.connection is connection else None
            self.transaction = transaction.atomic(using=self.alias)
            self.transaction.__enter__()
            return
        if not connection.in_atomic_block and connection.get_autocommit():
            batch = Batch(connection, lazy=True)
            _Lazy.enter(connection, self)
        else:
            batch = Batch(connection)
            self.transaction = transaction.atomic(using=self.alias)
            self.transaction.__enter__()
        self.batch = batch
        self.token = _BATCH.set(batch)
        connection.execute_wrappers.append(batch.before_statement)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        batch = self.batch
        if batch is None:
            if kind is not None and self.joined is not None:
                self.joined.discard()  # gathered inside this block's savepoint, which rolls back
            self.transaction.__exit__(kind, error, trace)
            return
        try:
            batch.connection.execute_wrappers.remove(batch.before_statement)
            if batch.lazy:
                _Lazy.exit(batch, kind is None)
                return
            if kind is None:
                try:
                    batch.flush(last=True)
                except BaseException as failed:
                    self.transaction.__exit__(type(failed), failed, failed.__traceback__)
                    raise
            self.transaction.__exit__(kind, error, trace)
        finally:
            _BATCH.reset(self.token)


class _Lazy:
    """The outermost `Atomic` of a connection in autocommit: Django's bookkeeping, the transaction begun late.

    `enter` and `exit` set the connection's state as `django.db.transaction.Atomic` does for its
    outermost block; they talk to psycopg only when the batch began a transaction.
    """

    @staticmethod
    def enter(connection: BaseDatabaseWrapper, block: Atomic) -> None:
        connection.commit_on_exit = True
        connection.needs_rollback = False
        connection.autocommit = False  # Django's view; psycopg stays in autocommit until `begin`
        connection.in_atomic_block = True
        connection.atomic_blocks.append(block)  # type: ignore[arg-type]  # (duck-typed: `_from_testcase`)

    @staticmethod
    def exit(batch: Batch, succeeded: bool) -> None:
        """End the block: send the writes (or forget them), commit or roll back, run the commit hooks."""
        connection = batch.connection
        connection.atomic_blocks.pop()
        connection.in_atomic_block = False
        committed = False
        try:
            if connection.closed_in_transaction:
                batch.discard()  # the server rolls back by itself
            elif succeeded and not connection.needs_rollback:
                try:
                    batch.flush(last=True)
                    if batch.begun:
                        connection.commit()
                    committed = True
                except BaseException:
                    if batch.begun:
                        _roll_back(connection)
                    raise
            else:
                batch.discard()
                connection.needs_rollback = False
                if batch.begun:
                    _roll_back(connection)
        finally:
            if connection.closed_in_transaction:
                connection.connection = None
            elif batch.begun:
                connection.set_autocommit(True)  # psycopg too; runs the commit hooks after a commit
            else:
                connection.autocommit = True  # psycopg never left it
                if committed:
                    connection.errors_occurred = False  # a statement went through: the connection works
                    connection.run_and_clear_commit_hooks()
                else:
                    connection.run_on_commit = []


def _roll_back(connection: BaseDatabaseWrapper) -> None:
    """Roll back the connection's transaction; drop the connection if even that fails (as Django does)."""
    try:
        connection.rollback()
    except Error:
        connection.close()


def unsized_type(field: Field[Any, Any], connection: BaseDatabaseWrapper) -> str:
    """Return the field's column type without its length or precision ("varchar(30)" → "varchar").

    A value cast to it is typed like the column, yet an overlong one is refused on assignment, as
    by a plain INSERT, rather than cut to fit.
    """
    db_type = field.cast_db_type(connection)
    assert db_type, f"{field} has a column type"
    return re.sub(r"\(.*?\)", "", db_type)


def connection_for(model: type[Model]) -> tuple[BaseDatabaseWrapper, bool]:
    """Return the connection the model is written on, and whether an `atomic()` block gathers its writes."""
    connection, batch = _target(model)
    return connection, batch is not None


def _target(model: type[Model]) -> tuple[BaseDatabaseWrapper, Batch | None]:
    """Return the connection the model is written on, and the batch gathering its writes if one is."""
    alias = router.db_for_write(model) if router.routers else DEFAULT_DB_ALIAS
    batch = _BATCH.get()
    if batch is not None and batch.connection.alias == alias:
        return batch.connection, batch  # (the connection at hand: looking it up costs more)
    return connections[alias], None


@lru_cache(maxsize=256)
def _fields(model: type[Model], names: tuple[str, ...]) -> tuple[Field[Any, Any], ...]:
    """Return the named concrete fields of the model (each list looked up once)."""
    return tuple(_field(model, name) for name in names)


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
    cls = value.__class__
    kind = field.__class__
    # The common cases first, by exact type: a move prepares some forty values.
    if cls is str:
        if kind in _TEXT:
            return value
    elif cls is int:
        if kind in _INTEGER and (kind is not models.ForeignKey or _int_target(field)):
            return value  # exact types: an integer field given True stores 1, not a boolean
    elif value is None:
        if kind in _PASSES_NULL:
            return value
    elif cls is datetime:
        if kind is models.DateTimeField and value.tzinfo is not None:
            if connection.vendor != "sqlite":
                return connection.ops.adapt_datetimefield_value(value)  # what the field's own path ends in
            zone = connection.timezone  # (None without USE_TZ: then Django refuses an aware value)
            if zone is not None:
                # What Django's SQLite path makes of it, without its checks: naive in the
                # connection's zone, as text.
                return str(value.astimezone(zone).replace(tzinfo=None))
    elif cls is bool:
        if kind is models.BooleanField:
            return value
    elif cls is dict:
        if kind is models.JSONField:
            return connection.ops.adapt_json_value(value, field.encoder)  # type: ignore[attr-defined]
    elif isinstance(value, Model):
        return prepare(field, value.pk, connection)  # a foreign key takes the related row's id
    elif isinstance(value, str) and kind in _TEXT:  # a choices enum, as the ORM leaves it
        return value
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


@lru_cache(maxsize=256)
def _int_target(field: Field[Any, Any]) -> bool:
    """Tell whether a foreign key points at an integer id that passes unchanged."""
    target = field.target_field  # type: ignore[attr-defined]
    return target.__class__ in (models.AutoField, models.BigAutoField, models.IntegerField)


def _column(model: type[Model], name: str, quote: Any) -> str:
    return str(quote(str(_field(model, name).column)))


def _pk_column(model: type[Model], connection: BaseDatabaseWrapper) -> str:
    pk = model._meta.pk
    assert pk is not None
    return str(connection.ops.quote_name(str(pk.column)))


@lru_cache(maxsize=64)
def _insert_sql(
    model: type[Model], alias: str, names: tuple[str, ...], rows: int, returning: bool, gated: bool
) -> str:
    """Return the INSERT of `rows` rows of the named fields (each shape built once).

    Gated by a batch's guard (PostgreSQL), the rows are selected where the guard matched, each value
    cast to its column's type as `_insert_from_sql` explains.
    """
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns = ", ".join(_column(model, name, quote) for name in names)
    if gated:
        casts = ", ".join(f"CAST(%s AS {unsized_type(_field(model, name), connection)})" for name in names)
        if rows == 1:
            values = f"SELECT {casts} WHERE {GATE}"
        else:
            values = f"SELECT * FROM (VALUES {', '.join([f'({casts})'] * rows)}) AS v WHERE {GATE}"
    else:
        values = "VALUES " + ", ".join(["(" + ", ".join(["%s"] * len(names)) + ")"] * rows)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {values}"
    if returning:
        sql += f" RETURNING {_pk_column(model, connection)}"
    return sql


@lru_cache(maxsize=64)
def _insert_from_sql(
    model: type[Model],
    alias: str,
    shape: tuple[tuple[str, str | None], ...],
    source: str,
    order_by: str,
    gated: bool,
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
    where = f" WHERE {GATE}" if gated else ""
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(selected)} FROM ({source}) src{where} ORDER BY src.{quote(order_by)}"
    )


@lru_cache(maxsize=64)
def _update_sql(
    model: type[Model],
    alias: str,
    changes: tuple[tuple[str, str], ...],
    where: tuple[tuple[str, int], ...],
    gated: bool,
) -> str:
    """Return the UPDATE of the changed fields where the conditions hold (each shape built once)."""
    quote = connections[alias].ops.quote_name
    assignments = []
    for name, kind in changes:
        column = _column(model, name, quote)
        value = {"ifnull": f"COALESCE({column}, %s)", "added": f"{column} + %s"}.get(kind, "%s")
        assignments.append(f"{column} = {value}")
    conditions = []
    for name, members in where:
        column = _column(model, name, quote)
        conditions.append(f"{column} IN ({', '.join(['%s'] * members)})" if members else f"{column} = %s")
    if gated:
        conditions.append(GATE)
    return (
        f"UPDATE {quote(model._meta.db_table)} SET {', '.join(assignments)} WHERE {' AND '.join(conditions)}"
    )


__all__ = [
    "Added",
    "Atomic",
    "Batch",
    "IfNull",
    "Selected",
    "atomic",
    "connection_for",
    "flush",
    "insert",
    "insert_from",
    "prepare",
    "unsized_type",
    "update",
]
