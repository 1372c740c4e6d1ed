"""Admin for the Open311 API keys: a read-only list (keys are made and revoked with `gridgov open311-key`)."""

from __future__ import annotations

from django.contrib import admin

from gridgov.open311.models import ApiKey
from gridgov.people.adminsite import ReadOnlyAdmin


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    # The digest stays out of sight too: it is all that checks a key.
    list_display = ("name", "prefix", "hourly_limit", "created_at", "revoked_at")
    fields = ("name", "prefix", "hourly_limit", "created_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix")
    ordering = ("name", "-created_at")
