from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "gridgov.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # Connect the signals that refresh the cached work calendar and time limits on edits.
        from gridgov.cases import calendar, clock  # noqa: F401
