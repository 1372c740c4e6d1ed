"""Routing rules: (category or class) × area × keywords → lead and assisting targets."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.cases.models.categories import Category
from gridgov.territory.models import Community, Grid, Street


class RoutingRule(models.Model):
    """A rule an administrator edits; the most specific matching rule wins, then priority.

    A target is `dept:<department code>` or `role:<grid-team role>` ("the cleaner of the case's grid").
    """

    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rules",
        verbose_name=_("category"),
    )
    class_code = models.CharField(_("class code"), max_length=4, blank=True)
    street = models.ForeignKey(
        Street, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("street")
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("grid")
    )
    keywords = models.CharField(
        _("keywords"), max_length=200, blank=True, help_text=_("comma-separated; any one must appear")
    )
    lead = models.CharField(_("lead target"), max_length=60)
    assists = models.JSONField(_("assisting targets"), default=list, blank=True)
    priority = models.IntegerField(_("priority"), default=0)
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["-priority", "name"]

    def __str__(self) -> str:
        return self.name
