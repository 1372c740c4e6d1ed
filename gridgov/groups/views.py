"""Staff pages of the groups app: the grid's message inbox and its reports, the robot, service notices.

Thin: each page asks `groups.permissions`, checks input with `groups.forms` and writes through
`groups.actions`. Someone else's grid's message answers 404, as a case outside one's area does.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from gridgov.cases import evidence
from gridgov.cases.categories import guess_category
from gridgov.cases.views.common import current_user
from gridgov.groups import actions, permissions, wecom
from gridgov.groups.forms import MessageReportForm, NoticeForm, RobotForm
from gridgov.groups.models import GroupMessage, GroupRobot, ServiceNotice
from gridgov.people import policy
from gridgov.people.models import User
from gridgov.territory.models import Grid

INBOX_LIMIT = 100
NOTICES_LIMIT = 50


def _form_errors(form: Any, exc: ValidationError) -> None:
    """Show an action's errors on the form's fields (the form as a whole for the others)."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    for name, texts in errors.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


# --- the message inbox -----------------------------------------------------------------------------


def inbox_messages(user: User) -> QuerySet[GroupMessage]:
    """Return the messages of the user's grids (and of unknown senders, for district dispatchers)."""
    condition = Q(grid_id__in=permissions.worker_grid_ids(user))
    if permissions.sees_unassigned(user):
        condition |= Q(grid__isnull=True)
    return GroupMessage.objects.filter(condition)


@require_safe
def message_list(request: HttpRequest) -> HttpResponse:
    """List the grid's forwarded messages, newest first, each with its report or a button to make one."""
    user = current_user(request)
    if not permissions.may_use_inbox(user):
        raise PermissionDenied
    rows = list(
        inbox_messages(user)
        .select_related("grid", "sender", "case")
        .order_by("-received_at", "-pk")[: INBOX_LIMIT + 1]
    )
    context = {
        "rows": rows[:INBOX_LIMIT],
        "more": len(rows) > INBOX_LIMIT,
        "limit": INBOX_LIMIT,
        "grids": Grid.objects.filter(pk__in=permissions.worker_grid_ids(user)).order_by("code"),
        "unassigned": permissions.sees_unassigned(user),
    }
    return render(request, "groups/messages.html", context)


def _message_for(user: User, pk: int) -> GroupMessage:
    message = GroupMessage.objects.select_related("grid", "sender", "case").filter(pk=pk).first()
    if message is None or not permissions.can_read_message(user, message):
        raise Http404
    return message


def _initial(user: User, message: GroupMessage) -> dict[str, Any]:
    guess = guess_category(message.text) if message.text else None
    grid = message.grid or policy.primary_grid(user)
    return {
        "description": message.text,
        "grid": grid.code if grid else None,
        "category": guess.category.pk if guess else None,
    }


@require_http_methods(["GET", "HEAD", "POST"])
def report_message(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a report of a forwarded message: a short form prefilled from it."""
    user = current_user(request)
    message = _message_for(user, pk)
    if message.case is not None:
        messages.info(
            request, _("This message was already reported as %(no)s.") % {"no": message.case.tracking_no}
        )
        return redirect(_inbox_anchor(message))
    grids, photo = permissions.report_grids(user, message), message.kind == GroupMessage.Kind.IMAGE
    if request.method != "POST":
        form = MessageReportForm(initial=_initial(user, message), grids=grids, photo=photo)
        return render(request, "groups/report.html", {"message": message, "form": form})
    form = MessageReportForm(request.POST, grids=grids, photo=photo)
    if form.is_valid():
        try:
            case = _report(user, message, form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        except actions.Refused as exc:
            messages.error(request, str(exc))
            return redirect(_inbox_anchor(message))
        else:
            messages.success(request, _("Reported as %(no)s.") % {"no": case.tracking_no})
            return redirect(_inbox_anchor(message))
    return render(request, "groups/report.html", {"message": message, "form": form})


def _report(user: User, message: GroupMessage, data: dict[str, Any]) -> Any:
    photos: list[bytes] = []
    if data.get("with_photo") and message.media_id:
        try:
            photos.append(wecom.media(message.media_id))
        except wecom.WecomError as exc:
            raise ValidationError(
                {
                    "with_photo": _(
                        "The photo could not be fetched from WeCom (%(reason)s); untick it to report without it."
                    )
                    % {"reason": exc}
                }
            ) from None
    return actions.report_message(
        user,
        message,
        description=data["description"],
        grid=data.get("grid"),
        address=data.get("address", ""),
        category=data.get("category"),
        photos=photos,
    )


def _inbox_anchor(message: GroupMessage) -> str:
    return f"{reverse('groups:messages')}#message-{message.pk}"


@require_safe
def message_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a forwarded photo, fetched from WeCom and re-encoded without its metadata."""
    message = _message_for(current_user(request), pk)
    if not message.media_id:
        raise Http404
    try:
        photo = evidence.check_photo(wecom.media(message.media_id))
    except (wecom.WecomError, ValidationError):
        return HttpResponse(
            _("The photo is no longer available from WeCom."),
            status=502,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(photo.data, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- the grid's robot ------------------------------------------------------------------------------


def _robot_grids(user: User) -> list[Grid]:
    return list(Grid.objects.filter(pk__in=permissions.worker_grid_ids(user)).order_by("code"))


@require_http_methods(["GET", "HEAD", "POST"])
def robot(request: HttpRequest) -> HttpResponse:
    """Show and set the group robot of each of the grid worker's grids."""
    user = current_user(request)
    grids = _robot_grids(user)
    if not grids:
        raise PermissionDenied
    robots = {robot.grid_id: robot for robot in GroupRobot.objects.filter(grid__in=grids)}
    posted_code = request.POST.get("grid", "") if request.method == "POST" else ""
    entries = []
    for grid in grids:
        current = robots.get(grid.pk)
        initial = (
            {"webhook_url": current.webhook_url, "active": current.active} if current else {"active": True}
        )
        bound = grid.code == posted_code
        form = RobotForm(request.POST if bound else None, initial=initial, prefix=grid.code)
        if bound and form.is_valid():
            try:
                actions.set_robot(
                    user, grid, form.cleaned_data["webhook_url"], active=form.cleaned_data["active"]
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("The group robot of %(grid)s is saved.") % {"grid": grid.name})
                return redirect("groups:robot")
        entries.append({"grid": grid, "robot": current, "form": form})
    if posted_code and posted_code not in {grid.code for grid in grids}:
        raise PermissionDenied
    return render(request, "groups/robot.html", {"entries": entries})


@require_POST
def robot_test(request: HttpRequest, code: str) -> HttpResponse:
    """Queue a test post for the grid's robot."""
    user = current_user(request)
    grid = get_object_or_404(Grid, code=code)
    try:
        actions.send_robot_test(user, grid)
    except actions.Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("A test message is on its way to the group."))
    return redirect("groups:robot")


# --- service notices -------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def notices(request: HttpRequest) -> HttpResponse:
    """Publish a service notice to chosen grids; list the notices the user published."""
    user = current_user(request)
    if not permissions.can_publish_notices(user):
        raise PermissionDenied
    grids = permissions.notice_grids(user)
    form = NoticeForm(request.POST if request.method == "POST" else None, grids=grids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _notice, posted = actions.publish_notice(
                user,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                grids=data["chosen"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Published to %(grids)d grids; %(posts)d group robots will post it.")
                % {"grids": len(data["chosen"]), "posts": posted},
            )
            return redirect("groups:notices")
    # Administrators see every notice (to withdraw a wrong one); the others their own.
    shown = (
        ServiceNotice.objects.all()
        if policy.can_administer(user)
        else ServiceNotice.objects.filter(published_by=user)
    )
    published = shown.select_related("published_by").order_by("-published_at")[:NOTICES_LIMIT]
    return render(request, "groups/notices.html", {"form": form, "published": published})


@require_POST
def withdraw_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a notice from the public page and tell its groups."""
    user = current_user(request)
    notice = get_object_or_404(ServiceNotice, pk=pk)
    try:
        posted = actions.withdraw_notice(user, notice)
    except actions.Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("“%(title)s” is withdrawn; %(posts)d groups are told.")
            % {"title": notice.title, "posts": posted},
        )
    return redirect("groups:notices")
