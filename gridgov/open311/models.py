"""API keys of the Open311 clients (an app or partner system that may file reports), and what each filed.

Only a digest of each key is stored: the key is shown once, when it is made, and a leaked database
gives nobody a working key. Keys are long random strings, so a plain SHA-256 digest suffices (slow
password hashes guard guessable secrets; these cannot be guessed).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.cases.models import Case


class ApiKey(models.Model):
    """A client's key: its name, the first characters to recognise it by, the digest, and its life."""

    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(_("key starts with"), max_length=12)
    digest = models.CharField(_("SHA-256 of the key"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # Empty: the default of GRIDGOV_OPEN311_KEY_LIMIT_HOUR; 0: no limit.
    hourly_limit = models.PositiveIntegerField(_("reports per hour"), null=True, blank=True)

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


class Filing(models.Model):
    """A report filed with a key: the case, the key, and when (a key's hourly limit counts these rows).

    `filed_at` repeats the case's `created_at`, so that the count of a key's last hour reads one
    index of this table instead of joining the cases.
    """

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("case")
    )
    key = models.ForeignKey(
        ApiKey,
        on_delete=models.PROTECT,
        related_name="filings",
        verbose_name=_("API key"),
        db_index=False,  # (key, filed_at) serves it
    )
    filed_at = models.DateTimeField(_("filed at"))

    class Meta:
        verbose_name = _("Open311 filing")
        verbose_name_plural = _("Open311 filings")
        indexes = [models.Index(fields=["key", "filed_at"], name="open311_filing_key_recent_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} ← {self.key_id}"
