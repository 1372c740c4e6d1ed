from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "gridgov.groups"
    label = "groups"
    verbose_name = _("Grid groups and notices")

    def ready(self) -> None:
        # Registers the deliverer of the outbox channel "wecom" with the notify worker.
        from gridgov.groups import delivery  # noqa: F401
