"""Admin for categories with their time limits, default time limits and routing rules.

Standard categories keep their code, kind and class: `gridgov load_categories` refreshes names,
synonyms and hints from the reference files; everything else is the administrators'.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gridgov.cases.models import Category, RoutingRule, TimeLimit
from gridgov.cases.routing import save_rule, validate_rule
from gridgov.people.adminsite import PolicyModelAdmin, may_administer
from gridgov.people.models import Role
from gridgov.people.policy import GRID_ROLES


class PolicyInline(admin.TabularInline):
    """An editable inline whose every permission is "the user administers"."""

    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_administer(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_administer(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_administer(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_administer(request.user)


def _grid_role_choices() -> list[tuple[str, str]]:
    roles = [role for role in Role.values if role in GRID_ROLES]
    return [("", "—"), *((role, str(Role(role).label)) for role in roles)]


# --- categories and time limits --------------------------------------------------------------------


class TimeLimitInline(PolicyInline):
    model = TimeLimit
    fields = ("urgency", "stage", "amount", "unit")
    verbose_name_plural = _("time limits of this category (stages without one use the defaults)")


class CategoryForm(forms.ModelForm):
    auto_dispatch_role = forms.TypedChoiceField(
        label=_("dispatch automatically to the grid's"),
        choices=_grid_role_choices,
        required=False,
        help_text=_("a grid-team role; empty means a dispatcher decides"),
    )

    class Meta:
        model = Category
        fields = (
            "code",
            "kind",
            "domain",
            "class_code",
            "class_name",
            "name",
            "active",
            "synonyms",
            "hint",
            "confusable_with",
            "default_urgency",
            "outcome_unit",
            "suggested_department",
            "auto_dispatch_role",
            "register_condition",
            "close_condition",
        )


@admin.register(Category)
class CategoryAdmin(PolicyModelAdmin):
    form = CategoryForm
    list_display = (
        "code",
        "name",
        "kind",
        "domain",
        "class_name",
        "default_urgency",
        "outcome_unit",
        "auto_dispatch_role",
        "standard",
        "active",
    )
    list_filter = ("domain", "kind", "class_name", "default_urgency", "standard", "active")
    search_fields = ("code", "name", "synonyms")
    ordering = ("kind", "code")
    inlines = (TimeLimitInline,)
    fieldsets = (
        (None, {"fields": ("code", "kind", "domain", "class_code", "class_name", "name", "active")}),
        (_("Recognition"), {"fields": ("synonyms", "hint", "confusable_with")}),
        (
            _("Handling"),
            {
                "fields": (
                    "default_urgency",
                    "outcome_unit",
                    "suggested_department",
                    "auto_dispatch_role",
                    "register_condition",
                    "close_condition",
                )
            },
        ),
        (_("Source"), {"fields": ("standard",)}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The standard's identity is not ours to change; a local category is a new row.
        if obj is not None and obj.standard:
            return ("code", "kind", "class_code", "standard")
        return ("standard",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Standard rows come back on the next load; deactivate them instead.
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.standard)


class DefaultLimitFilter(admin.SimpleListFilter):
    title = _("applies to")
    parameter_name = "applies_to"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("default", _("defaults (every category)")), ("category", _("one category"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "default":
            return queryset.filter(category__isnull=True)
        if self.value() == "category":
            return queryset.filter(category__isnull=False)
        return queryset


@admin.register(TimeLimit)
class TimeLimitAdmin(PolicyModelAdmin):
    list_display = ("__str__", "category", "urgency", "stage", "amount", "unit")
    list_editable = ("amount", "unit")
    list_filter = (DefaultLimitFilter, "urgency", "stage", "unit")
    search_fields = ("category__code", "category__name")
    autocomplete_fields = ("category",)
    list_select_related = ("category",)
    ordering = ("category__code", "urgency", "stage")


# --- routing rules ---------------------------------------------------------------------------------

_TARGET_SEPARATORS = re.compile(r"[,，、;；\s]+")


class TargetListField(forms.CharField):
    """Assisting targets typed as `dept:zjj, role:police` and stored as a JSON list."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return value
        return [part for part in _TARGET_SEPARATORS.split(super().to_python(value) or "") if part]


class RoutingRuleForm(forms.ModelForm):
    assists = TargetListField(
        label=_("assisting targets"),
        required=False,
        help_text=_("comma-separated, e.g. dept:zjj, role:police"),
    )

    class Meta:
        model = RoutingRule
        fields = (
            "name",
            "active",
            "priority",
            "note",
            "category",
            "class_code",
            "street",
            "community",
            "grid",
            "keywords",
            "lead",
            "assists",
        )
        help_texts = {
            "lead": _("dept:<department code> or role:<grid-team role>, e.g. role:cleaner"),
            "class_code": _("e.g. 06 or S01; leave empty when a category is chosen"),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data  # field errors first: the rule is checked as a whole once its fields are valid
        fields = {name: data.get(name) for name in self._meta.fields or () if name in data}
        validate_rule(RoutingRule(pk=self.instance.pk, **fields))
        return data


@admin.register(RoutingRule)
class RoutingRuleAdmin(PolicyModelAdmin):
    form = RoutingRuleForm
    list_display = ("name", "applies_to", "area", "keywords", "lead", "assist_list", "priority", "active")
    list_filter = ("active", "class_code")
    search_fields = ("name", "keywords", "lead", "category__code", "category__name", "note")
    autocomplete_fields = ("category", "street", "community", "grid")
    list_select_related = ("category", "street", "community", "grid")
    fieldsets = (
        (None, {"fields": ("name", "active", "priority", "note")}),
        (_("When"), {"fields": ("category", "class_code", "street", "community", "grid", "keywords")}),
        (_("Who"), {"fields": ("lead", "assists")}),
    )

    @admin.display(description=_("category or class"))
    def applies_to(self, rule: RoutingRule) -> str:
        if rule.category:
            return str(rule.category)
        return str(_("class %(code)s") % {"code": rule.class_code}) if rule.class_code else "—"

    @admin.display(description=_("area"))
    def area(self, rule: RoutingRule) -> str:
        return str(rule.grid or rule.community or rule.street or "—")

    @admin.display(description=_("assisting targets"))
    def assist_list(self, rule: RoutingRule) -> str:
        return ", ".join(rule.assists) if isinstance(rule.assists, list) else ""

    def save_model(self, request: HttpRequest, obj: RoutingRule, form: Any, change: bool) -> None:
        save_rule(obj)


# --- calendar: calendar days and working periods ----------------------------------------------------

from gridgov.cases import admin_calendar  # noqa: E402, F401  (registers calendar days and working periods)
