"""The case state machine: which move is allowed from which status, and for which roles.

This table is the single source of truth; `cases.actions` asks it before every write, the pages
ask it which buttons to show, and the property tests replay random moves against it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.cases.models import Stage, Status
from gridgov.people.models import Role


class Move(models.TextChoices):
    REPORT = "report", _("report")
    ACCEPT = "accept", _("accept and register")
    REJECT = "reject", _("reject")
    MERGE = "merge", _("merge into another case")
    TAKE_IN_GRID = "take_in_grid", _("take into the grid")
    SOLVE_IN_GRID = "solve_in_grid", _("solve inside the grid")
    ESCALATE = "escalate", _("escalate")
    DISPATCH = "dispatch", _("dispatch")
    SIGN = "sign", _("sign for")
    RETURN = "return", _("return a wrong dispatch")
    REQUEST_EXTENSION = "request_extension", _("ask for an extension")
    APPROVE_EXTENSION = "approve_extension", _("approve an extension")
    DENY_EXTENSION = "deny_extension", _("deny an extension")
    REQUEST_HOLD = "request_hold", _("ask to put on hold")
    APPROVE_HOLD = "approve_hold", _("approve a hold")
    DENY_HOLD = "deny_hold", _("deny a hold")
    RESUME = "resume", _("resume from hold")
    REPORT_DONE = "report_done", _("report done")
    VERIFY_PASS = "verify_pass", _("verify: passed")
    VERIFY_FAIL = "verify_fail", _("verify: rework")
    REQUEST_VOID = "request_void", _("ask to void")
    APPROVE_VOID = "approve_void", _("approve voiding")
    DENY_VOID = "deny_void", _("deny voiding")
    REOPEN = "reopen", _("reopen")
    URGE = "urge", _("urge")
    NOTE = "note", _("progress note")
    RATE = "rate", _("rate")


S = Status
R = Role
OPEN = frozenset(
    {S.REPORTED, S.SELF_HANDLING, S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS, S.ON_HOLD, S.HANDLED}
)
TERMINAL = frozenset({S.CLOSED, S.REJECTED, S.MERGED, S.VOIDED})
DISPATCHERS = frozenset({R.DISPATCHER, R.ADMIN})
SUPERVISORS = frozenset({R.DISPATCHER, R.LEADER, R.ADMIN})
# Whoever was given the work: a department handler, or a grid-team member for grid-level matters.
HANDLERS = frozenset(
    {
        R.DEPARTMENT_HANDLER,
        R.GRID_WORKER,
        R.POLICE,
        R.URBAN_OFFICER,
        R.CLEANER,
        R.POWER,
        R.WATER,
        R.GAS,
        R.PROPERTY,
    }
)
VERIFIERS = frozenset({R.GRID_WORKER, R.DISPATCHER, R.ADMIN})
# Actions taken by the system (the deadline sweep, the public tracking page) have no role.
SYSTEM = "system"
REPORTER = "reporter"


@dataclass(frozen=True)
class Rule:
    """A move from a set of statuses to a target status (None: status unchanged), by some roles."""

    sources: frozenset[str]
    target: str | None
    roles: frozenset[str]


# Approvals (APPROVE_/DENY_) need a pending request of the same kind; `cases.actions` checks it
# from the log, so the pending state is derived, never stored.
RULES: dict[str, Rule] = {
    Move.ACCEPT: Rule(frozenset({S.REPORTED}), S.REGISTERED, DISPATCHERS),
    Move.REJECT: Rule(frozenset({S.REPORTED}), S.REJECTED, DISPATCHERS),
    Move.MERGE: Rule(frozenset({S.REPORTED, S.REGISTERED}), S.MERGED, DISPATCHERS),
    Move.TAKE_IN_GRID: Rule(frozenset({S.REPORTED}), S.SELF_HANDLING, frozenset({R.GRID_WORKER})),
    Move.SOLVE_IN_GRID: Rule(frozenset({S.SELF_HANDLING}), S.CLOSED, frozenset({R.GRID_WORKER})),
    Move.ESCALATE: Rule(
        frozenset({S.SELF_HANDLING, S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS}),
        S.REGISTERED,
        frozenset({R.GRID_WORKER, R.DISPATCHER, R.DEPARTMENT_HANDLER, R.ADMIN}),
    ),
    Move.DISPATCH: Rule(frozenset({S.REGISTERED}), S.DISPATCHED, DISPATCHERS | {SYSTEM}),
    Move.SIGN: Rule(frozenset({S.DISPATCHED}), S.IN_PROGRESS, HANDLERS),
    Move.RETURN: Rule(frozenset({S.DISPATCHED, S.IN_PROGRESS}), S.REGISTERED, HANDLERS),
    Move.REQUEST_EXTENSION: Rule(frozenset({S.IN_PROGRESS}), None, HANDLERS),
    Move.APPROVE_EXTENSION: Rule(frozenset({S.IN_PROGRESS}), None, SUPERVISORS),
    Move.DENY_EXTENSION: Rule(frozenset({S.IN_PROGRESS}), None, SUPERVISORS),
    Move.REQUEST_HOLD: Rule(frozenset({S.IN_PROGRESS}), None, HANDLERS),
    Move.APPROVE_HOLD: Rule(frozenset({S.IN_PROGRESS}), S.ON_HOLD, SUPERVISORS),
    Move.DENY_HOLD: Rule(frozenset({S.IN_PROGRESS}), None, SUPERVISORS),
    Move.RESUME: Rule(frozenset({S.ON_HOLD}), S.IN_PROGRESS, SUPERVISORS | HANDLERS),
    Move.REPORT_DONE: Rule(frozenset({S.IN_PROGRESS}), S.HANDLED, HANDLERS),
    Move.VERIFY_PASS: Rule(frozenset({S.HANDLED}), S.CLOSED, VERIFIERS),
    Move.VERIFY_FAIL: Rule(frozenset({S.HANDLED}), S.IN_PROGRESS, VERIFIERS),
    Move.REQUEST_VOID: Rule(OPEN - {S.REPORTED}, None, DISPATCHERS | HANDLERS),
    Move.APPROVE_VOID: Rule(OPEN - {S.REPORTED}, S.VOIDED, frozenset({R.LEADER, R.ADMIN})),
    Move.DENY_VOID: Rule(OPEN - {S.REPORTED}, None, frozenset({R.LEADER, R.ADMIN})),
    Move.REOPEN: Rule(frozenset({S.CLOSED}), S.REGISTERED, DISPATCHERS | {REPORTER}),
    # Every open case may be urged: the deadline sweep urges a report nobody accepted in time too.
    Move.URGE: Rule(OPEN, None, SUPERVISORS | {SYSTEM}),
    Move.NOTE: Rule(OPEN, None, DISPATCHERS | HANDLERS | VERIFIERS),
    Move.RATE: Rule(frozenset({S.CLOSED}), None, frozenset({REPORTER, R.DISPATCHER})),
}

# The clock a status puts a case on.
STAGE_OF: dict[str, str] = {
    S.REPORTED: Stage.ACCEPT,
    S.SELF_HANDLING: Stage.HANDLE,
    S.REGISTERED: Stage.DISPATCH,
    S.DISPATCHED: Stage.SIGN,
    S.IN_PROGRESS: Stage.HANDLE,
    S.ON_HOLD: Stage.HANDLE,  # paused: `Case.held_since` stops the clock
    S.HANDLED: Stage.VERIFY,
}


def is_allowed(move: str, status: str, roles: set[str] | frozenset[str]) -> bool:
    """Tell whether someone holding any of the roles may make the move from the status."""
    rule = RULES.get(move)
    return rule is not None and status in rule.sources and bool(rule.roles & set(roles))


def target_of(move: str, status: str) -> str:
    """Return the status a move leads to from the status (its own for moves that keep it)."""
    target = RULES[move].target
    return status if target is None else target


def moves_from(status: str, roles: set[str] | frozenset[str]) -> list[str]:
    """Return the moves the roles may make from the status, in the table's order."""
    return [move for move in RULES if is_allowed(move, status, roles)]
