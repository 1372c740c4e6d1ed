"""Categories of matters (GB/T 47678.5 plus local extensions) and their time limits."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Domain(models.TextChoices):
    CITY = "city", _("city management")
    SOCIAL = "social", _("social governance")
    LIVELIHOOD = "livelihood", _("livelihood services")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("normal")
    URGENT = "urgent", _("urgent")
    # Lost child, gas smell, a tree fallen across a road: the grid team and police at once, in minutes.
    EMERGENCY = "emergency", _("emergency")


class Category(models.Model):
    """A kind of component or matter; cases are classified by matter categories."""

    class Kind(models.TextChoices):
        COMPONENT = "component", _("component (部件)")
        MATTER = "matter", _("matter (事项)")

    code = models.CharField(_("code"), max_length=10)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MATTER)
    domain = models.CharField(_("domain"), max_length=12, choices=Domain.choices, default=Domain.CITY)
    class_code = models.CharField(_("class code"), max_length=4)
    class_name = models.CharField(_("class"), max_length=50)
    name = models.CharField(_("name"), max_length=80)
    synonyms = models.CharField(_("synonyms"), max_length=300, blank=True, help_text=_("separated by |"))
    hint = models.TextField(_("classification hint"), blank=True)
    confusable_with = models.CharField(_("confusable with"), max_length=100, blank=True)
    suggested_department = models.CharField(_("suggested department"), max_length=100, blank=True)
    default_urgency = models.CharField(
        _("default urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    outcome_unit = models.CharField(
        _("outcome unit"), max_length=10, default="处", help_text=_("棵, 处, 起, 个 …")
    )
    register_condition = models.TextField(_("registration condition (立案条件)"), blank=True)
    close_condition = models.TextField(_("closing condition (结案条件)"), blank=True)
    auto_dispatch_role = models.CharField(
        _("dispatch automatically to the grid's"),
        max_length=30,
        blank=True,
        help_text=_("a grid-team role; empty means a dispatcher decides"),
    )
    standard = models.BooleanField(_("from the national standard"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["kind", "code"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="category_kind_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TimeUnit(models.TextChoices):
    WORK_HOURS = "work_hours", _("working hours")
    WORK_DAYS = "work_days", _("working days")
    NATURAL_HOURS = "natural_hours", _("natural hours")
    MINUTES = "minutes", _("minutes")


class TimeLimit(models.Model):
    """How long a stage may take; a row without category is the default for its urgency."""

    class Stage(models.TextChoices):
        ACCEPT = "accept", _("acceptance")
        DISPATCH = "dispatch", _("dispatch")
        SIGN = "sign", _("sign for")
        HANDLE = "handle", _("handling")
        VERIFY = "verify", _("verification")
        WHOLE = "whole", _("whole case")

    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="time_limits",
        verbose_name=_("category"),
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(pgettext_lazy("time limit", "unit"), max_length=15, choices=TimeUnit.choices)

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        # Two partial constraints rather than NULLS NOT DISTINCT, which SQLite lacks.
        constraints = [
            models.UniqueConstraint(
                fields=["category", "urgency", "stage"],
                name="one_limit_per_stage",
                condition=models.Q(category__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["urgency", "stage"],
                name="one_default_limit_per_stage",
                condition=models.Q(category__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.amount} {self.get_unit_display()}"
