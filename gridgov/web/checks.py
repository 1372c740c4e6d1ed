"""System checks that refuse unsafe production settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from gridgov.lib.crypto import cipher_for


@register(Tags.security, deploy=False)
def check_production_settings(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Refuse a malformed field key always, and the development keys and open hosts when DEBUG is off."""
    errors = []
    try:
        cipher_for(settings.FIELD_ENCRYPTION_KEY)
    except ValueError as exc:
        errors.append(
            Error(
                f"GRIDGOV_FIELD_KEY is unusable: {exc}.",
                hint="Generate one with `gridgov field_key`.",
                id="gridgov.E004",
            )
        )
    if settings.DEBUG:
        return errors
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY or len(settings.SECRET_KEY) < 40:
        errors.append(
            Error(
                "SECRET_KEY is the development key or shorter than 40 characters.",
                hint="Set SECRET_KEY in the environment (see .env.example).",
                id="gridgov.E001",
            )
        )
    if settings.FIELD_ENCRYPTION_KEY == settings.DEV_FIELD_KEY:
        errors.append(
            Error(
                "GRIDGOV_FIELD_KEY is the development key; personal data would be readable by anyone.",
                hint="Generate one with `gridgov field_key` and keep it safe: lost, the data is lost.",
                id="gridgov.E002",
            )
        )
    if not settings.ALLOWED_HOSTS or "*" in settings.ALLOWED_HOSTS:
        errors.append(
            Error(
                "ALLOWED_HOSTS is empty or contains '*'.",
                hint="List the host names this server answers to.",
                id="gridgov.E003",
            )
        )
    return errors
