"""The hotline clerk's form (热线受理): a matter arriving by phone, often a 12345 transfer, with the caller's details.

A desktop page for dispatchers. Before anything is saved the clerk sees the open cases of the same
category near the place (`actions.suggest_duplicates`), so the caller can be told "already reported as
SF…"; reporting anyway is one more click, and the dispatcher merges the duplicate in the normal flow.
"Accept and dispatch now" continues with the console's own move (`cases.views.moves`), routed as the
rules say; if that is refused the report stays, waiting in the console, and the clerk is told why.

The case has no field for the 12345 work-order number, nor for the caller's wish to be called back.
Both go at the head of the description as markers ("【12345转办 No.…】【需回电】", written in the
site's language like the notices to reporters): the description is what every queue, the
department's inbox, the case page and exports show, so whoever handles the case sees them without
opening the log, and the number stays searchable in the case text. A progress note would be a
second move in the log and visible only in the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import RegexValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from gridgov.cases import actions
from gridgov.cases.actions import Duplicate, MoveRefused
from gridgov.cases.actions.intake import Place, locate
from gridgov.cases.categories import guess_category
from gridgov.cases.models import Case, Category, Channel
from gridgov.cases.permissions import can_view_case, visible_cases
from gridgov.cases.views.common import current_user
from gridgov.cases.views.moves import ACCEPT_DISPATCH, MOVES
from gridgov.intake.desk import (
    MatterField,
    PlaceForm,
    category_search_url,
    description_field,
    place_context,
    show_errors,
    start_of_today,
    urgency_field,
)
from gridgov.people import policy
from gridgov.people.actions import clean_phone
from gridgov.people.models import Role, User

CLERK_ROLES = frozenset({Role.DISPATCHER, Role.ADMIN})
RECENT_LIMIT = 10
# The action names the caller's fields as the case does.
ALIASES = {"reporter_name": "caller_name", "reporter_phone": "caller_phone"}
# Translators: stored at the head of the case's description, in the site's language: 【12345转办 No.%(no)s】
TRANSFER_MARK = gettext_lazy("[12345 transfer No. %(no)s]")
# Translators: stored at the head of the case's description, in the site's language: 【需回电】
CALLBACK_MARK = gettext_lazy("[Call the caller back]")


class DuplicateCheckForm(PlaceForm):
    """What the duplicate check needs: the place and the category (or a text to guess it from)."""

    category = MatterField()
    description = forms.CharField(required=False)


class HotlineForm(DuplicateCheckForm):
    """A matter taken by phone: the caller, the work order it came with, the matter and its place."""

    caller_name = forms.CharField(label=gettext_lazy("Caller's name"), max_length=50, required=False)
    caller_phone = forms.CharField(label=gettext_lazy("Caller's phone"), max_length=30)
    callback = forms.BooleanField(label=gettext_lazy("Wants to be called back"), required=False)
    transfer_no = forms.CharField(
        label=gettext_lazy("12345 work-order number"),
        max_length=40,
        required=False,
        validators=[
            RegexValidator(r"^[A-Za-z0-9-]+$", gettext_lazy("Use letters, digits and hyphens only."))
        ],
    )
    description = description_field(gettext_lazy("What the caller reports"))
    urgency = urgency_field()
    dispatch_now = forms.BooleanField(label=gettext_lazy("Accept and dispatch now"), required=False)
    field_order = [
        "caller_name",
        "caller_phone",
        "callback",
        "transfer_no",
        "address",
        "category",
        "urgency",
        "description",
        "dispatch_now",
    ]

    def clean_caller_phone(self) -> str:
        phone = clean_phone(self.cleaned_data.get("caller_phone", ""))
        if not phone:
            raise ValidationError(_("The caller's phone is required."), code="required")
        return phone


@dataclass(frozen=True)
class Preview:
    """What a report would be before it is saved: its category (chosen or guessed), place and duplicates."""

    category: Category | None
    place: Place
    duplicates: list[Duplicate]


def _require_clerk(user: User) -> None:
    if not policy.roles(user) & CLERK_ROLES:
        raise PermissionDenied


def preview(user: User, data: dict[str, Any]) -> Preview:
    """Return the category, place and visible duplicates of the report; a place not found raises."""
    category = data.get("category")
    if category is None:
        guess = guess_category(data.get("description") or "")
        category = guess.category if guess else None
    place = locate(
        data.get("lon"), data.get("lat"), data.get("crs") or "wgs84", (data.get("address") or "").strip()
    )
    return Preview(category, place, _visible_duplicates(user, category, place))


def _visible_duplicates(user: User, category: Category | None, place: Place) -> list[Duplicate]:
    """Return the open cases of the category near the place, among those the user may see."""
    if category is None or place.lon is None:
        return []
    probe = Case(category=category, lon=place.lon, lat=place.lat, created_at=timezone.now())
    found = actions.suggest_duplicates(probe)
    if policy.sees_whole_district(user):
        return found
    grids = set(policy.visible_grids(user).values_list("pk", flat=True))
    return [duplicate for duplicate in found if duplicate.case.grid_id in grids]


def described(description: str, transfer_no: str, callback: bool) -> str:
    """Return the description with the work-order and call-back markers at its head (in the site's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        marks = [str(TRANSFER_MARK) % {"no": transfer_no}] if transfer_no else []
        marks += [str(CALLBACK_MARK)] if callback else []
    text = description.strip()
    return f"{''.join(marks)}\n{text}" if marks else text


@require_http_methods(["GET", "HEAD", "POST"])
def hotline(request: HttpRequest) -> HttpResponse:
    """Show the hotline form; a POST shows duplicates first, then reports (and accepts and dispatches)."""
    user = current_user(request)
    _require_clerk(user)
    form = HotlineForm(request.POST) if request.method == "POST" else HotlineForm()
    context: dict[str, Any] = {"duplicates": [], "seen": "", "checked": False}
    if request.method == "POST" and form.is_valid():
        case = _take(request, user, form, context)
        if case is not None:
            return redirect(f"{reverse('intake:hotline')}?done={case.tracking_no}")
    return render(
        request, "intake/hotline.html", {**_context(user, form, request.GET.get("done", "")), **context}
    )


def _take(request: HttpRequest, user: User, form: HotlineForm, context: dict[str, Any]) -> Case | None:
    """Report the call unless the clerk has yet to see its duplicates or the input is refused."""
    data = form.cleaned_data
    try:
        found = preview(user, data)
    except ValidationError as exc:
        show_errors(form, exc, ALIASES)
        return None
    context.update(duplicates=found.duplicates, checked=True)
    shown = sorted(duplicate.case.tracking_no for duplicate in found.duplicates)
    if set(shown) - set(request.POST.get("seen", "").split(",")):
        context["seen"] = ",".join(shown)  # the next click reports anyway
        return None
    if data["dispatch_now"] and found.category is None:
        form.add_error("category", _("Choose a category to dispatch now."))
        return None
    try:
        case = _report(user, data, found.category)
    except ValidationError as exc:
        show_errors(form, exc, ALIASES)
        return None
    if data["dispatch_now"]:
        _dispatch_now(request, user, case)
    else:
        messages.success(request, _("Reported as %(no)s.") % {"no": case.tracking_no})
    return case


def _report(user: User, data: dict[str, Any], category: Category | None) -> Case:
    return actions.report_case(
        Channel.HOTLINE,
        described(data["description"], data["transfer_no"], data["callback"]),
        lon=data["lon"],
        lat=data["lat"],
        crs=data["crs"],
        address=data["address"],
        category=category,
        urgency=data["urgency"] or None,
        reporter_name=data["caller_name"],
        reporter_phone=data["caller_phone"],
        reported_by=user,
    )


def _dispatch_now(request: HttpRequest, user: User, case: Case) -> None:
    """Accept and dispatch the new report as routed (the console's move); say what happened."""
    data: dict[str, Any] = {"category": None, "urgency": "", "lead": None, "assists": [], "note": ""}
    try:
        MOVES[ACCEPT_DISPATCH].run(case, user, data)
    except (MoveRefused, ValidationError) as exc:
        reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.warning(
            request,
            _("Reported as %(no)s, but not dispatched: %(reason)s It waits in the dispatch console.")
            % {"no": case.tracking_no, "reason": reason},
        )
        return
    lead = case.lead_department or case.lead_user
    messages.success(
        request, _("Reported as %(no)s and dispatched to %(lead)s.") % {"no": case.tracking_no, "lead": lead}
    )


@require_POST
def duplicates(request: HttpRequest) -> HttpResponse:
    """Answer the page's live check (htmx): the possible duplicates of the place and category typed so far."""
    user = current_user(request)
    _require_clerk(user)
    form = DuplicateCheckForm(request.POST)
    context: dict[str, Any] = {"duplicates": [], "checked": False, "problem": ""}
    if form.is_valid():
        try:
            context.update(duplicates=preview(user, form.cleaned_data).duplicates, checked=True)
        except ValidationError as exc:
            context["problem"] = " ".join(exc.messages)
    return render(request, "intake/hotline_duplicates.html", context)


def _context(user: User, form: forms.Form, done: str) -> dict[str, Any]:
    mine = Case.objects.filter(reported_by=user, channel=Channel.HOTLINE).select_related(
        "category", "grid__community__street", "lead_department", "lead_user"
    )
    reported = mine.filter(tracking_no=done.strip()).first() if done.strip() else None
    recent = list(mine.filter(created_at__gte=start_of_today()).order_by("-created_at", "-pk")[:RECENT_LIMIT])
    # A clerk may take a call about a place outside their area; such a case is not theirs to open.
    openable = set(
        visible_cases(user).filter(pk__in=[case.pk for case in recent]).values_list("pk", flat=True)
    )
    grids = list(policy.visible_grids(user))
    return {
        "form": form,
        "done": reported,
        "done_visible": reported is not None and can_view_case(user, reported),
        "recent": [(case, case.pk in openable) for case in recent],
        "category_search_url": category_search_url(),
        **place_context(grids),
    }
