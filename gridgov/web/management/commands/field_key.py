"""`gridgov field_key`: print a new random key for GRIDGOV_FIELD_KEY (personal data encryption)."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

KEY_BYTES = 32


def new_field_key() -> str:
    """Return 32 random bytes as URL-safe base64, the form `gridgov.lib.crypto.FieldCipher` takes."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


class Command(BaseCommand):
    help = gettext_noop(
        "Print a new random key for GRIDGOV_FIELD_KEY. Keep it safe: without it the encrypted ID numbers "
        "and phones cannot be read."
    )
    # A fresh deployment needs the key before its settings pass the checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = _(self.help)

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(new_field_key())
