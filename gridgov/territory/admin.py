"""Admin for the territory: streets, communities, grids (boundaries read-only), buildings, households.

Grids and their boundaries come from `gridgov import_grids` (one generation per import), so the
admin neither adds nor deletes grids and never edits a boundary; names and contact hooks it may change.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gridgov.lib.address import building_key
from gridgov.people.adminsite import PolicyModelAdmin, ReadOnlyAdmin, ReadOnlyInline
from gridgov.territory.models import (
    Building,
    Community,
    District,
    Generation,
    Grid,
    GridBoundary,
    Household,
    Street,
)


@admin.register(District)
class DistrictAdmin(PolicyModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Street)
class StreetAdmin(PolicyModelAdmin):
    list_display = ("code", "name", "kind", "district", "community_count")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    list_select_related = ("district",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Street]:
        return super().get_queryset(request).annotate(community_count=Count("communities"))

    @admin.display(description=_("communities"), ordering="community_count")
    def community_count(self, street: Street) -> int:
        return street.community_count  # type: ignore[attr-defined]


@admin.register(Community)
class CommunityAdmin(PolicyModelAdmin):
    list_display = ("code", "name", "kind", "street", "grid_count")
    list_filter = ("kind", "street")
    search_fields = ("code", "name", "street__name")
    list_select_related = ("street",)
    autocomplete_fields = ("street",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Community]:
        return super().get_queryset(request).annotate(grid_count=Count("grids"))

    @admin.display(description=_("grids"), ordering="grid_count")
    def grid_count(self, community: Community) -> int:
        return community.grid_count  # type: ignore[attr-defined]


class BoundaryInline(ReadOnlyInline):
    """The grid's shape in each generation; the JSON itself stays out of the page."""

    model = GridBoundary
    fields = ("generation", "generation_active", "area")
    readonly_fields = fields
    ordering = ("-generation__created",)

    @admin.display(description=_("area (m²)"))
    def area(self, boundary: GridBoundary) -> str:
        return f"{boundary.area_m2:,.0f}"

    @admin.display(description=_("active"), boolean=True)
    def generation_active(self, boundary: GridBoundary) -> bool:
        return boundary.generation.active

    def get_queryset(self, request: HttpRequest) -> QuerySet[GridBoundary]:
        return super().get_queryset(request).select_related("generation", "grid")


@admin.register(Grid)
class GridAdmin(PolicyModelAdmin):
    list_display = ("code", "name", "community", "street_name", "households")
    list_filter = ("community__street", "community")
    search_fields = ("code", "name", "community__name")
    list_select_related = ("community__street",)
    fields = ("code", "name", "community", "households")
    # The code and community are the grid's identity, fixed by the import.
    readonly_fields = ("code", "community")
    inlines = (BoundaryInline,)
    # A webhook typed without a scheme means https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("street"), ordering="community__street__code")
    def street_name(self, grid: Grid) -> str:
        return grid.community.street.name

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # grids arrive with their boundaries through `gridgov import_grids`

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Generation)
class GenerationAdmin(ReadOnlyAdmin):
    list_display = ("pk", "description", "source", "created", "active", "boundary_count")
    list_filter = ("active",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Generation]:
        return super().get_queryset(request).annotate(boundary_count=Count("boundaries"))

    @admin.display(description=_("grid boundaries"), ordering="boundary_count")
    def boundary_count(self, generation: Generation) -> int:
        return generation.boundary_count  # type: ignore[attr-defined]


@admin.register(Building)
class BuildingAdmin(PolicyModelAdmin):
    list_display = ("code", "name", "address", "community", "grid", "floors")
    list_filter = ("community__street", "community")
    search_fields = ("code", "name", "address", "address_key")
    list_select_related = ("community", "grid")
    autocomplete_fields = ("community", "grid")
    readonly_fields = ("address_key",)

    def save_model(self, request: HttpRequest, obj: Building, form: Any, change: bool) -> None:
        # The address index matches on this key; it must follow every change of the address.
        obj.address_key = building_key(obj.address)
        super().save_model(request, obj, form, change)


@admin.register(Household)
class HouseholdAdmin(PolicyModelAdmin):
    list_display = ("__str__", "building", "unit", "room", "resident_count")
    search_fields = ("building__name", "building__address", "room")
    list_select_related = ("building",)
    autocomplete_fields = ("building",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Household]:
        return super().get_queryset(request).annotate(resident_count=Count("residents"))

    @admin.display(description=_("residents"), ordering="resident_count")
    def resident_count(self, household: Household) -> int:
        return household.resident_count  # type: ignore[attr-defined]
