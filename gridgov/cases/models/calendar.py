"""The work calendar: statutory holidays, make-up workdays and working hours."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A day that differs from the weekly rule: a holiday on a weekday or a make-up workday."""

    class Source(models.TextChoices):
        SEEDED = "seeded", _("seeded from the statutory calendar")
        MANUAL = "manual", _("entered by an administrator")

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("workday"))
    name = models.CharField(_("name"), max_length=50, blank=True, help_text=_("e.g. 国庆节, 调休上班"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class WorkPeriod(models.Model):
    """A daily working period (e.g. 08:30–12:00); working hours count only inside periods."""

    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="period_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"
