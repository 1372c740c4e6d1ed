"""Admin for the outbox (read-only, with "retry now" for failed messages) and the in-app inbox."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gridgov.notify.models import InboxMessage, OutboxMessage
from gridgov.people.adminsite import ReadOnlyAdmin


class DeliveryFilter(admin.SimpleListFilter):
    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request: HttpRequest, model_admin: object) -> list[tuple[str, Any]]:
        return [("pending", _("pending")), ("sent", _("sent")), ("failed", _("failed"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> QuerySet[OutboxMessage]:
        if self.value() == "pending":
            return queryset.filter(sent_at__isnull=True, failed_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "failed":
            return queryset.filter(failed_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "channel",
        "recipient",
        "kind",
        "case",
        "created_at",
        "attempts",
        "state",
        "last_error",
    )
    list_filter = (DeliveryFilter, "channel", "kind")
    search_fields = ("recipient", "kind", "case__tracking_no")
    list_select_related = ("case",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    actions = ["retry_now"]

    @admin.display(description=_("state"))
    def state(self, message: OutboxMessage) -> str:
        if message.sent_at:
            return str(_("sent"))
        return str(_("failed")) if message.failed_at else str(_("pending"))

    @admin.action(description=_("Retry the selected failed or pending messages now"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = queryset.filter(sent_at__isnull=True).update(
            failed_at=None, attempts=0, available_at=timezone.now(), last_error=""
        )
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(InboxMessage)
class InboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("title", "user", "case", "created_at", "read_at")
    list_filter = ("read_at",)
    search_fields = ("title", "user__username", "user__full_name", "case__tracking_no")
    list_select_related = ("user", "case")
    date_hierarchy = "created_at"
