"""What the case pages share: the signed-in user, a case the user may see, where to go back, messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy

from gridgov.cases import workflow
from gridgov.cases.models import Case
from gridgov.cases.permissions import can_view_case
from gridgov.people.models import Role, User
from gridgov.web.maps import boundary_features


def current_user(request: HttpRequest) -> User:
    """Return the signed-in staff member (LoginRequiredMiddleware lets only them here)."""
    user = request.user
    assert isinstance(user, User)
    return user


def case_for(user: User, tracking_no: str) -> Case:
    """Return the case with the tracking number if the user may see it; 404 otherwise (no oracle)."""
    case = (
        Case.objects.select_related(
            "category", "grid__community__street", "lead_department", "lead_user", "merged_into"
        )
        .filter(tracking_no=tracking_no)
        .first()
    )
    if case is None or not can_view_case(user, case):
        raise Http404
    return case


def case_url(case: Case) -> str:
    return reverse("cases:case", kwargs={"tracking_no": case.tracking_no})


def back_url(request: HttpRequest, default: str) -> str:
    """Return the page the form came from (`next`), if it is on this site, else the default."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and safe else default


def form_errors(form: forms.Form) -> str:
    """Return the form's errors as one line: "Field: message" for fields, the message for the form."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts += [f"{label}: {error}" if label else str(error) for error in errors]
    return " ".join(parts)


def refusal_text(exc: Exception) -> str:
    """Return the message of a refused move or of bad input, for the user."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return " ".join(str(message) for messages in exc.message_dict.values() for message in messages)
        return " ".join(exc.messages)
    return str(exc)


def photo_files(data: dict[str, Any], name: str = "photos") -> list[Any]:
    """Return the uploaded files of a photos field (none when the field is absent)."""
    return list(data.get(name) or [])


# --- maps and labels -------------------------------------------------------------------------------


def pin_map(cases: list[Case], colours: dict[int, str], selected: Case | None = None) -> dict[str, Any]:
    """Return what `cases/pins.js` draws: the cases' grid boundaries and one pin per located case."""
    grids = list({case.grid.pk: case.grid for case in cases if case.grid is not None}.values())
    pins = [
        {
            "lon": case.lon,
            "lat": case.lat,
            "label": f"{case.tracking_no} {case.category.name if case.category else ''}".strip(),
            "url": case_url(case),
            "colour": colours.get(case.pk, ""),
            "selected": selected is not None and case.pk == selected.pk,
        }
        for case in cases
        if case.lon is not None and case.lat is not None
    ]
    return {"boundaries": boundary_features(grids, link=False), "pins": pins}


def role_label(role: str) -> str:
    """Return the words for the role a move was made in (a staff role, the reporter or the system)."""
    if role in Role.values:
        return str(Role(role).label)
    return str(OTHER_ROLES.get(role, role))


OTHER_ROLES = {workflow.REPORTER: gettext_lazy("reporter"), workflow.SYSTEM: gettext_lazy("system")}
