"""The only writers of people data: staff, posts, residents and reveals of personal data.

Every function runs in one transaction. `by` is the staff member acting (checked against the
policy) or None for the system itself (a command run by the operator, an importer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.lib.crypto import FieldCipher, cipher_for
from gridgov.lib.idcard import InvalidIdNumber, parse_id_number
from gridgov.lib.phone import InvalidPhone, normalise_phone
from gridgov.people import policy
from gridgov.people.models import CareTag, Department, Level, Post, Resident, RevealLog, Role, User
from gridgov.territory.models import Community, District, Grid, Household, Street

logger = logging.getLogger(__name__)

Scope = Grid | Community | Street | District | Department
_LEVEL_OF_SCOPE: dict[type, str] = {
    Grid: Level.GRID,
    Community: Level.COMMUNITY,
    Street: Level.STREET,
    District: Level.DISTRICT,
    Department: Level.DEPARTMENT,
}
# Reasons of `lib.idcard` are English constants; these literals put them in the catalogue.
_ID_REASONS = {
    InvalidIdNumber.EMPTY: gettext_lazy("The ID number is empty."),
    InvalidIdNumber.OLD_FORMAT: gettext_lazy(
        "15-digit ID numbers are no longer valid; give the 18-character number."
    ),
    InvalidIdNumber.LENGTH: gettext_lazy("An ID number has 18 characters."),
    InvalidIdNumber.CHARACTERS: gettext_lazy("An ID number is 17 digits followed by a digit or X."),
    InvalidIdNumber.REGION: gettext_lazy("The first six digits are not a region code."),
    InvalidIdNumber.BIRTH_DATE: gettext_lazy("The birth date in the ID number is not a real date."),
    InvalidIdNumber.FUTURE: gettext_lazy("The birth date in the ID number is in the future."),
    InvalidIdNumber.TOO_OLD: gettext_lazy("The birth date in the ID number is before 1900."),
    InvalidIdNumber.CHECK_DIGIT: gettext_lazy(
        "The check digit does not match; a digit is probably mistyped."
    ),
}
_PHONE_REASONS = {
    InvalidPhone.EMPTY: gettext_lazy("The phone number is empty."),
    InvalidPhone.CHARACTERS: gettext_lazy(
        "A phone number contains only digits, spaces, dashes, brackets and an optional +86."
    ),
    InvalidPhone.FOREIGN: gettext_lazy("Only mainland China numbers (+86) are accepted."),
    InvalidPhone.MOBILE: gettext_lazy("A mobile number has 11 digits and starts with 13 to 19."),
    InvalidPhone.MOBILE_EXTENSION: gettext_lazy("A mobile number has no extension."),
    InvalidPhone.AREA_CODE: gettext_lazy("A landline number needs its area code, such as 0731."),
    InvalidPhone.LANDLINE: gettext_lazy("A landline number is an area code followed by 7 or 8 digits."),
}
REVEALABLE_FIELDS = ("id_number", "phone")
STAFF_PROFILE_FIELDS = (
    "full_name",
    "phone",
    "education",
    "birth_year",
    "passed_exam",
    "social_work_certificate",
    "started_on",
)


def _cipher() -> FieldCipher:
    return cipher_for(settings.FIELD_ENCRYPTION_KEY)


def _require_admin(by: User | None) -> None:
    """Refuse a staff change by someone who does not administer (None is the system itself)."""
    if by is not None and not policy.can_administer(by):
        raise PermissionDenied(_("Only an administrator may change staff and posts."))


# --- validation shared by actions and forms -------------------------------------------------------


def clean_id_number(value: str) -> tuple[str, date, str]:
    """Return the normalised ID number, birth date and gender, or raise a translated ValidationError."""
    try:
        parsed = parse_id_number(value)
    except InvalidIdNumber as exc:
        reason = _ID_REASONS.get(exc.reason, gettext_lazy("The ID number is not valid."))
        raise ValidationError(str(reason), code="invalid_id_number") from None
    return parsed.number, parsed.birth_date, parsed.gender


def clean_phone(value: str) -> str:
    """Return the normalised phone number ("" for none), or raise a translated ValidationError."""
    if not value or not value.strip():
        return ""
    try:
        return normalise_phone(value)
    except InvalidPhone as exc:
        reason = _PHONE_REASONS.get(exc.reason, gettext_lazy("The phone number is not valid."))
        raise ValidationError(str(reason), code="invalid_phone") from None


def clean_care_tags(tags: Iterable[str]) -> str:
    """Return the care tags as stored (comma-separated, known values, no repeats)."""
    known = set(CareTag.values)
    cleaned: list[str] = []
    for tag in tags:
        tag = tag.strip()
        if tag and tag not in known:
            raise ValidationError(_("Unknown care tag: %(tag)s.") % {"tag": tag}, code="invalid_care_tag")
        if tag and tag not in cleaned:
            cleaned.append(tag)
    return ",".join(cleaned)


@dataclass(frozen=True)
class ResidentFields:
    """Checked resident input; None means "keep the stored value" (only when correcting)."""

    name: str | None
    id_number: str | None
    birth_date: date | None
    gender: str | None
    phone: str | None
    care_tags: str | None


def clean_resident(
    name: str | None,
    id_number: str | None,
    phone: str | None,
    care_tags: Iterable[str] | None,
    *,
    resident: Resident | None = None,
) -> ResidentFields:
    """Check the given fields and the uniqueness of the ID number; raise one ValidationError by field.

    For a new resident (no `resident`) name and ID number are required; when correcting one, a field
    given as None keeps its stored value.
    """
    errors: dict[str, list[ValidationError]] = {}

    def checked(key: str, clean: Callable[[Any], Any], raw: Any) -> Any:
        if raw is None:
            return None
        try:
            return clean(raw)
        except ValidationError as exc:
            errors[key] = [exc]
            return None

    if name is not None or resident is None:
        name = (name or "").strip()
        if not name:
            errors["name"] = [ValidationError(_("The name is required."), code="required")]
    if id_number is None and resident is None:
        id_number = ""
    parsed = checked("id_number", clean_id_number, id_number)
    clean_phone_value = checked("phone", clean_phone, phone)
    tags = checked("care_tags", clean_care_tags, care_tags)
    if parsed is not None and _id_number_taken(parsed[0], resident):
        errors["id_number"] = [
            ValidationError(_("A resident with this ID number is already registered."), code="duplicate")
        ]
    if errors:
        raise ValidationError(errors)
    number, birth_date, gender = parsed if parsed is not None else (None, None, None)
    return ResidentFields(name, number, birth_date, gender, clean_phone_value, tags)


def _id_number_taken(number: str, resident: Resident | None) -> bool:
    others = Resident.objects.filter(id_number_hash=_cipher().lookup_hash(number))
    if resident is not None:
        others = others.exclude(pk=resident.pk)
    return others.exists()


# --- staff and posts -------------------------------------------------------------------------------


@transaction.atomic
def create_staff(
    username: str, full_name: str, *, by: User | None, password: str | None = None, **profile: Any
) -> User:
    """Create a staff member (no post yet); without a password the account cannot log in."""
    _require_admin(by)
    unknown = set(profile) - set(STAFF_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown staff profile fields: {sorted(unknown)}")
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("The user name is required.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("The user name %(name)s is taken.") % {"name": username}})
    user = User(username=username, full_name=full_name.strip(), **profile)
    user.phone = _clean_staff_phone(user.phone)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


def _clean_staff_phone(value: str) -> str:
    try:
        return clean_phone(value)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None


@transaction.atomic
def update_staff(user: User, *, by: User | None, **changes: Any) -> User:
    """Change a staff member's profile fields (name, phone, education, exam, certificate …)."""
    _require_admin(by)
    unknown = set(changes) - set(STAFF_PROFILE_FIELDS) - {"is_active"}
    if unknown:
        raise TypeError(f"unknown staff profile fields: {sorted(unknown)}")
    if "phone" in changes:
        changes["phone"] = _clean_staff_phone(changes["phone"])
    for name, value in changes.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"], validate_unique=False)
    user.save(update_fields=list(changes))
    return user


def _scope_fields(scope: Scope) -> tuple[str, dict[str, Scope]]:
    for kind, level in _LEVEL_OF_SCOPE.items():
        if isinstance(scope, kind):
            return level, {level: scope}
    raise TypeError(f"a post scope is a grid, community, street, district or department, not {scope!r}")


def clean_post(user: User, role: str, scope: Scope) -> tuple[str, dict[str, Scope]]:
    """Return the level and scope field of a new post, or raise a translated ValidationError."""
    level, scope_kwargs = _scope_fields(scope)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role: %(role)s.") % {"role": role}})
    if level not in policy.ALLOWED_LEVELS[role]:
        raise ValidationError(
            {
                "role": _("A %(role)s cannot be posted at %(level)s level.")
                % {"role": Role(role).label, "level": Level(level).label}
            }
        )
    if Post.objects.filter(user=user, role=role, active=True, **scope_kwargs).exists():
        raise ValidationError(_("%(user)s already holds this post.") % {"user": user})
    return level, scope_kwargs


@transaction.atomic
def assign_post(user: User, role: str, scope: Scope, *, by: User | None) -> Post:
    """Give the user a role over a scope; refuse a level the role cannot hold and duplicates."""
    _require_admin(by)
    # Lock the user row so two administrators assigning the same post cannot both succeed.
    User.objects.select_for_update().filter(pk=user.pk).first()
    level, scope_kwargs = clean_post(user, role, scope)
    post = Post.objects.create(user=user, role=role, level=level, assigned_by=by, **scope_kwargs)
    if role == Role.ADMIN and not user.is_staff:
        # Django conventions (staff_member_required, admindocs) read is_staff; keep it in step.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    policy.forget_posts(user)
    return post


@transaction.atomic
def end_post(post: Post, *, by: User | None) -> Post:
    """End an active post now, keeping it as history (who held it, from when to when)."""
    _require_admin(by)
    now = timezone.now()
    # A conditional update: of two administrators ending the same post, exactly one wins.
    if Post.objects.filter(pk=post.pk, active=True).update(active=False, ended_at=now, ended_by=by) != 1:
        raise ValidationError(_("This post has already ended."))
    post.active, post.ended_at, post.ended_by = False, now, by
    user = post.user
    demoted = post.role == Role.ADMIN and user.is_staff and not user.is_superuser
    if demoted and not Post.objects.filter(user=user, role=Role.ADMIN, active=True).exists():
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    policy.forget_posts(user)
    return post


# --- residents -------------------------------------------------------------------------------------


def _require_resident_editor(by: User | None, household: Household) -> None:
    if by is not None and not policy.can_edit_residents(by, household.building.grid):
        raise PermissionDenied(_("You may not register or change residents of this grid."))


@transaction.atomic
def create_resident(
    household: Household,
    name: str,
    id_number: str,
    phone: str,
    care_tags: Iterable[str],
    *,
    by: User | None,
) -> Resident:
    """Register a resident; the ID number and phone are checked, encrypted and hashed for lookup."""
    _require_resident_editor(by, household)
    fields = clean_resident(name, id_number, phone or "", care_tags)
    resident = Resident(household=household)
    _apply(resident, fields)
    _save_resident(resident)
    return resident


@transaction.atomic
def update_resident(
    resident: Resident,
    *,
    by: User | None,
    name: str | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    care_tags: Iterable[str] | None = None,
    household: Household | None = None,
) -> Resident:
    """Correct a resident's record; fields left as None keep their value, phone "" removes it."""
    _require_resident_editor(by, resident.household)
    if household is not None and household.pk != resident.household_id:
        _require_resident_editor(by, household)
        resident.household = household
    _apply(resident, clean_resident(name, id_number, phone, care_tags, resident=resident))
    _save_resident(resident)
    return resident


def _save_resident(resident: Resident) -> None:
    try:
        # A savepoint: a concurrent registration of the same ID number fails here, not the caller.
        with transaction.atomic():
            resident.save()
    except IntegrityError:
        raise ValidationError(
            {"id_number": _("A resident with this ID number is already registered.")}
        ) from None


def _apply(resident: Resident, fields: ResidentFields) -> None:
    """Copy the checked fields onto the resident, encrypting and hashing ID number and phone."""
    cipher = _cipher()
    if fields.name is not None:
        resident.name = fields.name
    if fields.id_number is not None:
        assert fields.gender is not None
        resident.gender = fields.gender
        resident.birth_date = fields.birth_date
        resident.id_number_encrypted, resident.id_number_hash = cipher.seal(fields.id_number)
    if fields.phone is not None:
        resident.phone_encrypted, resident.phone_hash = cipher.seal(fields.phone)
    if fields.care_tags is not None:
        resident.care_tags = fields.care_tags


def find_resident_by_id_number(value: str, *, user: User | None = None) -> Resident | None:
    """Return the resident with this ID number (among those the user sees), or None."""
    try:
        number = parse_id_number(value).number
    except InvalidIdNumber:
        return None
    residents = Resident.objects.all() if user is None else policy.visible_residents(user)
    return residents.filter(id_number_hash=_cipher().lookup_hash(number)).first()


def find_residents_by_phone(value: str, *, user: User | None = None) -> list[Resident]:
    """Return the residents with this phone number (family members may share one)."""
    try:
        phone = normalise_phone(value)
    except InvalidPhone:
        return []
    residents = Resident.objects.all() if user is None else policy.visible_residents(user)
    return list(residents.filter(phone_hash=_cipher().lookup_hash(phone)).order_by("pk"))


@transaction.atomic
def reveal(user: User, resident: Resident, field: str, reason: str) -> str:
    """Return a resident's clear ID number or phone after checking the policy and logging the reveal."""
    if field not in REVEALABLE_FIELDS:
        raise ValueError(f"{field!r} is not a revealable field; use one of {REVEALABLE_FIELDS}")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you need to see this.")})
    # Read the place afresh: the caller's object may be stale or lack its building.
    located = Resident.objects.select_related("household__building__grid__community__street").get(
        pk=resident.pk
    )
    if not policy.can_reveal_pii(user, policy.resident_grid(located)):
        logger.warning("refused reveal of %s of resident %s to user %s", field, resident.pk, user.pk)
        raise PermissionDenied(_("You may not see this resident's personal data."))
    RevealLog.objects.create(user=user, resident=resident, field=field, reason=reason[:200])
    return str(getattr(resident, field))
