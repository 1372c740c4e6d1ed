"""API keys of the Open311 clients: an app or partner system that may file reports.

Only a digest of each key is stored: the key is shown once, when it is made, and a leaked database
gives nobody a working key. Keys are long random strings, so a plain SHA-256 digest suffices (slow
password hashes guard guessable secrets; these cannot be guessed).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A client's key: its name, the first characters to recognise it by, the digest, and its life."""

    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(_("key starts with"), max_length=12)
    digest = models.CharField(_("SHA-256 of the key"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["name", "created_at"]
        # A name may be reused once its earlier key is revoked.
        constraints = [
            models.UniqueConstraint(
                fields=["name"], name="open311_one_active_key_per_name", condition=models.Q(revoked_at=None)
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        """Return whether the key still opens the door."""
        return self.revoked_at is None
