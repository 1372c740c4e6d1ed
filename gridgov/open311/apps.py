from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "gridgov.open311"
    label = "open311"
    verbose_name = _("Open311")

    def ready(self) -> None:
        # Registers the settings checks.
        from gridgov.open311 import checks  # noqa: F401
