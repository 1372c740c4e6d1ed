"""Reporting a matter: every channel ends here, in one transaction that stores the case whole or not at all."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import router
from django.utils.translation import gettext as _

from gridgov.cases import evidence
from gridgov.cases.actions import common
from gridgov.cases.actions.base import log_transition, one_transaction
from gridgov.cases.actions.tracking import next_tracking_no
from gridgov.cases.categories import guess_category
from gridgov.cases.models import Attachment, Case, Category, Channel, Status, Task, Transition, Urgency
from gridgov.cases.permissions import grid_team
from gridgov.cases.workflow import REPORTER, Move
from gridgov.lib import rows
from gridgov.lib.crypto import cipher_for
from gridgov.people import policy
from gridgov.people.actions import clean_phone
from gridgov.people.models import Role, User
from gridgov.territory.address_index import locate_address
from gridgov.territory.locator import get_locator
from gridgov.territory.models import Grid

MAX_DESCRIPTION = 4000
MATTER = Category.Kind.MATTER
# Who is alerted at once when an urgent matter is reported: the grid worker and the police officer.
ALERTED_ROLES = (Role.GRID_WORKER, Role.POLICE)


@dataclass(frozen=True)
class Place:
    """Where a report is: its grid (with community and street loaded), generation, point, address."""

    grid: Grid
    generation_id: int | None
    lon: float | None
    lat: float | None
    address: str


def report_case(
    channel: str,
    description: str,
    *,
    lon: float | None = None,
    lat: float | None = None,
    crs: str = "wgs84",
    address: str = "",
    category: Category | str | None = None,
    urgency: str | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_contact: str = "",
    reported_by: User | None = None,
    photos: Sequence[common.Upload] = (),
    at: datetime | None = None,
    alert_team: bool = True,
    on_stored: Callable[[Case], object] | None = None,
) -> Case:
    """Store a new report with its tracking number, first transition, photos and notices; return it.

    Raises `ValidationError` (a dict of field → messages) for bad input, and writes nothing then.
    An urgent matter alerts the grid team at once, unless `alert_team` is false (the reporter is the
    team, fixing it on the spot). `on_stored` is called with the stored case inside the report's
    transaction, for a channel's own rows about it; whatever it raises undoes the whole report.
    """
    at = common.moment(at)
    errors: dict[str, str] = {}
    text = _clean_description(description, errors)
    phone = _clean_phone(reporter_phone, errors)
    chosen = _clean_category(category, errors)
    _check_channel(channel, errors)
    _check_lengths(errors, reporter_name=reporter_name, reporter_contact=reporter_contact, address=address)
    if urgency is not None and urgency not in Urgency.values:
        errors["urgency"] = _("Unknown urgency “%(value)s”.") % {"value": urgency}
    checked = _clean_photos(photos, errors)
    if errors:
        raise ValidationError(errors)
    place = locate(lon, lat, crs, address.strip())
    if chosen is None:
        guess = guess_category(text)
        chosen = guess.category if guess else None
    return _store(
        channel=channel,
        text=text,
        place=place,
        category=chosen,
        urgency=urgency or (chosen.default_urgency if chosen else Urgency.NORMAL),
        reporter=(reporter_name.strip(), phone, reporter_contact.strip()),
        reported_by=reported_by,
        photos=checked,
        at=at,
        alert_team=alert_team,
        on_stored=on_stored,
    )


def _clean_description(description: str, errors: dict[str, str]) -> str:
    text = (description or "").strip()
    if not text:
        errors["description"] = _("Describe the matter.")
    elif len(text) > MAX_DESCRIPTION:
        errors["description"] = _("The description is longer than %(max)d characters.") % {
            "max": MAX_DESCRIPTION
        }
    return text


def _clean_phone(value: str, errors: dict[str, str]) -> str:
    try:
        return clean_phone(value)
    except ValidationError as exc:
        errors["reporter_phone"] = exc.messages[0]
        return ""


def _clean_category(category: Category | str | None, errors: dict[str, str]) -> Category | None:
    """Return the category given as an object or code (matters first), or record an error."""
    if category is None or category == "":
        return None
    # Cases are classified by matters (事项); components (部件) are what a matter is about.
    if isinstance(category, Category):
        found: Category | None = category if category.active and category.kind == MATTER else None
    else:
        found = Category.objects.filter(code=str(category).strip(), kind=MATTER, active=True).first()
    if found is None:
        errors["category"] = _("Unknown category “%(value)s”.") % {"value": category}
    return found


def _check_channel(channel: str, errors: dict[str, str]) -> None:
    if channel not in Channel.values:
        errors["channel"] = _("Unknown channel “%(value)s”.") % {"value": channel}


def _check_lengths(errors: dict[str, str], **values: str) -> None:
    for name, value in values.items():
        limit = getattr(Case._meta.get_field(name), "max_length", None) or 0
        if len((value or "").strip()) > limit:
            errors[name] = _("At most %(max)d characters.") % {"max": limit}


def _clean_photos(photos: Sequence[common.Upload], errors: dict[str, str]) -> list[evidence.Photo]:
    try:
        return evidence.check_photos(list(photos))
    except ValidationError as exc:
        errors["photos"] = exc.messages[0]
        return []


def locate(lon: float | None, lat: float | None, crs: str, address: str) -> Place:
    """Return the grid of the point (or, without one, of the address), or raise a ValidationError."""
    if lon is None and lat is None:
        if not address:
            raise ValidationError({"location": _("Give the place: a point on the map or an address.")})
        return _locate_address(address)
    try:
        x, y = float(lon), float(lat)  # type: ignore[arg-type]
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(_("The coordinates are not numbers."))
        locator = get_locator()
        located = locator.locate(x, y, crs=crs)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"location": str(exc) or _("The coordinates are not valid.")}) from None
    if located is None:
        raise ValidationError({"location": _("The place is not in this district.")})
    return Place(locator.grid(located.grid_id), located.generation_id, located.lon, located.lat, address)


def _locate_address(address: str) -> Place:
    match = locate_address(address)
    if match is None or match.grid is None:
        raise ValidationError({"location": _("The address names no building of a grid in this district.")})
    grid = Grid.objects.select_related("community__street").get(pk=match.grid.pk)
    return Place(grid, None, match.building.lon, match.building.lat, address)


@one_transaction
def _store(
    *,
    channel: str,
    text: str,
    place: Place,
    category: Category | None,
    urgency: str,
    reporter: tuple[str, str, str],
    reported_by: User | None,
    photos: list[evidence.Photo],
    at: datetime,
    alert_team: bool,
    on_stored: Callable[[Case], object] | None,
) -> Case:
    """Write the case, its `report` transition (seq 1), photos and notices in one transaction."""
    name, phone, contact = reporter
    case = Case(
        tracking_no=next_tracking_no(at),
        status=Status.REPORTED,
        version=1,
        channel=channel,
        category=category,
        urgency=urgency,
        description=text,
        address=place.address,
        lon=place.lon,
        lat=place.lat,
        grid=place.grid,
        generation_id=place.generation_id,
        reporter_name=name,
        reporter_contact=contact,
        reported_by=reported_by,
        created_at=at,
        **_encrypted_phone(phone),
    )
    for name, value in common.clock_changes(case, Status.REPORTED, at).items():
        setattr(case, name, value)
    _insert(case)
    transition = log_transition(
        Transition(
            case=case,
            seq=1,
            move=Move.REPORT,
            from_status="",
            to_status=Status.REPORTED,
            actor=reported_by,
            actor_role=_reporter_role(reported_by),
            at=at,
            public=True,
            due_at=case.due_at,
        )
    )
    evidence.store_photos(case, photos, Attachment.Kind.REPORT, at, transition)
    common.tell_reporter(case, "acknowledge", at)
    if urgency != Urgency.NORMAL and alert_team:
        _alert_grid_team(case, at)
    if on_stored is not None:
        on_stored(case)
    return case


_CASE_FIELDS = [f for f in Case._meta.concrete_fields if not f.primary_key]


def _insert(case: Case) -> None:
    """Insert the new case with one written-out statement (see `gridgov.lib.rows`), as `save` would.

    Every report inserts a case; composing the INSERT through the ORM costs more than running it.
    Nothing listens to a case's signals (its writers are these actions).
    """
    values = [field.pre_save(case, True) for field in _CASE_FIELDS]
    ids = rows.insert(Case, [field.name for field in _CASE_FIELDS], [values], returning=True)
    if not ids:  # a database that cannot return the new id: the ORM's way
        case.save(force_insert=True)
        return
    case.pk = ids[0]
    case._state.adding = False
    case._state.db = router.db_for_write(Case)


def _encrypted_phone(phone: str) -> dict[str, str]:
    if not phone:
        return {}
    encrypted, digest = cipher_for(settings.FIELD_ENCRYPTION_KEY).seal(phone)
    return {
        "reporter_phone_encrypted": encrypted,
        "reporter_phone_hash": digest,
        "reporter_phone_last4": phone[-4:],
    }


def _reporter_role(user: User | None) -> str:
    """Return the role a staff reporter reports in (grid worker on patrol), or `reporter`."""
    if user is None:
        return REPORTER
    held = policy.roles(user)
    return next((role for role in (Role.GRID_WORKER, *sorted(held)) if role in held), REPORTER)


def _alert_grid_team(case: Case, at: datetime) -> None:
    """Give the grid worker and the police officer a task each and tell them now (urgent matters)."""
    team = grid_team(case.grid, ALERTED_ROLES)
    Task.objects.bulk_create(
        [Task(case=case, user_id=user_id, lead=False, created_at=at, note="urgent alert") for user_id in team]
    )
    common.tell_users(
        team,
        case,
        common.case_title(case, _("URGENT: go now and sign for it")),
        f"{case.get_urgency_display()} · {case.address or ''} {case.description[:200]}",
    )
