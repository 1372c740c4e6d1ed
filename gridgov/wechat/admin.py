"""Admin for the official account: drafts being told and messages answered (read-only; no phones, no tokens)."""

from __future__ import annotations

from django.contrib import admin

from gridgov.people.adminsite import ReadOnlyAdmin
from gridgov.wechat.models import Draft, SeenMessage


@admin.register(Draft)
class DraftAdmin(ReadOnlyAdmin):
    list_display = ("openid", "started_at", "updated_at", "place_label")
    fields = ("openid", "started_at", "updated_at", "description", "lon", "lat", "place_label")
    search_fields = ("openid",)
    ordering = ("-started_at",)


@admin.register(SeenMessage)
class SeenMessageAdmin(ReadOnlyAdmin):
    list_display = ("key", "openid", "received_at", "tracking_no")
    search_fields = ("key", "openid", "tracking_no")
    date_hierarchy = "received_at"
    ordering = ("-received_at",)
