"""The only writers of cases: every move is one transaction (case row + transition row + outbox rows).

Modules: `base` (the move protocol), `clock` (deadlines, the overdue sweep's urging), and the moves
of the lifecycle as they are built. Import from this package, not from the modules.
"""

from gridgov.cases.actions.base import CaseChanged, MoveRefused, apply_move

__all__ = ["CaseChanged", "MoveRefused", "apply_move"]
