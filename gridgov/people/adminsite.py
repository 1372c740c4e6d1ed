"""The admin site, gated by the permission policy rather than by Django's per-model permissions.

`gridgov.people.admin_app.GridgovAdminConfig` (in INSTALLED_APPS instead of `django.contrib.admin`) makes
this the default site, so `admin.site` is this site everywhere.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


def may_administer(user: Any) -> bool:
    """Tell whether the user may use the admin site (an active administrator per the policy)."""
    from gridgov.people import policy

    return bool(user.is_authenticated and user.is_active and policy.can_administer(user))


class PolicyAuthenticationForm(AdminAuthenticationForm):
    """The admin login form, asking the policy instead of the `is_staff` flag."""

    def confirm_login_allowed(self, user: Any) -> None:
        if not may_administer(user):
            raise ValidationError(_("This account has no administrator post."), code="invalid_login")


class GridgovAdminSite(admin.AdminSite):
    site_header = _("gridgov administration")
    site_title = _("gridgov administration")
    index_title = _("Territory, people and rules")
    login_form = PolicyAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        return may_administer(request.user)


class PolicyModelAdmin(admin.ModelAdmin):
    """A model admin whose every permission is "the user administers" (no per-model grants)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_administer(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_administer(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_administer(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_administer(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_administer(request.user)


class ReadOnlyAdmin(PolicyModelAdmin):
    """A model admin that shows records written elsewhere (imports, actions) and changes nothing."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """An inline listing related records without add, change or delete."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_administer(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
