"""The snap-and-report page (随手拍) at /report/: a resident reports a matter from the phone, no login.

The page is a plain form that works without JavaScript; the script adds photo previews, a map pin,
the phone's position and category suggestions (static 'intake/snap.js'). A report ends in
`cases.actions.report_case`, like every channel. Before it, in this order: the burst limit of the
client's network (cache), the form's shape, the limits per phone and per address (cases table), and
the photo's GPS position when the resident gave no place. A refused report keeps the form filled
and says why; nothing is written. A stored one redirects to its answer page (post/redirect/get),
which shows the tracking number only to the browser that sent it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.cases import actions, evidence
from gridgov.cases.models import Case, Channel
from gridgov.cases.views.forms import MAX_PHOTOS
from gridgov.intake import ratelimit
from gridgov.intake.snap_forms import SnapForm
from gridgov.people.models import User
from gridgov.territory.models import Generation, Grid
from gridgov.web.maps import boundary_features, map_options

SESSION_KEY = "gridgov_snap_reports"
REMEMBERED = 10  # answer pages one browser can reopen
AREA_TTL = 3600
# Errors of the intake action shown with the place (the map and the address) on the page.
PLACE_ERRORS = ("location", "lon", "lat")


def _reporter(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def _page(request: HttpRequest, form: SnapForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "max_photos": MAX_PHOTOS,
        "photos_sent": bool(request.FILES.getlist("photos")),
        "map_options": map_options(),
    }
    return render(request, "intake/snap.html", context, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """Show the report form; a POST reports the matter and redirects to its answer page."""
    anonymous = _reporter(request) is None
    if request.method != "POST":
        return _page(request, SnapForm(anonymous=anonymous))
    form = SnapForm(request.POST, request.FILES, anonymous=anonymous)
    if ratelimit.REPORTS.blocked(request):
        form.is_valid()  # so the page shows the other mistakes too, and keeps what was typed
        form.add_error(None, ratelimit.network_refusal())
        return _page(request, form, status=429)
    ratelimit.REPORTS.hit(request)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    refusal = ratelimit.report_refusal(data["reporter_phone"], data["address"], timezone.now())
    if refusal:
        form.add_error(None, refusal)
        return _page(request, form, status=429)
    try:
        case = _report(data, _reporter(request))
    except ValidationError as exc:
        _add_errors(form, exc)
        return _page(request, form, status=400)
    _remember(request, case)
    return redirect("intake:snap_done", tracking_no=case.tracking_no)


def _report(data: dict[str, Any], user: User | None) -> Case:
    """Report through the one intake action; without a place, where the first photo was taken places it."""
    lon, lat, photos = data["lon"], data["lat"], data["photos"]
    from_photo = None
    if lon is None and not data["address"] and photos:
        from_photo = evidence.photo_position(photos[0])
        if from_photo is not None:
            lon, lat = from_photo.lon, from_photo.lat
    try:
        return actions.report_case(
            Channel.SNAP,
            data["description"],
            lon=lon,
            lat=lat,
            address=data["address"],
            category=data["category"] or None,
            reporter_name=data["reporter_name"],
            reporter_phone=data["reporter_phone"],
            reported_by=user,
            photos=photos,
        )
    except ValidationError as exc:
        if from_photo is not None and "location" in getattr(exc, "error_dict", {}):
            raise ValidationError(
                {
                    "location": _(
                        "The photo was taken outside this district. Set the place on the map or type the address."
                    )
                }
            ) from None
        raise


def _add_errors(form: SnapForm, exc: ValidationError) -> None:
    """Show the action's errors beside their fields (place errors beside the address)."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    for name, messages in errors.items():
        field = "address" if name in PLACE_ERRORS else name if name in form.fields else None
        for message in messages:
            form.add_error(field, message)


def _remember(request: HttpRequest, case: Case) -> None:
    reported = [number for number in request.session.get(SESSION_KEY, []) if number != case.tracking_no]
    request.session[SESSION_KEY] = [case.tracking_no, *reported][:REMEMBERED]


@login_not_required
@never_cache
@require_GET
def done(request: HttpRequest, tracking_no: str) -> HttpResponse:
    """Show the tracking number of a report this browser sent, and the way to follow it."""
    if tracking_no not in request.session.get(SESSION_KEY, []):
        return redirect("intake:snap")
    case = Case.objects.select_related("category", "grid").filter(tracking_no=tracking_no).first()
    if case is None:
        return redirect("intake:snap")
    track_url = f"{reverse('track:lookup')}?{urlencode({'no': case.tracking_no})}"
    return render(request, "intake/snap_done.html", {"case": case, "track_url": track_url})


@login_not_required
@require_GET
@cache_control(public=True, max_age=AREA_TTL)
def area(request: HttpRequest) -> JsonResponse:
    """Return the grid boundaries of the active generation (GeoJSON, no links) for the page's map."""
    generation = Generation.objects.filter(active=True).values_list("pk", flat=True).first()
    key = f"intake:snap-area:{generation}"
    features = cache.get(key)
    if features is None:
        features = boundary_features(Grid.objects.only("pk", "code", "name"), link=False)
        cache.set(key, features, AREA_TTL)
    return JsonResponse(features, json_dumps_params={"ensure_ascii": False})
