"""The public tracking page (no login): a reporter follows their case and rates the result.

The reporter proves the case is theirs with the tracking number and the last four digits of their
phone; the session then remembers the case, so the timeline and the rating form live at their own
address. A wrong number and wrong digits get the same answer, and a case not proven in the session
sends the visitor back to the form without saying whether it exists. Failed lookups are limited per
network and per tracking number (`gridgov.intake.ratelimit`); a browser that already proved a case
keeps its page when the number is locked later.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from gridgov.cases import actions
from gridgov.cases.actions import MoveRefused
from gridgov.cases.models import Case, Status
from gridgov.cases.queries import find_for_tracking, public_timeline
from gridgov.cases.views.forms import RateForm, TrackForm
from gridgov.intake.ratelimit import TRACKING, count_failed_lookup, network_refusal, tracking_refusal

SESSION_KEY = "gridgov_tracked_cases"
REMEMBERED = 10  # cases one browser follows at a time
NOT_FOUND = "not_found"


def _remember(request: HttpRequest, case: Case) -> None:
    tracked = [pk for pk in request.session.get(SESSION_KEY, []) if pk != case.pk]
    request.session[SESSION_KEY] = [case.pk, *tracked][:REMEMBERED]


def _tracked_case(request: HttpRequest, tracking_no: str) -> Case | None:
    """Return the case if this browser proved it is the reporter's, else None."""
    tracked = request.session.get(SESSION_KEY, [])
    if not tracked:
        return None
    return Case.objects.select_related("category").filter(tracking_no=tracking_no, pk__in=tracked).first()


def _back_to_form(tracking_no: str) -> HttpResponse:
    return redirect(f"{reverse('track:lookup')}?{urlencode({'no': tracking_no[:20]})}")


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """Ask for the tracking number and the phone's last four digits; open the case they prove."""
    if request.method == "POST":
        return _look_up(request, TrackForm(request.POST))
    form = TrackForm(initial={"tracking_no": request.GET.get("no", "")[:20]})
    return render(request, "cases/track.html", {"form": form})


def _look_up(request: HttpRequest, form: TrackForm) -> HttpResponse:
    """Open the case the posted form proves, or say why not without telling whether the number exists."""
    # Failed lookups per network are limited: the last four digits have only 10,000 values.
    if TRACKING.blocked(request):
        return _refused(request, form, network_refusal())
    if not form.is_valid():  # malformed input: say what is wrong, which tells nothing of any case
        return render(request, "cases/track.html", {"form": form})
    number, now = form.cleaned_data["tracking_no"], timezone.now()
    # So are failed lookups per number, from any network: a locked number opens nothing, right digits too.
    refusal = tracking_refusal(number, now)
    if refusal:
        return _refused(request, TrackForm(initial={"tracking_no": number}), refusal)
    case = find_for_tracking(number, form.cleaned_data["last4"])
    if case is not None:
        _remember(request, case)
        return redirect("track:case", tracking_no=case.tracking_no)
    # One answer for a wrong number and for wrong digits: nobody learns whether a number exists.
    TRACKING.hit(request)
    count_failed_lookup(number, now)
    form = TrackForm(initial={"tracking_no": number})
    return render(request, "cases/track.html", {"form": form, NOT_FOUND: True})


def _refused(request: HttpRequest, form: TrackForm, reason: str) -> HttpResponse:
    messages.error(request, reason)
    return render(request, "cases/track.html", {"form": form}, status=429)


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def case_page(request: HttpRequest, tracking_no: str) -> HttpResponse:
    """Show the public timeline of a case this browser proved, and the rating form once it is closed."""
    case = _tracked_case(request, tracking_no)
    if case is None:
        return _back_to_form(tracking_no)
    context = {
        "case": case,
        "timeline": public_timeline(case),
        "can_rate": case.status == Status.CLOSED and not case.rating,
        "rate_form": RateForm(),
    }
    return render(request, "cases/track_case.html", context)


@login_not_required
@never_cache
@require_POST
def rate(request: HttpRequest, tracking_no: str) -> HttpResponse:
    """Record the reporter's rating; a dissatisfied one reopens the case for review."""
    case = _tracked_case(request, tracking_no)
    if case is None:
        return _back_to_form(tracking_no)
    form = RateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the three ratings."))
    else:
        try:
            actions.rate(case, form.cleaned_data["rating"], comment=form.cleaned_data["comment"])
        except MoveRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Thank you for your rating."))
    return redirect("track:case", tracking_no=case.tracking_no)
