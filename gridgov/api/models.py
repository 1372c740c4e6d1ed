"""API tokens: a staff member's key for the JSON API, stored only as its SHA-256 hash.

A token is shown once when it is issued (`gridgov api-token create`); the database keeps its hash and
a short prefix to tell tokens apart in lists. A leaked database therefore yields no usable token.
Tokens are long random strings, so a fast hash is enough (a slow password hash guards guessable
secrets, not 256 random bits).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A bearer token of one staff member; revoked tokens stay listed with the time they were revoked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("staff member"),
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("what the token is for, e.g. the app"))
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["user", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
