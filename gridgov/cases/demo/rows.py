"""Write the played cases: cases, transitions, tasks and tracking counters in a few bulk statements."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection

from gridgov.cases.demo.drafts import DraftMaker, TrackingNumbers
from gridgov.cases.demo.story import Draft
from gridgov.cases.demo.timeline import Timeline
from gridgov.cases.models import Case, Task, TrackingCounter, Transition
from gridgov.territory.demo.context import insert_rows

CASE_COLUMNS = (
    "id",
    "tracking_no",
    "status",
    "version",
    "channel",
    "category",
    "urgency",
    "description",
    "address",
    "lon",
    "lat",
    "grid",
    "generation",
    "level",
    "reporter_name",
    "reporter_phone_encrypted",
    "reporter_phone_hash",
    "reporter_phone_last4",
    "reporter_contact",
    "reported_by",
    "lead_department",
    "lead_user",
    "merged_into",
    "created_at",
    "registered_at",
    "closed_at",
    "stage",
    "stage_started_at",
    "due_at",
    "case_due_at",
    "held_since",
    "overdue_urged_at",
    "rating",
    "rated_at",
    "outcome_quantity",
)
TIMELINE_FIELDS = ("lead_department_id", "lead_user_id", "merged_into_id")
TRANSITION_COLUMNS = (
    "case",
    "seq",
    "move",
    "from_status",
    "to_status",
    "actor",
    "actor_role",
    "at",
    "note",
    "public",
    "due_at",
    "data",
)
TASK_COLUMNS = (
    "id",
    "case",
    "lead",
    "department",
    "user",
    "state",
    "created_at",
    "signed_at",
    "done_at",
    "note",
)
BATCH = 20_000

Played = tuple[Draft, Timeline]


def next_ids() -> tuple[int, int]:
    """Return the first free primary keys of cases and tasks (the demo assigns its own)."""
    last_case = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_task = Task.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return last_case + 1, last_task + 1


def write(
    played: Sequence[Played], maker: DraftMaker, generation: int | None, numbers: TrackingNumbers
) -> dict[str, int]:
    """Insert the cases with their logs and tasks; move the id sequences and tracking counters on."""
    when = _adapter()
    cases = insert_rows(Case, CASE_COLUMNS, [_case(d, t, maker, generation, when) for d, t in played])
    tasks = _insert(Task, TASK_COLUMNS, (_task(d.id, task, when) for d, t in played for task in t.tasks))
    transitions = _insert(Transition, TRANSITION_COLUMNS, _transitions(played, when))
    _reset_sequences()
    _store_counters(numbers)
    return {"cases": cases, "transitions": transitions, "tasks": tasks}


def _adapter() -> Callable[[datetime | None], Any]:
    """Return a function making datetimes database-ready, as `adapt_datetimefield_value` does."""
    if connection.vendor == "sqlite" and settings.USE_TZ and connection.timezone == UTC:
        # Django stores naive UTC text on SQLite (str() of the naive value); this writes the same text
        # ("+00:00" cut off) twice as fast, which counts for 400,000 values.
        return lambda value: None if value is None else value.astimezone(UTC).isoformat(" ")[:-6]
    adapt = connection.ops.adapt_datetimefield_value
    return lambda value: None if value is None else adapt(value)


def _insert(model: type[Any], columns: Sequence[str], rows: Iterator[tuple[Any, ...]]) -> int:
    """Insert rows from an iterator in batches (memory stays flat however many there are)."""
    made, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            made += insert_rows(model, columns, batch)
            batch = []
    return made + insert_rows(model, columns, batch)


def _case(
    draft: Draft, timeline: Timeline, maker: DraftMaker, generation: int | None, when: Callable[[Any], Any]
) -> tuple[Any, ...]:
    f = timeline.f
    return (
        draft.id,
        draft.tracking_no,
        f["status"],
        f["version"],
        draft.channel,
        draft.info.id,
        draft.info.urgency,
        draft.description,
        draft.address,
        draft.lon,
        draft.lat,
        draft.grid.grid.pk,
        generation,
        f["level"],
        draft.reporter_name,
        *maker.encrypted_phone(draft.phone),
        draft.contact,
        draft.reported_by,
        *(f[name] for name in TIMELINE_FIELDS),
        when(draft.at),
        when(f["registered_at"]),
        when(f["closed_at"]),
        f["stage"],
        when(f["stage_started_at"]),
        when(f["due_at"]),
        when(f["case_due_at"]),
        when(f["held_since"]),
        when(f["overdue_urged_at"]),
        f["rating"],
        when(f["rated_at"]),
        f["outcome_quantity"],
    )


def _task(case: int, task: Any, when: Callable[[Any], Any]) -> tuple[Any, ...]:
    return (
        task.id,
        case,
        task.lead,
        task.department_id,
        task.user_id,
        task.state,
        when(task.created_at),
        when(task.signed_at),
        when(task.done_at),
        task.note,
    )


def _transitions(played: Sequence[Played], when: Callable[[Any], Any]) -> Iterator[tuple[Any, ...]]:
    json = connection.ops.adapt_json_value
    nothing = json({}, None)  # most moves carry no data
    for draft, timeline in played:
        for r in timeline.rows:
            yield (
                draft.id,
                r.seq,
                r.move,
                r.from_status,
                r.to_status,
                r.actor_id,
                r.role,
                when(r.at),
                r.note,
                r.public,
                when(r.due_at),
                json(r.data, None) if r.data else nothing,
            )


def _reset_sequences() -> None:
    """Move the id sequences past the ids the demo gave (PostgreSQL; SQLite follows by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [Case, Task])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _store_counters(numbers: TrackingNumbers) -> None:
    """Record the last tracking number of each day, so that live reports continue after them."""
    new = [(day, last) for day, last in sorted(numbers.used.items()) if day not in numbers.taken]
    insert_rows(TrackingCounter, ("day", "last"), [(_day(day), last) for day, last in new])
    for day, last in numbers.used.items():
        if day in numbers.taken:
            TrackingCounter.objects.filter(day=day).update(last=last)


def _day(day: date) -> Any:
    return connection.ops.adapt_datefield_value(day)
