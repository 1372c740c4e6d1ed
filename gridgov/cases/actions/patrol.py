"""Patrol (巡查): a grid-team member reports from their own grid; the grid worker reports a matter fixed on the spot.

A matter fixed on the spot (当场处置) follows the workflow like any other, only in one transaction:
`report` (REPORTED) → `take_in_grid` (SELF_HANDLING) → `solve_in_grid` (CLOSED). Both later moves belong
to the grid worker of the case's grid (`workflow.RULES`), and the workflow closes a matter solved inside
the grid without anyone else verifying it (小事不出格, docs/DESIGN.md): the after photo is the evidence, the
three transition rows are the record. So only the grid worker of the point's grid may fix on the spot; the
other members of the grid team report, and the matter then follows the normal flow.

Everything that can refuse is checked before the first write: storing photos is not undone by a rollback.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.cases import evidence
from gridgov.cases.actions import common
from gridgov.cases.actions.base import MoveRefused
from gridgov.cases.actions.intake import Place, locate, report_case
from gridgov.cases.actions.registration import solve_in_grid, take_in_grid
from gridgov.cases.categories import guess_category
from gridgov.cases.models import Attachment, Case, Category, Channel
from gridgov.people import policy
from gridgov.people.models import Role, User


def own_place(
    user: User, lon: float | None, lat: float | None, crs: str = "wgs84", address: str = ""
) -> Place:
    """Return where the report is, refusing a place outside the grids the user patrols (their grid posts)."""
    place = locate(lon, lat, crs, (address or "").strip())
    if not any(post.grid_id == place.grid.pk for post in policy.grid_posts(user)):
        raise ValidationError(
            {
                "location": _(
                    "The place is in %(grid)s, not in your grid; patrol reports are for your own grid."
                )
                % {"grid": place.grid.name}
            }
        )
    return place


def report_on_patrol(
    user: User,
    description: str,
    *,
    lon: float | None = None,
    lat: float | None = None,
    crs: str = "wgs84",
    address: str = "",
    category: Category | str | None = None,
    urgency: str | None = None,
    photos: Sequence[common.Upload] = (),
    at: datetime | None = None,
) -> Case:
    """Report a matter seen on patrol in the user's own grid; it then follows the normal flow."""
    own_place(user, lon, lat, crs, address)
    return report_case(
        Channel.PATROL,
        description,
        lon=lon,
        lat=lat,
        crs=crs,
        address=address,
        category=category,
        urgency=urgency,
        reported_by=user,
        photos=photos,
        at=at,
    )


def report_fixed_on_patrol(
    user: User,
    description: str,
    *,
    lon: float | None = None,
    lat: float | None = None,
    crs: str = "wgs84",
    address: str = "",
    category: Category | str | None = None,
    urgency: str | None = None,
    before_photos: Sequence[common.Upload] = (),
    after_photos: Sequence[common.Upload] = (),
    result: str = "",
    outcome_quantity: int | None = None,
    at: datetime | None = None,
) -> Case:
    """Report a matter the grid worker fixed on the spot and close it with before/after photos, in one transaction.

    Raises `ValidationError` (field → messages) for bad input and `MoveRefused` when the user may not
    close matters of the place's grid; nothing is written then.
    """
    at = common.moment(at)
    place = own_place(user, lon, lat, crs, address)
    _refuse_unless_grid_worker(user, place)
    before, after = _checked_photos(before_photos, after_photos)
    result = common.optional_text(result)
    common.outcome_or_refuse(outcome_quantity)
    chosen = _category_or_refuse(category, description)
    # A failing step takes the photos stored before it along (the before photos are in no move's block).
    with evidence.removed_on_failure(), transaction.atomic():
        case = report_case(
            Channel.PATROL,
            description,
            lon=lon,
            lat=lat,
            crs=crs,
            address=address,
            category=chosen,
            urgency=urgency,
            reported_by=user,
            at=at,
            alert_team=False,  # the grid worker is there, fixing it
        )
        taken = take_in_grid(case, user, at=at)
        # The photos before handling belong to the move that starts it; the after photos to the closing one.
        evidence.store_photos(case, before, Attachment.Kind.BEFORE, at, taken)
        solve_in_grid(
            case, user, [photo.data for photo in after], outcome_quantity=outcome_quantity, note=result, at=at
        )
    return case


def _refuse_unless_grid_worker(user: User, place: Place) -> None:
    """Refuse a grid-team member who is not the grid worker there: the workflow gives them no closing move."""
    if not policy.covers_in_role(user, place.grid, Role.GRID_WORKER):
        raise MoveRefused(
            _("Only the grid worker of %(grid)s may close a matter on the spot; report it instead.")
            % {"grid": place.grid.name}
        )


def _checked_photos(
    before_photos: Sequence[common.Upload], after_photos: Sequence[common.Upload]
) -> tuple[list[evidence.Photo], list[evidence.Photo]]:
    """Return the before and after photos checked (an after photo is required), or raise per field."""
    errors: dict[str, str] = {}
    checked: dict[str, list[evidence.Photo]] = {"before_photos": [], "after_photos": []}
    for name, uploads in (("before_photos", before_photos), ("after_photos", after_photos)):
        try:
            checked[name] = evidence.check_photos(list(uploads))
        except ValidationError as exc:
            errors[name] = exc.messages[0]
    if not after_photos and "after_photos" not in errors:
        errors["after_photos"] = _("A photo after the fix is required.")
    if errors:
        raise ValidationError(errors)
    return checked["before_photos"], checked["after_photos"]


def _category_or_refuse(category: Category | str | None, description: str) -> Category | str:
    """Return the category given, or the one guessed from the text; a matter taken into the grid needs one."""
    if category not in (None, ""):
        return category
    guess = guess_category(description or "")
    if guess is None:
        raise ValidationError({"category": _("Choose a category: none could be guessed from the text.")})
    return guess.category
