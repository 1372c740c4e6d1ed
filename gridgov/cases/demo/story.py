"""What happens to each reported matter: the paths through the workflow, their shares and their pace.

Most matters are accepted, dispatched by the routing rules, signed for, handled, verified and
closed; about a third are small matters the grid worker solves on the spot (小事不出格). A few are
rejected, merged into an earlier report, returned and re-dispatched, extended, put on hold, sent
back for rework, voided; most reporters rate the result and a few dissatisfied ones reopen it. Each
stage takes a share of its time limit drawn from a log-normal law, so most stages end in time and
some run late (and are urged).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.utils.translation import gettext as _

from gridgov.cases import workflow
from gridgov.cases.demo import texts
from gridgov.cases.demo.mix import Matter
from gridgov.cases.demo.timeline import Actor, Cutoff, Timeline
from gridgov.cases.demo.world import CategoryInfo, Clock, GridInfo, Router, Staff, Target
from gridgov.cases.models import Category, Channel, Rating, TimeUnit, Urgency
from gridgov.lib.worktime import SHANGHAI
from gridgov.people.models import Role

# Stage → (median share of the time limit used, spread): most stages end in time, a few late.
PACE = {
    "accept": (0.25, 0.8),
    "dispatch": (0.3, 0.8),
    "sign": (0.3, 0.8),
    "handle": (0.5, 0.45),
    "verify": (0.3, 0.7),
}
# Some matters drag on well past their limit (a hard case, a slow department): the overdue board's fare.
STRAGGLER_SHARE, STRAGGLER_PACE = 0.05, (1.3, 4.0)
REJECT_SHARE = 0.0375  # of reports from residents: ~3% of all
IN_GRID_PATROL, IN_GRID_RESIDENT = 1.6, 1.0  # × the matter's share solved inside the grid
ESCALATE_SHARE = 0.06
RETURN_SHARE = 0.028
EXTENSION_SHARE = 0.05
HOLD_SHARE = 0.015
APPROVE_SHARE = 0.85
REWORK_SHARE = 0.05
NOTE_SHARE = 0.45
VOID_SHARE = 0.003
ASSIST_SIGN_SHARE, ASSIST_DONE_SHARE, ALERT_SIGN_SHARE = 0.9, 0.85, 0.85
RATE_SHARE, REPORTER_RATES = 0.78, 0.7
RATINGS = ((Rating.SATISFIED, 0.86), (Rating.BASICALLY, 0.11), (Rating.DISSATISFIED, 0.03))
# An approved extension: more time in the unit the stage is counted in.
EXTENSIONS: dict[str, tuple[int, str]] = {
    Urgency.NORMAL: (3, TimeUnit.WORK_DAYS),
    Urgency.URGENT: (12, TimeUnit.NATURAL_HOURS),
}
QUANTITIES = {"棵": (1, 1, 2, 3), "盏": (1, 1, 1, 2, 3), "只": (1, 1, 2)}


@dataclass
class Draft:
    """A case before its history: what was reported, where, when, how and by whom."""

    id: int
    tracking_no: str
    at: datetime
    channel: str
    category: Category
    info: CategoryInfo
    matter: Matter
    grid: GridInfo
    lon: float
    lat: float
    address: str
    description: str
    building: str = ""
    estate: str = ""
    reporter_name: str = ""
    phone: str = ""
    contact: str = ""
    reported_by: int | None = None
    duplicate_of: tuple[Draft, Timeline] | None = None


@dataclass(frozen=True)
class Cast:
    """What every story shares: the staff, the routing, the clock."""

    staff: Staff
    router: Router
    clock: Clock


class Story:
    """Play one case through the workflow into its timeline, until it ends or the year does."""

    def __init__(self, cast: Cast, draft: Draft, timeline: Timeline, rng: random.Random) -> None:
        self.cast, self.d, self.t, self.rng = cast, draft, timeline, rng
        self.info = draft.info
        grid = draft.grid
        self.worker = cast.staff.team.get((grid.grid.pk, Role.GRID_WORKER))
        self.dispatcher = self._dispatcher()
        self.lead: Target | None = None
        self.lead_actor: Actor = (None, "")
        self.reopened = False

    def play(self) -> Timeline:
        """Write the case's history and return its timeline."""
        try:
            self.t.report(self._reporter(), self.d.at)
            if self.info.urgency != Urgency.NORMAL:
                self._alert()
            if self.dispatcher is not None and self._intake():
                self._handle()
                self._verify()
        except Cutoff:
            pass
        self.t.finish()
        return self.t

    # --- who and when ---------------------------------------------------------------------------

    def _dispatcher(self) -> Actor | None:
        staff, grid = self.cast.staff, self.d.grid
        levels = [
            (0.65, staff.community_dispatchers.get(grid.community_id, [])),
            (0.2, staff.street_dispatchers.get(grid.street_id, [])),
            (0.15, staff.district_dispatchers),
        ]
        available = [(weight, people) for weight, people in levels if people]
        if not available:
            return None
        people = self.rng.choices([p for _w, p in available], weights=[w for w, _p in available])[0]
        return (self.rng.choice(people), Role.DISPATCHER)

    def _leader(self) -> Actor:
        staff = self.cast.staff
        leaders = staff.street_leaders.get(self.d.grid.street_id) or staff.district_leaders
        if not leaders:
            return self.dispatcher or (None, workflow.SYSTEM)
        return (self.rng.choice(leaders), Role.LEADER)

    def _reporter(self) -> Actor:
        if self.d.reported_by is not None:
            return (self.d.reported_by, Role.GRID_WORKER)
        return (None, workflow.REPORTER)

    def _after(self, stage: str, start: datetime, scale: float = 1.0) -> datetime:
        """Return when the stage begun at `start` ends, at a pace drawn for it."""
        median, spread = PACE[stage]
        share = min(6.0, self.rng.lognormvariate(math.log(median * scale), spread))
        return self.cast.clock.spend(self.info.id, self.info.urgency, stage, start, share)

    def _office_hours(self, start: datetime, low: float, high: float) -> datetime:
        """Return a moment `low`–`high` working hours after start."""
        hours = timedelta(hours=self.rng.uniform(low, high))
        return self.cast.clock.calendar.add_working_time(start, hours)

    def _minutes(self, start: datetime, low: int, high: int) -> datetime:
        return start + timedelta(minutes=self.rng.uniform(low, high))

    # --- intake ---------------------------------------------------------------------------------

    def _alert(self) -> None:
        """Alert the grid worker and the police officer of an urgent matter, who sign at once."""
        t, at = self.t, self.d.at
        quick = (2, 20) if self.info.urgency == Urgency.EMERGENCY else (5, 90)
        for role in (Role.GRID_WORKER, Role.POLICE):
            user = self.cast.staff.team.get((self.d.grid.grid.pk, role))
            if user is None:
                continue
            task = t.add_task(("user", user, role), False, at, "urgent alert")
            if self.rng.random() < ALERT_SIGN_SHARE:
                when = self._minutes(at, *quick)
                t.later(when, partial(t.task_event, task, (user, role), "signed", when))

    def _intake(self) -> bool:
        """Accept, reject, merge or take the report into the grid; tell whether it goes on to be handled."""
        assert self.dispatcher is not None
        if self.d.duplicate_of is not None and self._merge():
            return False
        patrol = self.d.channel == Channel.PATROL
        normal = self.info.urgency == Urgency.NORMAL
        if not patrol and normal and self.rng.random() < REJECT_SHARE:
            at = self._after("accept", self.d.at)
            self.t.reject(self.dispatcher, at, texts.pick(self.rng, texts.REJECT))
            return False
        in_grid = self.d.matter.in_grid * (IN_GRID_PATROL if patrol else IN_GRID_RESIDENT)
        if normal and self.worker is not None and self.rng.random() < in_grid:
            return self._in_grid(patrol)
        accepted = self._after("accept", self.d.at, 0.5 if patrol else 1.0)
        self.t.accept(self.dispatcher, accepted)
        if self.rng.random() < VOID_SHARE:
            self._void()
            return False
        if not self._auto_dispatch(accepted):
            self._dispatch(self._after("dispatch", accepted))
        return True

    def _merge(self) -> bool:
        assert self.d.duplicate_of is not None and self.dispatcher is not None
        into, timeline = self.d.duplicate_of
        at = self._after("accept", self.d.at)
        if timeline.status_at(at) not in workflow.OPEN:
            return False
        self.t.merge(self.dispatcher, at, into.id, into.tracking_no)
        return True

    def _in_grid(self, patrol: bool) -> bool:
        """Take the matter into the grid and solve it there (or escalate it); tell whether it goes on."""
        worker: Actor = (self.worker, Role.GRID_WORKER)
        taken = self._minutes(self.d.at, 1, 15) if patrol else self._after("accept", self.d.at)
        self.t.take_in_grid(worker, taken)
        if self.rng.random() < ESCALATE_SHARE:
            escalated = self._after("handle", taken, 0.3)
            self.t.escalate(worker, escalated, texts.pick(self.rng, texts.ESCALATE))
            self._dispatch(self._after("dispatch", escalated))
            return True
        on_the_spot = patrol and self.rng.random() < 0.6
        solved = self._minutes(taken, 10, 120) if on_the_spot else self._after("handle", taken, 0.5)
        self.t.solve_in_grid(worker, solved, texts.pick(self.rng, texts.SOLVED_IN_GRID), self._quantity())
        self._feedback()
        return False

    def _auto_dispatch(self, at: datetime) -> bool:
        """Send the case to the grid's team member its category names, as acceptance does; tell whether sent."""
        role = self.info.auto_role
        user = self.cast.staff.team.get((self.d.grid.grid.pk, role)) if role else None
        if user is None:
            return False
        note = _("Dispatched automatically to the grid's %(role)s.") % {"role": _role_label(role)}
        self.lead = ("user", user, role)
        self.lead_actor = (user, role)
        self.t.dispatch((None, workflow.SYSTEM), at, self.lead, [], note)
        return True

    def _void(self) -> None:
        assert self.dispatcher is not None
        asked = self._office_hours(self.t.last_at, 0.2, 4)
        self.t.request("void", self.dispatcher, asked, texts.pick(self.rng, texts.VOID))
        self.t.approve_void(self._leader(), self._office_hours(asked, 0.5, 16))

    # --- dispatch and handling ------------------------------------------------------------------

    def _dispatch(self, at: datetime, avoid: Target | None = None) -> None:
        """Dispatch by the routing rules; the dispatcher picks a department when they name no one."""
        assert self.dispatcher is not None
        router = self.cast.router
        decision = router.decision(self.d.category, self.d.grid.grid, self.d.description)
        lead, assists = router.targets(decision, self.d.grid)
        if lead is None or (avoid is not None and lead[:2] == avoid[:2]):
            lead = router.fallback(self.info.domain, self.d.grid.street_code, avoid)
            assists = [target for target in assists if target[:2] != lead[:2]]
        self.lead = lead
        if lead[0] == "dept":
            self.lead_actor = (self.rng.choice(self.cast.staff.handlers[lead[1]]), Role.DEPARTMENT_HANDLER)
        else:
            self.lead_actor = (lead[1], lead[2])
        self.t.dispatch(self.dispatcher, at, lead, assists)

    def _handle(self, returned: bool = False) -> None:
        """Sign for the case (or return it once), then handle it with its requests, notes and assists."""
        dispatched = self.t.last_at
        signed = self._after("sign", dispatched)
        if not returned and self.rng.random() < RETURN_SHARE:
            assert self.lead is not None
            self.t.return_case(self.lead_actor, signed, texts.pick(self.rng, texts.RETURN))
            self._dispatch(self._after("dispatch", signed), avoid=self.lead)
            self._handle(returned=True)
            return
        steps, done = self._plan(signed)
        # Side events are scheduled before the lead's moves, which run them in time order.
        self._schedule_assists(dispatched, done)
        if self.rng.random() < NOTE_SHARE:
            noted = signed + (done - signed) * self.rng.uniform(0.2, 0.7)
            text, who = texts.pick(self.rng, texts.PROGRESS), self.lead_actor
            self.t.later(noted, partial(self.t.note, who, noted, text))
        self.t.sign(self.lead_actor, signed)
        for step in steps:
            step()
        note = texts.done_note(self.rng, self.info.code, self.info.class_code)
        self.t.report_done(self.lead_actor, done, note, self._quantity())

    def _plan(self, signed: datetime) -> tuple[list[Callable[[], None]], datetime]:
        """Return the moves of an extension or hold while handling, and when the work is done."""
        draw = self.rng.random()
        if draw < EXTENSION_SHARE and self.info.urgency in EXTENSIONS:
            return self._extension(signed)
        if draw < EXTENSION_SHARE + HOLD_SHARE and self.info.urgency == Urgency.NORMAL:
            return self._hold(signed)
        if draw > 1 - STRAGGLER_SHARE:
            share = self.rng.uniform(*STRAGGLER_PACE)
            return [], self.cast.clock.spend(self.info.id, self.info.urgency, "handle", signed, share)
        return [], self._after("handle", signed)

    def _extension(self, signed: datetime) -> tuple[list[Callable[[], None]], datetime]:
        t, supervisor = self.t, self.dispatcher or self._leader()
        asked = self._after("handle", signed, self.rng.uniform(1.2, 2.4))
        answered = self._office_hours(asked, 0.3, 6)
        amount, unit = EXTENSIONS[self.info.urgency]
        reason = texts.pick(self.rng, texts.EXTENSION)
        steps = [
            lambda: t.request("extension", self.lead_actor, asked, reason, {"amount": amount, "unit": unit})
        ]
        if self.rng.random() < APPROVE_SHARE:
            steps.append(lambda: t.approve_extension(supervisor, answered, amount, unit))
            return steps, self._after("handle", answered, 0.8)
        denial = texts.pick(self.rng, texts.DENY_EXTENSION)
        steps.append(lambda: t.deny("extension", supervisor, answered, denial))
        return steps, self._after("handle", answered, 0.3)

    def _hold(self, signed: datetime) -> tuple[list[Callable[[], None]], datetime]:
        t, supervisor = self.t, self.dispatcher or self._leader()
        asked = self._after("handle", signed, 1.2)
        answered = self._office_hours(asked, 0.5, 8)
        steps = [lambda: t.request("hold", self.lead_actor, asked, texts.pick(self.rng, texts.HOLD))]
        if self.rng.random() >= APPROVE_SHARE:
            denial = texts.pick(self.rng, texts.DENY_HOLD)
            steps.append(lambda: t.deny("hold", supervisor, answered, denial))
            return steps, self._after("handle", answered, 0.4)
        # Waiting for funds or a works programme: weeks, sometimes months.
        days = self.rng.uniform(60, 150) if self.rng.random() < 0.2 else self.rng.uniform(5, 40)
        resumed = self._office_hours(answered + timedelta(days=days), 0.5, 4)
        steps += [lambda: t.approve_hold(supervisor, answered), lambda: t.resume(self.lead_actor, resumed)]
        return steps, self._after("handle", resumed, 0.5)

    def _schedule_assists(self, dispatched: datetime, done: datetime) -> None:
        """Let the assisting departments and people sign for their tasks and finish them."""
        staff, t = self.cast.staff, self.t
        for task in [
            task for task in t.tasks if not task.lead and task.open and task.created_at == dispatched
        ]:
            if task.department_id is not None:
                who: Actor = (self.rng.choice(staff.handlers[task.department_id]), Role.DEPARTMENT_HANDLER)
            else:
                who = (task.user_id, self._assist_role(task.user_id))
            if self.rng.random() >= ASSIST_SIGN_SHARE:
                continue
            signed = self._after("sign", dispatched)
            t.later(signed, partial(t.task_event, task, who, "signed", signed))
            if self.rng.random() < ASSIST_DONE_SHARE and done > signed:
                finished = signed + (done - signed) * self.rng.uniform(0.3, 0.95)
                note = texts.pick(self.rng, texts.PROGRESS)
                t.later(finished, partial(t.task_event, task, who, "done", finished, note))

    def _assist_role(self, user: int | None) -> str:
        """Return the grid-team role in which an assisting person works on their task."""
        grid = self.d.grid.grid.pk
        roles = sorted(role for role in workflow.HANDLERS if self.cast.staff.team.get((grid, role)) == user)
        return roles[0] if roles else Role.GRID_WORKER

    # --- verification and feedback --------------------------------------------------------------

    def _verify(self, reworked: bool = False) -> None:
        if self.worker is not None and self.lead_actor[0] != self.worker:
            verifier: Actor = (self.worker, Role.GRID_WORKER)
        else:
            assert self.dispatcher is not None
            verifier = self.dispatcher
        checked = self._after("verify", self.t.last_at)
        if not reworked and self.rng.random() < REWORK_SHARE:
            self.t.verify_fail(verifier, checked, texts.pick(self.rng, texts.REWORK))
            redone = self._after("handle", checked, 0.3)
            note = texts.done_note(self.rng, self.info.code, self.info.class_code)
            self.t.report_done(self.lead_actor, redone, note, self._quantity())
            self._verify(reworked=True)
            return
        self.t.verify_pass(verifier, checked)
        self._feedback()

    def _feedback(self) -> None:
        """Let the reporter (or a dispatcher's follow-up call) rate the result; dissatisfied reopens it."""
        if not (self.d.phone or self.d.contact) or self.rng.random() >= RATE_SHARE:
            return
        closed = self.t.last_at
        if self.rng.random() < REPORTER_RATES or self.dispatcher is None:
            who: Actor = (None, workflow.REPORTER)
            at = _daytime(closed + timedelta(hours=self.rng.uniform(0.5, 72)))
        else:
            who, at = self.dispatcher, self._office_hours(closed, 1, 16)
        ratings = RATINGS[:2] if self.reopened else RATINGS
        rating = self.rng.choices([r for r, _w in ratings], weights=[w for _r, w in ratings])[0]
        comments = {Rating.SATISFIED: texts.SATISFIED, Rating.BASICALLY: texts.BASICALLY}
        self.t.rate(who, at, rating, texts.pick(self.rng, comments.get(rating, texts.DISSATISFIED)))
        if rating == Rating.DISSATISFIED:
            self.reopened = True
            self._dispatch(self._after("dispatch", at))
            self._handle()
            self._verify()

    def _quantity(self) -> int:
        return self.rng.choice(QUANTITIES.get(self.info.unit, (1,) * 9 + (2,)))


def _daytime(moment: datetime) -> datetime:
    """Return the moment, or the next 08:00–22:00 hour, when residents look at their phones."""
    while not 8 <= moment.astimezone(SHANGHAI).hour < 22:
        moment += timedelta(hours=1)
    return moment


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role
