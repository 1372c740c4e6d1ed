"""What the staff intake forms share (patrol on a phone, the hotline clerk's desk): the place, the category, errors.

Both forms end in `cases.actions`; the views here only check the input's shape, show the actions'
errors on the fields they concern, and draw the place picker (the phone's position, a map pin or an
address) and the category search. The pages are `gridgov.intake.patrol` and `gridgov.intake.hotline`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.cases.actions import MoveRefused
from gridgov.cases.actions.common import MAX_NOTE
from gridgov.cases.actions.intake import MAX_DESCRIPTION
from gridgov.cases.models import Category, Urgency
from gridgov.cases.views.common import refusal_text
from gridgov.lib.coords import Crs
from gridgov.territory.models import Grid
from gridgov.web.maps import boundary_features, map_options

# The coordinate systems a point may come in: the phone's GPS gives WGS-84; a pin set on Chinese
# tiles (settings MAP_TILES_CRS) is GCJ-02, converted by `report_case`.
CRS_CHOICES = [(Crs.WGS84.value, "WGS-84"), (Crs.GCJ02.value, "GCJ-02")]
_BAD_POINT = _("The position is not a valid coordinate; locate again, set a pin or give an address.")
OUT_OF_RANGE = {"invalid": _BAD_POINT, "min_value": _BAD_POINT, "max_value": _BAD_POINT}


class MatterField(forms.ModelChoiceField):
    """An active matter category (事项), chosen by its code (the category search answers with codes)."""

    def __init__(self, **kwargs: Any) -> None:
        queryset = Category.objects.filter(kind=Category.Kind.MATTER, active=True).order_by("code")
        kwargs.setdefault("label", _("Category"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("empty_label", _("— guess from the text —"))
        super().__init__(queryset=queryset, to_field_name="code", **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.code}"


def urgency_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Urgency"),
        choices=[("", _("as the category says")), *Urgency.choices],
        required=False,
    )


def description_field(label: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=MAX_DESCRIPTION, widget=forms.Textarea(attrs={"rows": 3}))


def note_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 2})
    )


class PlaceForm(forms.Form):
    """The place of a report: a point (the phone's position or a map pin) or an address."""

    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    lon = forms.FloatField(
        required=False, widget=forms.HiddenInput, min_value=-180, max_value=180, error_messages=OUT_OF_RANGE
    )
    lat = forms.FloatField(
        required=False, widget=forms.HiddenInput, min_value=-90, max_value=90, error_messages=OUT_OF_RANGE
    )
    crs = forms.ChoiceField(required=False, choices=CRS_CHOICES, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lon") is None) != (data.get("lat") is None):
            raise ValidationError(
                _("The position is incomplete; locate again, set a pin or give an address.")
            )
        if data.get("lon") is None and not (data.get("address") or "").strip():
            raise ValidationError(_("Give the place: your position, a pin on the map or an address."))
        data["crs"] = data.get("crs") or Crs.WGS84.value
        return data


def show_errors(form: forms.Form, exc: Exception, aliases: dict[str, str] | None = None) -> None:
    """Show an action's refusal on the form: each error on its field (by name or alias), the rest above."""
    if isinstance(exc, MoveRefused) or not hasattr(exc, "error_dict"):
        form.add_error(None, refusal_text(exc))
        return
    assert isinstance(exc, ValidationError)
    for name, messages in exc.message_dict.items():
        field = (aliases or {}).get(name, name)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def category_search_url() -> str:
    """Return the URL of the category search (`intake:category_search`), or "" while it is not installed."""
    try:
        return reverse("intake:category_search")
    except NoReverseMatch:
        return ""


def place_context(grids: list[Grid]) -> dict[str, Any]:
    """Return what the place picker draws: the grids' boundaries and the map settings."""
    return {"place_boundaries": boundary_features(grids, link=False), "map_options": map_options()}


def start_of_today() -> datetime:
    """Return midnight of today in the site's time zone (Asia/Shanghai)."""
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
