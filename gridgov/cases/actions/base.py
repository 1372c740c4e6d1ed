"""The move protocol shared by every action: check, conditional update, transition row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases import workflow
from gridgov.cases.models import Case, Transition
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
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, version=case.version, status=case.status).update(
            version=F("version") + 1, **fields
        )
        if updated != 1:
            raise CaseChanged(_("The case has changed since you opened it; reload and try again."))
        previous = case.status
        case.version += 1
        for name, value in fields.items():
            setattr(case, name, value)
        return Transition.objects.create(
            case=case,
            seq=case.version,
            move=move,
            from_status=previous,
            to_status=target,
            actor=actor,
            actor_role=role,
            at=at,
            note=note,
            public=public,
            due_at=case.due_at,
            data=data or {},
        )
