"""Cases, timelines, tasks and posts as the API answers them (plain dicts the schemas check)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from gridgov.cases import clock, workflow
from gridgov.cases.models import Attachment, Case, Task, Transition
from gridgov.cases.views.common import role_label
from gridgov.cases.views.forms import CategoryField, PhotosField
from gridgov.people.models import Post, User

Move = workflow.Move


def ref(obj: Any) -> dict[str, str] | None:
    """Return `{code, name}` of a grid, category or department (None for none)."""
    return None if obj is None else {"code": obj.code, "name": obj.name}


def person(user: User | None) -> str | None:
    return None if user is None else (user.full_name or user.username)


def local(moment: datetime | None) -> datetime | None:
    """Return the moment in the site's time zone (Asia/Shanghai), as the pages show it."""
    return None if moment is None else timezone.localtime(moment)


def case_summary(case: Case, now: datetime) -> dict[str, Any]:
    """Return a case as a queue lists it (needs category, grid and lead department loaded)."""
    return {
        "tracking_no": case.tracking_no,
        "version": case.version,
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "urgency": case.urgency,
        "category": ref(case.category),
        "grid": ref(case.grid),
        "description": case.description,
        "address": case.address,
        "lon": case.lon,
        "lat": case.lat,
        "created_at": local(case.created_at),
        "due_at": local(case.due_at),
        "colour": clock.colour(case, now),
        "lead_department": ref(case.lead_department),
    }


def transitions_out(
    case: Case, rows: list[Transition], photos: dict[int | None, list[int]]
) -> list[dict[str, Any]]:
    """Return the staff timeline (rows from `queries.timeline`) with each move's photo ids."""
    return [
        {
            "seq": row.seq,
            "tracking_no": row.case.tracking_no,
            "move": row.move,
            "move_label": str(Move(row.move).label) if row.move in Move.values else row.move,
            "from_status": row.from_status,
            "to_status": row.to_status,
            "actor": person(row.actor),
            "actor_role": row.actor_role,
            "actor_role_label": role_label(row.actor_role),
            "at": local(row.at),
            "note": row.note,
            "public": row.public,
            "due_at": local(row.due_at),
            "photos": photos.get(row.pk, []),
        }
        for row in rows
    ]


def case_attachments(case: Case, pk: int | None = None) -> list[Attachment]:
    """Return the photos of the case and of the reports merged into it (or the one photo `pk`)."""
    found = Attachment.objects.filter(Q(case=case) | Q(case__merged_into=case))
    if pk is not None:
        found = found.filter(pk=pk)
    return list(found.order_by("pk"))


def photos_out(case: Case, attachments: list[Attachment]) -> list[dict[str, Any]]:
    return [
        {
            "id": item.pk,
            "kind": item.kind,
            "content_type": item.content_type,
            "width": item.width,
            "height": item.height,
            "url": reverse("api:case_photo", kwargs={"tracking_no": case.tracking_no, "pk": item.pk}),
        }
        for item in attachments
    ]


def photos_by_transition(attachments: list[Attachment]) -> dict[int | None, list[int]]:
    found: dict[int | None, list[int]] = defaultdict(list)
    for item in attachments:
        found[item.transition_id].append(item.pk)
    return found


def task_out(task: Task, events: list[str]) -> dict[str, Any]:
    return {
        "id": task.pk,
        "lead": task.lead,
        "department": ref(task.department),
        "user": person(task.user),
        "state": task.state,
        "state_label": str(task.get_state_display()),
        "created_at": local(task.created_at),
        "signed_at": local(task.signed_at),
        "done_at": local(task.done_at),
        "note": task.note,
        "events": events,
    }


def post_out(post: Post) -> dict[str, Any]:
    scope = post.grid or post.community or post.street or post.district or post.department
    return {
        "role": post.role,
        "role_label": str(post.get_role_display()),
        "level": post.level,
        "scope": ref(scope),
    }


def field_out(name: str, field: forms.Field) -> dict[str, Any]:
    """Describe a move's input field for a client building its own form."""
    kind, choices = _kind(field)
    return {
        "name": name,
        "label": str(field.label or name),
        "required": field.required,
        "kind": kind,
        "choices": choices,
    }


def _kind(field: forms.Field) -> tuple[str, list[dict[str, str]] | None]:
    if isinstance(field, PhotosField):
        return "photos", None
    if isinstance(field, CategoryField):
        return "category", None
    if isinstance(field, forms.ModelMultipleChoiceField):
        return "departments", None
    if isinstance(field, forms.ModelChoiceField):
        return "department", None
    if isinstance(field, forms.ChoiceField):
        choices: list[tuple[Any, Any]] = list(field.choices)  # type: ignore[arg-type]
        options = [{"value": str(value), "label": str(label)} for value, label in choices if value != ""]
        return "choice", options
    if isinstance(field, forms.BooleanField):
        return "boolean", None
    if isinstance(field, forms.IntegerField):
        return "integer", None
    return "text", None
