"""The writers of the groups app: robots, forwarded messages, reports made of them, service notices.

Each checks the policy (`groups.permissions`) and the input, then writes in one transaction; a
refusal (`Refused`, or Django's `ValidationError` for bad input) writes nothing. Posts to the
groups are queued in the outbox inside the same transaction (`groups.posting`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape as to_shape

from gridgov.cases import actions as case_actions
from gridgov.cases import evidence
from gridgov.cases.models import Case, Category, Channel
from gridgov.groups import permissions, posting
from gridgov.groups.models import GroupMessage, GroupRobot, ServiceNotice, WecomAccount, validate_webhook
from gridgov.people import policy
from gridgov.people.models import User
from gridgov.territory.models import Grid, GridBoundary

# WeCom refuses texts over 2,048 bytes; a forwarded message longer than this is not one of its.
MAX_TEXT = 2048
MAX_TITLE = 100
MAX_BODY = 2000
LONGEST_NOTICE = timedelta(days=366)


class Refused(Exception):
    """Not allowed, or no longer possible; the message says why, in the user's language."""


# --- robots ----------------------------------------------------------------------------------------


@transaction.atomic
def set_robot(user: User, grid: Grid, webhook_url: str, *, active: bool = True) -> GroupRobot:
    """Set the grid's group robot (its webhook address) and whether posts go to it."""
    if not permissions.can_manage_robot(user, grid):
        raise Refused(_("Only the grid's grid worker sets its group robot."))
    url = (webhook_url or "").strip()
    validate_webhook(url)
    robot, _created = GroupRobot.objects.update_or_create(
        grid=grid,
        defaults={"webhook_url": url, "active": active, "updated_at": timezone.now(), "updated_by": user},
    )
    return robot


def send_robot_test(user: User, grid: Grid) -> GroupRobot:
    """Queue a test post for the grid's robot, so the grid worker sees the webhook work."""
    if not permissions.can_manage_robot(user, grid):
        raise Refused(_("Only the grid's grid worker sets its group robot."))
    robot = GroupRobot.objects.filter(grid=grid, active=True).first()
    if robot is None:
        raise Refused(_("The grid has no active group robot."))
    posting.post_test(robot)
    return robot


# --- forwarded messages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Inbound:
    """A message forwarded to the WeCom app, as checked from its XML."""

    msg_id: str
    sender_userid: str
    kind: str
    sent_at: datetime
    agent_id: int | None = None
    text: str = ""
    media_id: str = ""
    pic_url: str = ""


def sender_grid(userid: str) -> tuple[User | None, Grid | None]:
    """Return the staff member with the WeCom userid and their primary grid (None, None when unknown)."""
    account = WecomAccount.objects.select_related("user").filter(userid=userid, user__is_active=True).first()
    if account is None:
        return None, None
    return account.user, policy.primary_grid(account.user)


def receive(inbound: Inbound) -> tuple[GroupMessage, bool]:
    """Store the forwarded message in its sender's grid inbox; return it and whether it is new.

    WeCom sends a message again when the answer was late, and a replay carries the same MsgId:
    the unique constraint decides, so two deliveries at the same moment store one row.
    """
    if inbound.kind == GroupMessage.Kind.TEXT and not inbound.text.strip():
        raise ValidationError(_("The message is empty."))
    if len(inbound.text) > MAX_TEXT:
        raise ValidationError(
            _("The message is longer than %(max)d characters; forward it in parts.") % {"max": MAX_TEXT}
        )
    existing = GroupMessage.objects.select_related("grid").filter(msg_id=inbound.msg_id).first()
    if existing is not None:
        return existing, False
    sender, grid = sender_grid(inbound.sender_userid)
    message = GroupMessage(
        msg_id=inbound.msg_id,
        agent_id=inbound.agent_id,
        sender_userid=inbound.sender_userid,
        sender=sender,
        grid=grid,
        kind=inbound.kind,
        text=inbound.text.strip(),
        media_id=inbound.media_id,
        pic_url=inbound.pic_url,
        sent_at=inbound.sent_at,
        received_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        # The same message, stored by a concurrent delivery a moment ago.
        return GroupMessage.objects.select_related("grid").get(msg_id=inbound.msg_id), False
    return message, True


# --- a report of a message -------------------------------------------------------------------------


def grid_centre(grid: Grid) -> tuple[float, float]:
    """Return a point inside the grid's current boundary (its centre, unless the shape bends round it)."""
    geometry = (
        GridBoundary.objects.filter(grid=grid, generation__active=True)
        .values_list("geometry", flat=True)
        .first()
    )
    if geometry is None:
        raise ValidationError({"location": _("The grid has no boundary; give an address.")})
    shape = to_shape(geometry)
    centre = shape.centroid
    point = centre if shape.contains(centre) else shape.representative_point()
    return float(point.x), float(point.y)


def report_message(
    user: User,
    message: GroupMessage,
    *,
    description: str,
    grid: Grid | None,
    address: str = "",
    category: Category | None = None,
    photos: Sequence[bytes] = (),
) -> Case:
    """Make a report (channel wecom) of the message and link the message to the new case.

    The place is the address when one is given, else the centre of the chosen grid. The case and
    the link commit together; a message reported by someone else a moment ago is refused.
    """
    if not permissions.can_read_message(user, message):
        raise Refused(_("This message is not in your inbox."))
    if message.case_id is not None:
        raise Refused(_("This message was already reported."))
    address = (address or "").strip()
    where: dict[str, Any] = {"address": address}
    if not address:
        if grid is None or not permissions.report_grids(user, message).filter(pk=grid.pk).exists():
            raise ValidationError({"grid": _("Choose one of your grids, or give an address.")})
        where["lon"], where["lat"] = grid_centre(grid)
    with evidence.removed_on_failure(), transaction.atomic():  # a refused link removes the photo too
        case = case_actions.report_case(
            Channel.WECOM, description, category=category, reported_by=user, photos=list(photos), **where
        )
        linked = GroupMessage.objects.filter(pk=message.pk, case__isnull=True).update(
            case=case, reported_by=user, reported_at=case.created_at
        )
        if not linked:
            raise Refused(_("This message was already reported."))  # rolls the new case back
    message.case, message.reported_by, message.reported_at = case, user, case.created_at
    return case


# --- service notices -------------------------------------------------------------------------------


def _check_notice(
    title: str, body: str, starts_at: datetime, ends_at: datetime, now: datetime
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Give the notice a title.")
    elif len(title.strip()) > MAX_TITLE:
        errors["title"] = _("At most %(max)d characters.") % {"max": MAX_TITLE}
    if not body.strip():
        errors["body"] = _("Say what happens and what residents should do.")
    elif len(body.strip()) > MAX_BODY:
        errors["body"] = _("At most %(max)d characters.") % {"max": MAX_BODY}
    if ends_at <= starts_at:
        errors["ends_at"] = _("The end must come after the start.")
    elif ends_at <= now:
        errors["ends_at"] = _("The notice would already be over.")
    elif ends_at - starts_at > LONGEST_NOTICE:
        errors["ends_at"] = _("A notice runs for at most a year.")
    return errors


def publish_notice(
    user: User,
    *,
    kind: str,
    title: str,
    body: str,
    starts_at: datetime,
    ends_at: datetime,
    grids: Sequence[Grid],
) -> tuple[ServiceNotice, int]:
    """Publish a notice to the grids: the public page shows it, and each grid's robot posts it.

    Return the notice and the number of group posts queued (one per chosen grid with a robot).
    """
    if not permissions.can_publish_notices(user):
        raise Refused(_("Your posts do not publish service notices."))
    now = timezone.now()
    errors = _check_notice(title, body, starts_at, ends_at, now)
    if kind not in ServiceNotice.Kind.values:
        errors["kind"] = _("Unknown kind “%(value)s”.") % {"value": kind}
    chosen = {grid.pk for grid in grids}
    if not chosen:
        errors["grids"] = _("Choose at least one grid.")
    elif permissions.notice_grids(user).filter(pk__in=chosen).count() != len(chosen):
        errors["grids"] = _("You may only address the grids of your area.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        notice = ServiceNotice.objects.create(
            kind=kind,
            title=title.strip(),
            body=body.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            published_by=user,
            published_at=now,
        )
        through = ServiceNotice.grids.through
        through.objects.bulk_create(
            [through(servicenotice_id=notice.pk, grid_id=pk) for pk in sorted(chosen)]
        )
        posted = posting.post_notice(notice)
    return notice, posted


def withdraw_notice(user: User, notice: ServiceNotice) -> int:
    """Withdraw the notice from the public page and tell the groups it no longer holds; return the posts queued."""
    if not permissions.can_withdraw(user, notice):
        raise Refused(_("Only its publisher or someone responsible for all its grids withdraws a notice."))
    now = timezone.now()
    with transaction.atomic():
        if not ServiceNotice.objects.filter(pk=notice.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=now, withdrawn_by=user
        ):
            raise Refused(_("The notice was already withdrawn."))
        notice.withdrawn_at, notice.withdrawn_by = now, user
        # A notice that is over needs no word in the groups.
        return posting.post_notice(notice, posting.WITHDRAWN) if notice.ends_at > now else 0
