"""The patrol page (巡查上报): a grid-team member's quick report from the phone, or a matter fixed on the spot.

Made for a phone held in one hand on the street: the camera, the phone's position (WGS-84, with a map
pin or an address when there is no fix), a category search, the text and two buttons. "Report" starts
the normal flow; "Fixed on the spot" (当场处置) reports and closes in one action, with the photos after
the fix as evidence (`cases.actions.report_fixed_on_patrol`). The answer is the tracking number, a link
to the case and the list of today's patrol reports.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from gridgov.cases import actions
from gridgov.cases.actions import MoveRefused
from gridgov.cases.models import Case, Channel
from gridgov.cases.views.common import current_user
from gridgov.cases.views.forms import IMAGE_TYPES, MultipleFileInput, PhotosField
from gridgov.intake.desk import (
    MatterField,
    PlaceForm,
    category_search_url,
    description_field,
    note_field,
    place_context,
    show_errors,
    start_of_today,
    urgency_field,
)
from gridgov.people import policy
from gridgov.people.models import Role, User

REPORT, FIX = "report", "fixed"
TODAY_LIMIT = 20
# Action errors about the before photos belong to the form's `photos` field.
ALIASES = {"before_photos": "photos"}


def camera_input() -> MultipleFileInput:
    """Return a file input that opens the phone's back camera (a gallery pick still works elsewhere)."""
    return MultipleFileInput(attrs={"accept": IMAGE_TYPES, "capture": "environment"})


class PatrolForm(PlaceForm):
    """A report from the street; with `fixed`, also the photos after the fix and what was done."""

    photos = PhotosField(label=gettext_lazy("Photos"), widget=camera_input())
    category = MatterField()
    description = description_field(gettext_lazy("What is the matter?"))
    urgency = urgency_field()
    after_photos = PhotosField(label=gettext_lazy("Photos after the fix"), widget=camera_input())
    result = note_field(gettext_lazy("What was done"))
    field_order = ["photos", "address", "category", "description", "urgency", "after_photos", "result"]

    def __init__(self, *args: Any, fixed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fixed = fixed

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.fixed and not data.get("after_photos") and "after_photos" not in self.errors:
            self.add_error("after_photos", _("Add a photo after the fix to close the matter on the spot."))
        return data


@require_http_methods(["GET", "HEAD", "POST"])
def patrol(request: HttpRequest) -> HttpResponse:
    """Show the patrol form and today's patrol reports; a POST reports (or reports and closes) a matter."""
    user = current_user(request)
    if not policy.grid_posts(user):
        raise PermissionDenied
    posted = request.method == "POST"
    fixed = posted and request.POST.get("action") == FIX
    form = PatrolForm(request.POST, request.FILES, fixed=fixed) if posted else PatrolForm()
    if posted and form.is_valid():
        try:
            case = _submit(user, form.cleaned_data, fixed)
        except (ValidationError, MoveRefused) as exc:
            show_errors(form, exc, ALIASES)
        else:
            messages.success(request, _done_text(case, fixed))
            return redirect(f"{reverse('intake:patrol')}?done={case.tracking_no}")
    return render(request, "intake/patrol.html", _context(user, form, request.GET.get("done", "")))


def _submit(user: User, data: dict[str, Any], fixed: bool) -> Case:
    """Report the matter through the patrol actions: plainly, or fixed on the spot and closed."""
    place: dict[str, Any] = {
        "lon": data["lon"],
        "lat": data["lat"],
        "crs": data["crs"],
        "address": data["address"],
        "category": data["category"],
        "urgency": data["urgency"] or None,
    }
    if fixed:
        return actions.report_fixed_on_patrol(
            user,
            data["description"],
            before_photos=data["photos"],
            after_photos=data["after_photos"],
            result=data["result"],
            **place,
        )
    return actions.report_on_patrol(user, data["description"], photos=data["photos"], **place)


def _done_text(case: Case, fixed: bool) -> str:
    if fixed:
        return _("Reported and closed on the spot as %(no)s.") % {"no": case.tracking_no}
    return _("Reported as %(no)s.") % {"no": case.tracking_no}


def todays_reports(user: User) -> list[Case]:
    """Return the user's patrol reports of today (Shanghai), newest first."""
    return list(
        Case.objects.filter(reported_by=user, channel=Channel.PATROL, created_at__gte=start_of_today())
        .select_related("category", "grid")
        .order_by("-created_at", "-pk")[:TODAY_LIMIT]
    )


def _context(user: User, form: forms.Form, done: str) -> dict[str, Any]:
    posts = policy.grid_posts(user)
    grids = list({post.grid_id: post.grid for post in posts if post.grid is not None}.values())
    reported = (
        Case.objects.filter(tracking_no=done.strip(), reported_by=user).select_related("category").first()
        if done.strip()
        else None
    )
    return {
        "form": form,
        "done": reported,
        "today": todays_reports(user),
        "can_fix": any(post.role == Role.GRID_WORKER for post in posts),
        "grids": grids,
        "category_search_url": category_search_url(),
        **place_context(grids),
    }
