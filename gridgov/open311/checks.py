"""System checks of the Open311 settings: a key limit below zero is a mistake, not "no limit"."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_open311_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Refuse a negative GRIDGOV_OPEN311_KEY_LIMIT_HOUR (0 is the way to turn the limit off)."""
    if settings.GRIDGOV_OPEN311_KEY_LIMIT_HOUR < 0:
        return [
            Error(
                "GRIDGOV_OPEN311_KEY_LIMIT_HOUR must be 0 (no limit) or a number of reports an hour",
                id="open311.E001",
            )
        ]
    return []
