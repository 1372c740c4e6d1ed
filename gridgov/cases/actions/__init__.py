"""The only writers of cases: every move is one transaction (case row + transition row + outbox rows).

Modules: `base` (the move protocol), `intake` (reporting), `registration` (accept, reject, merge, grid
self-handling, escalation), `handling` (dispatch, sign, return, report done, tasks, verification),
`patrol` (the grid worker's report, and a matter fixed on the spot),
`requests` (extension, hold, void), `feedback` (notes, urging, rating, reopening), `tracking`
(tracking numbers, failed lookups), `duplicates`, and `clock` (the overdue sweep's urging). Import
from this package, not from the modules.
"""

from gridgov.cases.actions.base import CaseChanged, MoveRefused, apply_move
from gridgov.cases.actions.duplicates import Duplicate, suggest_duplicates
from gridgov.cases.actions.feedback import note, rate, reopen, urge
from gridgov.cases.actions.handling import (
    dispatch,
    report_done,
    return_case,
    sign,
    sign_task,
    task_done,
    verify_fail,
    verify_pass,
)
from gridgov.cases.actions.intake import report_case
from gridgov.cases.actions.patrol import report_fixed_on_patrol, report_on_patrol
from gridgov.cases.actions.registration import accept, escalate, merge, reject, solve_in_grid, take_in_grid
from gridgov.cases.actions.requests import (
    approve_extension,
    approve_hold,
    approve_void,
    deny_extension,
    deny_hold,
    deny_void,
    request_extension,
    request_hold,
    request_void,
    resume,
)
from gridgov.cases.actions.tracking import next_tracking_no, record_failed_lookup

__all__ = [
    "CaseChanged",
    "Duplicate",
    "MoveRefused",
    "accept",
    "apply_move",
    "approve_extension",
    "approve_hold",
    "approve_void",
    "deny_extension",
    "deny_hold",
    "deny_void",
    "dispatch",
    "escalate",
    "merge",
    "next_tracking_no",
    "note",
    "rate",
    "record_failed_lookup",
    "reject",
    "reopen",
    "report_case",
    "report_done",
    "report_fixed_on_patrol",
    "report_on_patrol",
    "request_extension",
    "request_hold",
    "request_void",
    "resume",
    "return_case",
    "sign",
    "sign_task",
    "solve_in_grid",
    "suggest_duplicates",
    "take_in_grid",
    "task_done",
    "urge",
    "verify_fail",
    "verify_pass",
]
