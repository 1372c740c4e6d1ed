"""Departments, staff users and their posts, residents with protected personal data."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.lib.crypto import cipher_for, mask
from gridgov.territory.models import Community, District, Grid, Household, Street


class Department(models.Model):
    """A functional department (职能部门) or unit; departments nest."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("government department")
        STREET_OFFICE = "street_office", _("street office section")
        POLICE = "police", _("police")
        UTILITY = "utility", _("utility company")
        PROPERTY = "property", _("property management company")
        GRID_CENTRE = "grid_centre", _("grid centre")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.GOVERNMENT)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    phone = models.CharField(_("duty phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("grid worker")
    POLICE = "police", _("police officer")
    URBAN_OFFICER = "urban_officer", _("urban-management officer")
    CLEANER = "cleaner", _("cleaner")
    POWER = "power", _("power supply contact")
    WATER = "water", _("water supply contact")
    GAS = "gas", _("gas supply contact")
    PROPERTY = "property", _("property manager")
    BUILDING_LEADER = "building_leader", _("building leader")
    CADRE = "cadre", _("linked cadre")
    DISPATCHER = "dispatcher", _("dispatcher")
    DEPARTMENT_HANDLER = "department_handler", _("department handler")
    LEADER = "leader", _("leader")
    FUND_OFFICER = "fund_officer", _("fund officer")
    ADMIN = "admin", _("administrator")


# The "1+3" team of every grid: the grid worker plus police, urban management and cleaning.
CORE_TEAM_ROLES = (Role.GRID_WORKER, Role.POLICE, Role.URBAN_OFFICER, Role.CLEANER)
UTILITY_ROLES = (Role.POWER, Role.WATER, Role.GAS)


class Level(models.TextChoices):
    GRID = "grid", _("grid")
    COMMUNITY = "community", _("community")
    STREET = "street", _("street")
    DISTRICT = "district", _("district")
    DEPARTMENT = "department", _("department")


class Education(models.TextChoices):
    UNKNOWN = "", _("unknown")
    SECONDARY = "secondary", _("secondary school or below")
    VOCATIONAL = "vocational", _("vocational college (大专)")
    BACHELOR = "bachelor", _("bachelor (本科)")
    POSTGRADUATE = "postgraduate", _("postgraduate")


class SocialWorkCertificate(models.TextChoices):
    NONE = "", _("none")
    ASSISTANT = "assistant", _("assistant social worker (助理社会工作师)")
    SOCIAL_WORKER = "social_worker", _("social worker (社会工作师)")
    SENIOR = "senior", _("senior social worker (高级社会工作师)")


class User(AbstractUser):
    """A staff member; residents are not users (they report through public channels)."""

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(_("work phone"), max_length=20, blank=True)
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, default=Education.UNKNOWN, blank=True
    )
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    passed_exam = models.BooleanField(_("passed the grid worker qualification exam"), default=False)
    social_work_certificate = models.CharField(
        _("social-work certificate"),
        max_length=20,
        choices=SocialWorkCertificate.choices,
        default=SocialWorkCertificate.NONE,
        blank=True,
    )
    started_on = models.DateField(_("start date"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self) -> str:
        return self.full_name or self.username


class Post(models.Model):
    """A role held over one scope: a grid, community, street, the district or a department."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="posts",
        verbose_name=_("staff member"),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    grid = models.ForeignKey(
        Grid, on_delete=models.CASCADE, null=True, blank=True, related_name="posts", verbose_name=_("grid")
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("community"),
    )
    street = models.ForeignKey(
        Street,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("street"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("district"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("department"),
    )
    active = models.BooleanField(_("active"), default=True)
    # Who held which post when: assessment and case history ask "who was the grid worker in March".
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.CheckConstraint(
                name="post_scope_matches_level",
                condition=(
                    models.Q(
                        level="grid",
                        grid__isnull=False,
                        community__isnull=True,
                        street__isnull=True,
                        district__isnull=True,
                    )
                    | models.Q(
                        level="community",
                        grid__isnull=True,
                        community__isnull=False,
                        street__isnull=True,
                        district__isnull=True,
                    )
                    | models.Q(
                        level="street",
                        grid__isnull=True,
                        community__isnull=True,
                        street__isnull=False,
                        district__isnull=True,
                    )
                    | models.Q(
                        level="district",
                        grid__isnull=True,
                        community__isnull=True,
                        street__isnull=True,
                        district__isnull=False,
                    )
                    | models.Q(
                        level="department",
                        grid__isnull=True,
                        community__isnull=True,
                        street__isnull=True,
                        district__isnull=True,
                        department__isnull=False,
                    )
                ),
            )
        ]
        indexes = [models.Index(fields=["grid", "role"]), models.Index(fields=["user", "active"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope}"

    @property
    def scope(self) -> object:
        """Return the area or department this post covers."""
        return self.grid or self.community or self.street or self.district or self.department


class CareTag(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("elderly living alone")
    DISABLED = "disabled", _("disabled")
    LOW_INCOME = "low_income", _("low income")
    LEFT_BEHIND_CHILD = "left_behind_child", _("left-behind child")
    VETERAN = "veteran", _("veteran")
    SERIOUS_ILLNESS = "serious_illness", _("serious illness")


class Resident(models.Model):
    """A registered resident; ID number and phone are stored encrypted with a keyed lookup hash."""

    class Gender(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="residents", verbose_name=_("household")
    )
    name = models.CharField(_("full name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_number_encrypted = models.CharField(max_length=120)
    id_number_hash = models.CharField(max_length=64, unique=True)
    phone_encrypted = models.CharField(max_length=120, blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    care_tags = models.CharField(
        _("care tags"), max_length=200, blank=True, help_text=_("comma-separated CareTag values")
    )

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        """Return the decrypted ID number (log the reveal; see `people.actions.reveal`)."""
        return cipher_for(settings.FIELD_ENCRYPTION_KEY).decrypt(self.id_number_encrypted)

    @property
    def phone(self) -> str:
        """Return the decrypted phone number, or an empty string."""
        if not self.phone_encrypted:
            return ""
        return cipher_for(settings.FIELD_ENCRYPTION_KEY).decrypt(self.phone_encrypted)

    @property
    def id_number_masked(self) -> str:
        return mask(self.id_number, 4, 4)

    @property
    def phone_masked(self) -> str:
        return mask(self.phone, 3, 4) if self.phone_encrypted else ""

    @property
    def tags(self) -> list[str]:
        return [tag for tag in self.care_tags.split(",") if tag]


class RevealLog(models.Model):
    """A staff member saw a resident's unmasked personal data."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff member")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="reveals", verbose_name=_("resident")
    )
    field = models.CharField(_("field"), max_length=20)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("reveal of personal data")
        verbose_name_plural = _("reveals of personal data")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.resident} · {self.field}"
