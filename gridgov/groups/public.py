"""The public service notices (no login): the notices running now, by grid or community, and each notice.

Residents reach these pages from the link in their group's post or from the district's site; the
pages show what the publisher wrote (escaped, as text) and the communities concerned, nothing more.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from gridgov.groups.forms import NoticeFilterForm
from gridgov.groups.models import ServiceNotice
from gridgov.territory.models import Community, Grid

LIST_LIMIT = 100


def _with_grids(notices: QuerySet[ServiceNotice]) -> QuerySet[ServiceNotice]:
    grids = Grid.objects.select_related("community").order_by("code")
    return notices.prefetch_related(Prefetch("grids", queryset=grids))


def current_notices() -> QuerySet[ServiceNotice]:
    """Return the notices not withdrawn and not over yet (the coming ones too), soonest first."""
    return ServiceNotice.objects.filter(withdrawn_at__isnull=True, ends_at__gt=timezone.now()).order_by(
        "starts_at", "pk"
    )


def communities_of(notice: ServiceNotice) -> list[str]:
    """Return the names of the communities the notice's grids lie in (grids prefetched)."""
    return list(dict.fromkeys(grid.community.name for grid in notice.grids.all()))


@login_not_required
@require_safe
def notice_list(request: HttpRequest) -> HttpResponse:
    """List the current notices, optionally of one grid (by code) or one community."""
    communities = list(
        Community.objects.filter(grids__service_notices__isnull=False).distinct().order_by("code")
    )
    form = NoticeFilterForm(request.GET or None, communities=[(c.code, c.name) for c in communities])
    notices = current_notices()
    if form.is_bound and form.is_valid():
        if form.cleaned_data["grid"]:
            notices = notices.filter(grids__code=form.cleaned_data["grid"].strip())
        if form.cleaned_data["community"]:
            notices = notices.filter(grids__community__code=form.cleaned_data["community"]).distinct()
    rows = [(notice, communities_of(notice)) for notice in _with_grids(notices)[:LIST_LIMIT]]
    return render(request, "groups/public_list.html", {"form": form, "rows": rows})


@login_not_required
@require_safe
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one notice, saying so when it was withdrawn or is over."""
    notice = get_object_or_404(_with_grids(ServiceNotice.objects.all()), pk=pk)
    context = {
        "notice": notice,
        "communities": communities_of(notice),
        "over": notice.ends_at <= timezone.now(),
    }
    return render(request, "groups/public_detail.html", context)
