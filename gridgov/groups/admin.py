"""Admin for group robots and staff WeCom accounts (edited here); messages and notices are shown read-only.

Notices are published and withdrawn on their page (`groups:notices`), which queues the group
posts in the same transaction; an admin form saving them directly would skip the posts.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from gridgov.groups.models import GroupMessage, GroupRobot, ServiceNotice, WecomAccount
from gridgov.people.adminsite import PolicyModelAdmin, ReadOnlyAdmin
from gridgov.people.models import User


@admin.register(GroupRobot)
class GroupRobotAdmin(PolicyModelAdmin):
    list_display = ("grid", "masked_key", "active", "updated_at", "updated_by")
    list_filter = ("active",)
    search_fields = ("grid__code", "grid__name")
    list_select_related = ("grid", "updated_by")
    autocomplete_fields = ("grid",)
    fields = ("grid", "webhook_url", "active")

    def save_model(self, request: HttpRequest, obj: GroupRobot, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)  # the admin site admits only signed-in administrators
        obj.updated_at, obj.updated_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)


@admin.register(WecomAccount)
class WecomAccountAdmin(PolicyModelAdmin):
    list_display = ("userid", "user")
    search_fields = ("userid", "user__username", "user__full_name")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)


@admin.register(GroupMessage)
class GroupMessageAdmin(ReadOnlyAdmin):
    list_display = ("msg_id", "sender_userid", "grid", "kind", "sent_at", "case")
    list_filter = ("kind",)
    search_fields = ("msg_id", "sender_userid", "grid__code", "case__tracking_no")
    list_select_related = ("grid", "case")
    date_hierarchy = "received_at"


@admin.register(ServiceNotice)
class ServiceNoticeAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "starts_at", "ends_at", "published_by", "withdrawn_at")
    list_filter = ("kind",)
    search_fields = ("title", "body")
    list_select_related = ("published_by",)
    date_hierarchy = "starts_at"
