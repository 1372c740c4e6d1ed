"""One case's history written in memory, move by move, each move checked against the workflow table.

`Timeline` mirrors what `cases.actions` writes for every move — the transition row (seq = the new
version, the deadline then in force), the case's clock fields as `clock.stage_changes` sets them,
its lead, its tasks — without touching the database. A move the workflow does not allow from the
current status for the role raises `StoryError`, and so does a move back in time: the log is valid
by construction. Before each move the deadline sweep is replayed: a running stage that went past
its due is urged once by the system, as `gridgov worker` would have done.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases import clock, workflow
from gridgov.cases.demo import texts
from gridgov.cases.demo.world import Clock, Target
from gridgov.cases.models import Case, Stage, Status, Task
from gridgov.people.models import Level

Move = workflow.Move
S = Status
OPEN_TASKS = (Task.State.PENDING, Task.State.SIGNED)
# Statuses whose clock runs, as the deadline sweep reads them (a held case is never overdue).
RUNNING = workflow.OPEN - {S.ON_HOLD}
NEXT_LEVEL = {Level.GRID: Level.COMMUNITY, Level.COMMUNITY: Level.STREET, Level.STREET: Level.DISTRICT}
# The worker sweeps deadlines every few minutes; a supervisor follows up on some overdue cases.
SWEEP_MINUTES = 5
FOLLOW_UP_SHARE = 0.3
# A case as `Case()` starts it: the fields the simulator keeps, with their initial values.
INITIAL: dict[str, Any] = {
    "status": "",
    "version": 0,
    "stage": Stage.ACCEPT,
    "stage_started_at": None,
    "due_at": None,
    "case_due_at": None,
    "held_since": None,
    "overdue_urged_at": None,
    "level": Level.GRID,
    "lead_department_id": None,
    "lead_user_id": None,
    "merged_into_id": None,
    "registered_at": None,
    "closed_at": None,
    "rating": "",
    "rated_at": None,
    "outcome_quantity": None,
}


class Cutoff(Exception):
    """The next move falls after the end of the demo year: the case stays as it is then."""


class StoryError(Exception):
    """A move the workflow does not allow, or one back in time: a bug in the demo's stories."""


@dataclass(slots=True)
class TaskRow:
    """A task as `Task` stores it."""

    id: int
    lead: bool
    department_id: int | None
    user_id: int | None
    created_at: datetime
    state: str = Task.State.PENDING
    signed_at: datetime | None = None
    done_at: datetime | None = None
    note: str = ""

    @property
    def open(self) -> bool:
        return self.state in OPEN_TASKS


@dataclass(slots=True)
class Row:
    """A transition as `Transition` stores it (without the case)."""

    seq: int
    move: str
    from_status: str
    to_status: str
    actor_id: int | None
    role: str
    at: datetime
    note: str
    public: bool
    due_at: datetime | None
    data: dict[str, Any]


Actor = tuple[int | None, str]  # (user id or None for the system and anonymous reporters, role)


@dataclass
class Timeline:
    """The history of one case, and its fields after the last move."""

    category_id: int
    urgency: str
    clock: Clock
    end: datetime
    task_ids: Callable[[], int]
    rng: random.Random
    supervisor: Actor | None = None
    f: dict[str, Any] = field(default_factory=lambda: dict(INITIAL))
    rows: list[Row] = field(default_factory=list)
    tasks: list[TaskRow] = field(default_factory=list)
    _later: list[tuple[datetime, int, Callable[[], None]]] = field(default_factory=list)
    _requests: dict[str, int] = field(default_factory=dict)
    _scheduled: int = 0

    @property
    def status(self) -> str:
        return str(self.f["status"])

    @property
    def last_at(self) -> datetime:
        return self.rows[-1].at

    def status_at(self, moment: datetime) -> str:
        """Return the status the case had at the moment ("" before it was reported)."""
        status = ""
        for row in self.rows:
            if row.at > moment:
                break
            status = row.to_status
        return status

    # --- the machinery --------------------------------------------------------------------------

    def later(self, at: datetime, event: Callable[[], None]) -> None:
        """Schedule a side event (an assisting task's move, a note) to run in time order."""
        self._scheduled += 1  # ties run in the order scheduled, never comparing the events
        heapq.heappush(self._later, (at, self._scheduled, event))

    def _run_scheduled(self, until: datetime) -> None:
        while self._later and self._later[0][0] <= until:
            _at, _order, event = heapq.heappop(self._later)
            event()

    def _stage(self, status: str, at: datetime) -> dict[str, Any]:
        """Return the clock fields of entering the status, as `clock.stage_changes` does."""
        stage = workflow.STAGE_OF.get(status, Stage.NONE)
        due = self.clock.due(self.category_id, self.urgency, stage, at) if stage else None
        changes: dict[str, Any] = {
            "stage": stage,
            "stage_started_at": at,
            "due_at": due,
            "overdue_urged_at": None,
        }
        if status not in workflow.OPEN:
            changes["held_since"] = None
        return changes

    def _whole_due(self, at: datetime) -> datetime | None:
        return self.clock.due(self.category_id, self.urgency, "whole", at)

    def move(
        self,
        move: str,
        actor: Actor,
        at: datetime,
        *,
        note: str = "",
        public: bool = False,
        data: dict[str, Any] | None = None,
        changes: Callable[[str], dict[str, Any]] | None = None,
    ) -> None:
        """Make the move at `at` after the side events and urges due before it; `changes` gets the target."""
        self._run_scheduled(at)
        self.sweep(at)
        self._apply(move, actor, at, note, public, data, changes)

    def _apply(
        self,
        move: str,
        actor: Actor,
        at: datetime,
        note: str,
        public: bool,
        data: dict[str, Any] | None,
        changes: Callable[[str], dict[str, Any]] | None,
    ) -> None:
        if at >= self.end:
            raise Cutoff
        user, role = actor
        status = self.status
        if not workflow.is_allowed(move, status, {role}):
            raise StoryError(f"{move} by {role} from {status!r} is not allowed")
        if self.rows and at < self.rows[-1].at:
            raise StoryError(f"{move} at {at} is before the previous move")
        target = workflow.target_of(move, status)
        self.f["status"] = target
        if changes is not None:
            self.f.update(changes(target))
        self.f["version"] += 1
        row = Row(
            self.f["version"],
            move,
            status,
            target,
            user,
            role,
            at,
            note,
            public,
            self.f["due_at"],
            data or {},
        )
        self.rows.append(row)

    def sweep(self, until: datetime) -> None:
        """Urge a running stage that went past its due before `until`, as the deadline sweep would."""
        f = self.f
        due = f["due_at"]
        if f["status"] not in RUNNING or f["held_since"] or due is None or f["overdue_urged_at"]:
            return
        # The first sweep after the due, or after the move that left the stage overdue (an extension
        # granted late counts from the old due and may end in the past).
        at = max(due, self.rows[-1].at) + timedelta(minutes=self.rng.randint(1, SWEEP_MINUTES))
        limit = min(until, self.end)
        if at >= limit:
            return
        note = _("The %(stage)s stage was due at %(due)s.") % {
            "stage": Stage(f["stage"]).label,
            "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
        }
        data = {"overdue": True, "stage": f["stage"]}
        self._apply(
            Move.URGE, (None, workflow.SYSTEM), at, note, False, data, lambda _t: {"overdue_urged_at": at}
        )
        if self.supervisor is not None and self.rng.random() < FOLLOW_UP_SHARE:
            follow = self.clock.calendar.add_working_time(at, timedelta(hours=self.rng.uniform(0.5, 6)))
            if follow < limit:
                note = texts.pick(self.rng, texts.URGE)
                self._apply(Move.URGE, self.supervisor, follow, note, False, None, None)

    def finish(self) -> None:
        """Run what was due before the end of the year, then stop."""
        try:
            self._run_scheduled(self.end - timedelta(microseconds=1))
            self.sweep(self.end)
        except Cutoff:
            pass

    # --- tasks ----------------------------------------------------------------------------------

    def add_task(self, target: Target, lead: bool, at: datetime, note: str = "") -> TaskRow:
        """Create a task for a department or a person."""
        kind, pk, _spec = target
        task = TaskRow(
            self.task_ids(),
            lead,
            pk if kind == "dept" else None,
            pk if kind == "user" else None,
            at,
            note=note,
        )
        self.tasks.append(task)
        return task

    def _cancel_open_tasks(self) -> None:
        for task in self.tasks:
            if task.open:
                task.state = Task.State.CANCELLED

    def _lead_tasks(self, *states: str) -> list[TaskRow]:
        return [task for task in self.tasks if task.lead and task.state in states]

    def task_event(self, task: TaskRow, actor: Actor, event: str, at: datetime, note: str = "") -> None:
        """Record an assisting or alert task signed for or done (a note on the case), if still possible."""
        wanted = (Task.State.PENDING,) if event == "signed" else OPEN_TASKS
        if task.state not in wanted or self.status not in workflow.OPEN:
            return
        self.move(Move.NOTE, actor, at, note=note, data={"task": task.id, "event": event})
        task.signed_at = task.signed_at or at
        task.state = Task.State.SIGNED if event == "signed" else Task.State.DONE
        if event == "done":
            task.done_at = at

    # --- reporting and registration -------------------------------------------------------------

    def report(self, actor: Actor, at: datetime) -> None:
        """Write the `report` transition (seq 1), as intake does."""
        if self.rows:
            raise StoryError("a case is reported once")
        if at >= self.end:
            raise Cutoff
        self.f.update(status=S.REPORTED, version=1, **self._stage(S.REPORTED, at))
        self.rows.append(
            Row(1, Move.REPORT, "", S.REPORTED, actor[0], actor[1], at, "", True, self.f["due_at"], {})
        )

    def accept(self, actor: Actor, at: datetime) -> None:
        def changes(target: str) -> dict[str, Any]:
            return {"registered_at": at, "case_due_at": self._whole_due(at), **self._stage(target, at)}

        self.move(Move.ACCEPT, actor, at, public=True, changes=changes)

    def reject(self, actor: Actor, at: datetime, reason: str) -> None:
        self.move(Move.REJECT, actor, at, note=reason, public=True, changes=lambda t: self._stage(t, at))
        self._cancel_open_tasks()  # an urgent report's alerts to the grid team

    def merge(self, actor: Actor, at: datetime, into_id: int, into_no: str) -> None:
        data = {"into": into_id, "into_tracking_no": into_no}
        self.move(
            Move.MERGE, actor, at, public=True, data=data,
            changes=lambda t: {"merged_into_id": into_id, **self._stage(t, at)},
        )  # fmt: skip
        self._cancel_open_tasks()

    def take_in_grid(self, actor: Actor, at: datetime) -> None:
        def changes(target: str) -> dict[str, Any]:
            lead = {"lead_user_id": actor[0], "lead_department_id": None, "level": Level.GRID}
            return {
                **lead,
                "registered_at": at,
                "case_due_at": self._whole_due(at),
                **self._stage(target, at),
            }

        self.move(Move.TAKE_IN_GRID, actor, at, public=True, changes=changes)

    def solve_in_grid(self, actor: Actor, at: datetime, note: str, quantity: int) -> None:
        def changes(target: str) -> dict[str, Any]:
            return {"closed_at": at, "outcome_quantity": quantity, **self._stage(target, at)}

        self.move(Move.SOLVE_IN_GRID, actor, at, note=note, public=True, changes=changes)

    def escalate(self, actor: Actor, at: datetime, reason: str) -> None:
        level = NEXT_LEVEL[self.f["level"]]
        data = {"from_level": self.f["level"], "to_level": level}

        def changes(target: str) -> dict[str, Any]:
            fields: dict[str, Any] = {"level": level, "lead_department_id": None, "lead_user_id": None}
            fields["registered_at"] = self.f["registered_at"] or at
            if self.f["case_due_at"] is None:
                fields["case_due_at"] = self._whole_due(at)
            return {**fields, **self._stage(target, at)}

        self.move(Move.ESCALATE, actor, at, note=reason, data=data, changes=changes)
        self._cancel_open_tasks()

    # --- the work -------------------------------------------------------------------------------

    def dispatch(
        self, actor: Actor, at: datetime, lead: Target, assists: list[Target], note: str = ""
    ) -> TaskRow:
        """Dispatch to a lead and assisting targets, a task each; return the lead's task."""
        data = {"lead": _spec(lead), "assists": [_spec(target) for target in assists]}

        def changes(target: str) -> dict[str, Any]:
            department, user = (lead[1], None) if lead[0] == "dept" else (None, lead[1])
            return {"lead_department_id": department, "lead_user_id": user, **self._stage(target, at)}

        self.move(Move.DISPATCH, actor, at, note=note, public=True, data=data, changes=changes)
        self._cancel_open_tasks()
        task = self.add_task(lead, True, at)
        for target in assists:
            self.add_task(target, False, at)
        return task

    def sign(self, actor: Actor, at: datetime) -> None:
        self.move(Move.SIGN, actor, at, public=True, changes=lambda t: self._stage(t, at))
        for task in self._lead_tasks(Task.State.PENDING):
            task.state, task.signed_at = Task.State.SIGNED, at

    def return_case(self, actor: Actor, at: datetime, reason: str) -> None:
        data = {"department": self.f["lead_department_id"], "user": self.f["lead_user_id"]}

        def changes(target: str) -> dict[str, Any]:
            return {"lead_department_id": None, "lead_user_id": None, **self._stage(target, at)}

        self.move(Move.RETURN, actor, at, note=reason, data=data, changes=changes)
        for task in self._lead_tasks(*OPEN_TASKS):
            task.state, task.note, task.done_at = Task.State.RETURNED, reason, at
        self._cancel_open_tasks()

    def report_done(self, actor: Actor, at: datetime, note: str, quantity: int) -> None:
        def changes(target: str) -> dict[str, Any]:
            return {"outcome_quantity": quantity, **self._stage(target, at)}

        self.move(Move.REPORT_DONE, actor, at, note=note, public=True, changes=changes)
        for task in self._lead_tasks(*OPEN_TASKS):
            task.state, task.done_at, task.signed_at = Task.State.DONE, at, task.signed_at or at

    def verify_pass(self, actor: Actor, at: datetime) -> None:
        quantity = self.f["outcome_quantity"] if self.f["outcome_quantity"] is not None else 1

        def changes(target: str) -> dict[str, Any]:
            return {"closed_at": at, "outcome_quantity": quantity, **self._stage(target, at)}

        self.move(Move.VERIFY_PASS, actor, at, public=True, changes=changes)
        self._cancel_open_tasks()

    def verify_fail(self, actor: Actor, at: datetime, reason: str) -> None:
        changes = lambda t: self._stage(t, at)  # noqa: E731
        self.move(Move.VERIFY_FAIL, actor, at, note=reason, data={"rework": True}, changes=changes)
        for task in self._lead_tasks(Task.State.DONE):
            task.state, task.done_at = Task.State.SIGNED, None

    def note(self, actor: Actor, at: datetime, text: str) -> None:
        """Write a public progress note, if the case is still open then."""
        if self.status in workflow.OPEN:
            self.move(Move.NOTE, actor, at, note=text, public=True)

    # --- requests -------------------------------------------------------------------------------

    def request(
        self, kind: str, actor: Actor, at: datetime, reason: str, data: dict[str, Any] | None = None
    ) -> None:
        """Ask for an extension, a hold or voiding; the answer refers to this row."""
        move = {"extension": Move.REQUEST_EXTENSION, "hold": Move.REQUEST_HOLD, "void": Move.REQUEST_VOID}[
            kind
        ]
        self.move(move, actor, at, note=reason, data=data)
        self._requests[kind] = self.f["version"]

    def _answer(
        self,
        move: str,
        kind: str,
        actor: Actor,
        at: datetime,
        note: str,
        changes: Any = None,
        public: bool = False,
    ) -> None:
        data = {"request_seq": self._requests.pop(kind)}
        self.move(move, actor, at, note=note, public=public, data=data, changes=changes)

    def approve_extension(self, actor: Actor, at: datetime, amount: int, unit: str) -> None:
        calendar = self.clock.calendar

        def changes(_target: str) -> dict[str, Any]:
            due = calendar.add(self.f["due_at"] or at, amount, unit)
            case_due = calendar.add(self.f["case_due_at"], amount, unit) if self.f["case_due_at"] else None
            return {"due_at": due, "case_due_at": case_due, "overdue_urged_at": None}

        self._answer(Move.APPROVE_EXTENSION, "extension", actor, at, "", changes)

    def deny(self, kind: str, actor: Actor, at: datetime, reason: str) -> None:
        move = {"extension": Move.DENY_EXTENSION, "hold": Move.DENY_HOLD, "void": Move.DENY_VOID}[kind]
        self._answer(move, kind, actor, at, reason)

    def approve_hold(self, actor: Actor, at: datetime) -> None:
        self._answer(Move.APPROVE_HOLD, "hold", actor, at, "", lambda _t: {"held_since": at}, public=True)

    def resume(self, actor: Actor, at: datetime) -> None:
        f = self.f
        paused = Case(
            category_id=self.category_id,
            urgency=self.urgency,
            stage=f["stage"],
            due_at=f["due_at"],
            case_due_at=f["case_due_at"],
            held_since=f["held_since"],
        )
        self.move(Move.RESUME, actor, at, public=True, changes=lambda _t: clock.resume_changes(paused, at))

    def approve_void(self, actor: Actor, at: datetime) -> None:
        self._answer(Move.APPROVE_VOID, "void", actor, at, "", lambda t: self._stage(t, at), public=True)
        self._cancel_open_tasks()

    # --- feedback -------------------------------------------------------------------------------

    def rate(self, actor: Actor, at: datetime, rating: str, comment: str) -> None:
        """Record the rating; a dissatisfied one reopens the case at once, as `actions.rate` does."""
        changes = lambda _t: {"rating": rating, "rated_at": at}  # noqa: E731
        self.move(Move.RATE, actor, at, note=comment, public=True, data={"rating": rating}, changes=changes)
        if rating == "dissatisfied":
            reason = f"{_('The reporter is not satisfied with the result.')} {comment}".strip()
            self.reopen(actor, at, reason)

    def reopen(self, actor: Actor, at: datetime, reason: str) -> None:
        def changes(target: str) -> dict[str, Any]:
            cleared = {"closed_at": None, "rating": "", "rated_at": None}
            lead = {"lead_department_id": None, "lead_user_id": None}
            return {**cleared, **lead, "case_due_at": self._whole_due(at), **self._stage(target, at)}

        self.move(Move.REOPEN, actor, at, note=reason, public=True, changes=changes)


def _spec(target: Target) -> str:
    """Return a dispatch target as the dispatch move's data writes it."""
    kind, pk, code = target
    return f"dept:{code}" if kind == "dept" else f"user:{pk}"
