"""`gridgov bench transitions`: moves per second through `cases.actions`, one process, the configured database.

A throwaway database of the configured engine is created (as Django's test runner does: a file
next to nothing else for SQLite, `test_<name>` on PostgreSQL), migrated, given the small test
district, and destroyed afterwards. N reports are filed first (timed on their own); then every case
goes through the closed loop accept → dispatch → sign → report done → verify (five moves each), each
move its own transaction with its transition and outbox rows, as a web request would make it.

On PostgreSQL the statements of the timed moves are recorded and, with those cases put back as they
were, replayed alone: `statements_only_moves_per_s` is what the database gives without any of the
application's code, the bound for `moves_per_s` on the machine at hand.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from django.db import connection, connections
from django.test.utils import CaptureQueriesContext, override_settings

GOAL_MOVES_PER_S = 1_000
CASES = 2_000
QUICK_CASES = 200
WARM_UP = 20
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
LOOP = ("accept", "dispatch", "sign", "report_done", "verify_pass")


def run(quick: bool, seed: int, log: Callable[[str], Any]) -> dict[str, Any]:
    """Push N cases through the closed loop and return moves per second and the queries per move."""
    count = QUICK_CASES if quick else CASES
    quiet = override_settings(
        DEBUG=False,  # no query log: it would cost more than some moves
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    with tempfile.TemporaryDirectory(prefix="gridgov-bench-transitions-") as tmp:
        media = override_settings(MEDIA_ROOT=str(Path(tmp) / "media"))
        with _throwaway_database(Path(tmp), log) as engine, quiet, media:
            figures = _measure(count, seed, log)
    return {"engine": engine, "quick": quick, "seed": seed, "goal_moves_per_s": GOAL_MOVES_PER_S, **figures}


@contextmanager
def _throwaway_database(tmp: Path, log: Callable[[str], Any]) -> Iterator[str]:
    """Create, migrate and finally destroy a database of the configured engine; yield the engine name."""
    settings_dict = connection.settings_dict
    original_name = settings_dict["NAME"]
    if connection.vendor == "sqlite":
        # A file, not the test runner's in-memory default: the WAL file database is what we ship.
        settings_dict.setdefault("TEST", {})["NAME"] = str(tmp / "bench.sqlite3")
    log(f"creating a throwaway {connection.vendor} database and migrating it …")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield connection.vendor
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


def _measure(count: int, seed: int, log: Callable[[str], Any]) -> dict[str, Any]:
    """Report `count` cases, then time the five moves of each; return the figures."""
    from gridgov.testing import make_mini_district

    mini = make_mini_district()
    started = time.perf_counter()
    log(f"filing {count:,} reports …")
    cases = _report(count, seed)
    report_seconds = time.perf_counter() - started
    steps = _loop(mini)
    # The first cases warm the caches (time limits, calendar, posts) and show the queries per move.
    warm, timed = cases[:WARM_UP], cases[WARM_UP:]
    with CaptureQueriesContext(connection) as queries:
        _run(warm, steps)  # (untimed)
    # Statements, not transaction control: SQLite logs BEGIN and COMMIT, PostgreSQL does not.
    statements = [q for q in queries.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]
    per_move = len(statements) / (len(warm) * len(steps))
    figures: dict[str, Any] = {
        "queries_per_move": round(per_move, 2),
        "reports_per_s": round(count / report_seconds),
    }
    if connection.vendor == "postgresql":
        # Each move is a durable commit: the server waits for the disk to flush its log. A third of
        # the cases run so, one after the other (the figure that counts); a third with the wait off,
        # which shows what the application itself costs when the disk flushes fast (a battery-backed
        # or NVMe disk); a third in several threads of this process, as a server serves dispatchers.
        # Other threads see only committed rows: inside a test's transaction they sit out.
        parts = 2 if connection.in_atomic_block else 3
        share = len(timed) // parts
        timed, unflushed, threaded = timed[:share], timed[share : 2 * share], timed[2 * share :]
        figures |= _pg_commit_figures(unflushed, steps, log)
        if parts == 3:
            figures |= _threaded_figures(threaded, steps, log)
    log(f"moving {len(timed):,} cases through {' → '.join(LOOP)} …")
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with _statements_replayed(timed, len(steps), log) as replay:
            seconds, cpu_seconds = _run(timed, steps)
        figures |= replay
    else:
        seconds, cpu_seconds = _run(timed, steps)
    moves = len(timed) * len(steps)
    log(f"{moves:,} moves in {seconds:.2f} s: {moves / seconds:,.0f} moves/s, {per_move:.1f} queries/move")
    return {
        "cases": len(timed),
        "moves": moves,
        "seconds": round(seconds, 3),
        "moves_per_s": round(moves / seconds),
        # On a busy machine the clock also counts other processes' turns; this process's CPU time
        # does not (for SQLite it includes the database's work, for PostgreSQL not the server's).
        "cpu_seconds": round(cpu_seconds, 3),
        "moves_per_cpu_s": round(moves / cpu_seconds),
        **figures,
    }


def _report(count: int, seed: int) -> list[Any]:
    """File `count` reports of a neighbour dispute at points spread over the four grids."""
    from gridgov.cases import actions
    from gridgov.cases.models import Category, Channel

    category = Category.objects.get(code="S01001", kind=Category.Kind.MATTER)  # 邻里纠纷: no auto-dispatch
    # The same points for the same seed, all inside the 0.02° square of the test district.
    points = [
        (113.1005 + (i * 37 + seed) % 190 * 1e-4, 27.8605 + (i * 53 + seed) % 189 * 1e-4)
        for i in range(count)
    ]
    return [
        actions.report_case(
            Channel.SNAP,
            "楼下邻居因停车位争吵",
            lon=lon,
            lat=lat,
            category=category,
            reporter_phone="13807312345",
        )
        for lon, lat in points
    ]


def _loop(mini: Any) -> list[Callable[[Any], Any]]:
    """Return the five moves of the closed loop, each by the persona who makes it."""
    from gridgov.cases import actions

    return [
        lambda case: actions.accept(case, mini.dispatcher),
        lambda case: actions.dispatch(case, mini.dispatcher, lead=mini.department),
        lambda case: actions.sign(case, mini.handler),
        lambda case: actions.report_done(case, mini.handler, outcome_quantity=1),
        lambda case: actions.verify_pass(case, mini.dispatcher),
    ]


def _run(cases: list[Any], steps: list[Callable[[Any], Any]]) -> tuple[float, float]:
    """Make every move on every case; return the seconds it took, on the clock and on this process's CPU."""
    started, cpu_started = time.perf_counter(), time.process_time()
    for case in cases:
        for step in steps:
            step(case)
    return time.perf_counter() - started, time.process_time() - cpu_started


THREADS = 4


def _threaded_figures(
    cases: list[Any], steps: list[Callable[[Any], Any]], log: Callable[[str], Any]
) -> dict[str, Any]:
    """Return the moves per second of one process whose threads move different cases at once.

    A server process serves several dispatchers at once (gunicorn's threads): while one thread waits
    for the database, another prepares its move. Each thread has its own connection; every move is
    still its own durable transaction. Not the headline figure, which is one thread's.
    """
    chunks = [cases[i::THREADS] for i in range(THREADS)]
    log(f"moving {len(cases):,} cases in {THREADS} threads of this process …")

    def work(chunk: list[Any]) -> None:
        try:
            _run(chunk, steps)
        finally:
            connections.close_all()  # this thread's connection, before the database is dropped

    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(work, chunk) for chunk in chunks]:
            future.result()
    seconds = time.perf_counter() - started
    return {"threads": THREADS, "moves_per_s_threads": round(len(cases) * len(steps) / seconds)}


@contextmanager
def _statements_replayed(cases: list[Any], steps: int, log: Callable[[str], Any]) -> Iterator[dict[str, Any]]:
    """Record the statements the moves send, then replay them alone; fill in their moves per second.

    What the database itself costs: the cases are put back as they were before the moves (their rows,
    and no transitions, tasks or notices since), and the recorded statements run again one after
    the other, each durable, each the whole of a move's writes, without any of the application's
    code around them. The moves per second of the replay bound what the application could reach.
    """
    from gridgov.cases.models import Case, Task, Transition
    from gridgov.lib import rows
    from gridgov.notify.models import OutboxMessage

    figures: dict[str, Any] = {}
    ids = [case.pk for case in cases]
    columns = [f.column for f in Case._meta.concrete_fields if not f.primary_key]
    logs = (Transition, Task, OutboxMessage)
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_case_copy AS SELECT * FROM {table} WHERE id = ANY(%s)", [ids])
        last = {}
        for model in logs:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {model._meta.db_table}")
            last[model] = cursor.fetchone()[0]
    recorded: list[tuple[str, list[Any]]] = []
    send = rows.Batch._send

    def recording(batch: Any, sql: str, params: list[Any]) -> Any:
        recorded.append((sql, params))
        return send(batch, sql, params)

    with mock.patch.object(rows.Batch, "_send", recording):
        yield figures
    with connection.cursor() as cursor:
        for model in logs:
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id > %s", [last[model]])
        assignments = ", ".join(f'"{column}" = copy."{column}"' for column in columns)
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM bench_case_copy copy WHERE copy.id = {table}.id"
        )
        cursor.execute("DROP TABLE bench_case_copy")
    log(f"replaying the {len(recorded):,} statements of those moves alone …")
    raw = connection.connection
    kept: dict[str, Any] = {}
    started = time.perf_counter()
    for sql, params in recorded:
        cursor = kept.get(sql) or kept.setdefault(sql, raw.cursor())
        cursor.execute(sql, params)
        assert cursor.fetchone()[0] == 1, "a replayed move found its case changed"
    seconds = time.perf_counter() - started
    figures["statements_only_moves_per_s"] = round(len(cases) * steps / seconds)


def _pg_commit_figures(
    cases: list[Any], steps: list[Callable[[Any], Any]], log: Callable[[str], Any]
) -> dict[str, Any]:
    """Return the time of one durable commit here and the moves per second without waiting for it."""
    probes = 50
    with connection.cursor() as cursor:
        # Outside a transaction every statement commits; the throwaway database takes a probe table.
        cursor.execute("CREATE TABLE bench_commit_probe (x integer)")
        started = time.perf_counter()
        for _ in range(probes):
            cursor.execute("INSERT INTO bench_commit_probe VALUES (1)")
        commit_ms = (time.perf_counter() - started) / probes * 1000
        cursor.execute("DROP TABLE bench_commit_probe")
        cursor.execute("SET synchronous_commit TO off")
    log(
        f"a durable commit takes {commit_ms:.1f} ms here; timing {len(cases):,} cases without waiting for it …"
    )
    try:
        seconds, _cpu_seconds = _run(cases, steps)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT")
    moves = len(cases) * len(steps)
    return {"commit_flush_ms": round(commit_ms, 2), "moves_per_s_without_flush_wait": round(moves / seconds)}
