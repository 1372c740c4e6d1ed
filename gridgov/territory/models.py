"""District → street → community → grid, versioned grid boundaries, buildings and households."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class District(models.Model):
    """A county-level district (区/县), identified by its GB/T 2260 code."""

    code = models.CharField(_("code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    """A street office or town (街道/办事处/镇) inside a district."""

    class Kind(models.TextChoices):
        STREET = "street", _("street (街道)")
        OFFICE = "office", _("sub-district office (办事处)")
        TOWN = "town", _("town (镇)")

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="streets", verbose_name=_("district")
    )
    code = models.CharField(_("code"), max_length=9, unique=True, help_text=_("district code + 3 digits"))
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STREET)

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """A residents' community or village (社区/村) inside a street."""

    class Kind(models.TextChoices):
        COMMUNITY = "community", _("community (社区)")
        VILLAGE = "village", _("village (村)")

    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("street")
    )
    code = models.CharField(_("code"), max_length=12, unique=True, help_text=_("street code + 3 digits"))
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COMMUNITY)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    """A grid (网格): the stable identity; its shape lives in `GridBoundary`, one per generation."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community")
    )
    code = models.CharField(
        _("code"), max_length=15, unique=True, help_text=_("community code + 3-digit grid sequence")
    )
    name = models.CharField(_("name"), max_length=50)
    households = models.PositiveIntegerField(_("households"), default=0)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Generation(models.Model):
    """One import of grid boundaries; exactly one generation is active at a time."""

    created = models.DateTimeField(_("created"), auto_now_add=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    source = models.CharField(_("source file"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=False)

    class Meta:
        verbose_name = _("boundary generation")
        verbose_name_plural = _("boundary generations")
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="one_active_generation"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.description}"


class GridBoundary(models.Model):
    """The polygon of a grid in one generation, as GeoJSON in WGS-84 (lon, lat)."""

    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="boundaries", verbose_name=_("grid")
    )
    generation = models.ForeignKey(
        Generation, on_delete=models.PROTECT, related_name="boundaries", verbose_name=_("boundary generation")
    )
    geometry = models.JSONField(_("geometry"))
    area_m2 = models.FloatField(_("area (m²)"), default=0)

    class Meta:
        verbose_name = _("grid boundary")
        verbose_name_plural = _("grid boundaries")
        constraints = [
            models.UniqueConstraint(fields=["grid", "generation"], name="one_boundary_per_generation")
        ]

    def __str__(self) -> str:
        return f"{self.grid.code} · #{self.generation_id}"


class Building(models.Model):
    """A building (楼栋) with its address and a WGS-84 point; its grid is located from the point."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        related_name="buildings",
        null=True,
        blank=True,
        verbose_name=_("grid"),
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. 起重生活区2栋"))
    address = models.CharField(_("address"), max_length=200)
    address_key = models.CharField(_("normalised address"), max_length=200, db_index=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    floors = models.PositiveSmallIntegerField(_("floors"), default=6)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """A household (户) living at one unit and room of a building."""

    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, related_name="households", verbose_name=_("building")
    )
    unit = models.CharField(pgettext_lazy("household", "unit"), max_length=10, blank=True)
    room = models.CharField(_("room"), max_length=10)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(fields=["building", "unit", "room"], name="one_household_per_room")
        ]

    def __str__(self) -> str:
        unit = f"{self.unit}单元" if self.unit else ""
        return f"{self.building.name}{unit}{self.room}"
