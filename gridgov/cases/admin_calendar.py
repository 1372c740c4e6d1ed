"""Admin for the work calendar: holidays and make-up workdays (next year's notice by hand), working periods.

A day saved here becomes a manual day, so `gridgov calendar_seed` never overwrites it. Saves and
deletes refresh the cached calendar (`gridgov.cases.calendar`) through model signals.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.db.models.functions import ExtractYear
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from gridgov.cases.models import CalendarDay, WorkPeriod
from gridgov.people.adminsite import PolicyModelAdmin


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = (
            CalendarDay.objects.annotate(year=ExtractYear("date"))
            .values_list("year", flat=True)
            .distinct()
            .order_by("-year")
        )
        return [(str(year), str(year)) for year in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> QuerySet[CalendarDay]:
        value = self.value()
        return queryset.filter(date__year=int(value)) if value and value.isdigit() else queryset


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ("date", "is_workday", "name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day: date | None = data.get("date")
        if day is not None and bool(data.get("is_workday")) == (day.weekday() < 5):
            raise forms.ValidationError(
                _("This day already is a %(kind)s by the weekly rule; store only days that differ.")
                % {"kind": _("workday") if day.weekday() < 5 else _("rest day")}
            )
        return data


@admin.register(CalendarDay)
class CalendarDayAdmin(PolicyModelAdmin):
    form = CalendarDayForm
    list_display = ("date", "weekday", "is_workday", "name", "source")
    list_filter = (YearFilter, "is_workday", "source")
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("-date",)

    @admin.display(description=_("weekday"))
    def weekday(self, day: CalendarDay) -> str:
        return date_format(day.date, "l")

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        # A day an administrator touched is theirs: the reseed leaves it alone.
        obj.source = CalendarDay.Source.MANUAL
        super().save_model(request, obj, form, change)


class WorkPeriodForm(forms.ModelForm):
    class Meta:
        model = WorkPeriod
        fields = ("start", "end")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            return data
        if end <= start:
            raise forms.ValidationError(_("A working period must end after it starts."))
        others = WorkPeriod.objects.exclude(pk=self.instance.pk)
        if others.filter(start__lt=end, end__gt=start).exists():
            raise forms.ValidationError(_("Working periods must not overlap."))
        return data


@admin.register(WorkPeriod)
class WorkPeriodAdmin(PolicyModelAdmin):
    form = WorkPeriodForm
    list_display = ("__str__", "start", "end")
