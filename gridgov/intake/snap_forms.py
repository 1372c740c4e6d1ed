"""The form of the snap-and-report page: what a resident sends, checked for shape; the intake action checks the rest."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gridgov.cases.actions.intake import MAX_DESCRIPTION
from gridgov.cases.models import Case
from gridgov.cases.views.forms import MultipleFileInput, PhotosField, matter_categories
from gridgov.people.actions import clean_phone

# Phones offer the camera and the gallery for image/*; HEIC is named because some browsers don't count it.
PHOTO_TYPES = "image/*,.heic,.heif"


def category_choices() -> list[tuple[str, Any]]:
    """Return the active matters grouped by class, for the plain <select> a page without JavaScript shows."""
    rows = matter_categories().order_by("class_code", "code").values_list("class_name", "code", "name")
    grouped: list[tuple[str, Any]] = [("", _("— guess from the text —"))]
    for class_name, members in groupby(rows, key=lambda row: row[0]):
        grouped.append((class_name, [(code, name) for _class, code, name in members]))
    return grouped


# The point comes from the page's own map or the phone's position; a bad one was not typed by the resident.
BAD_POINT = {
    key: _("The position is not valid; set the point on the map again.")
    for key in ("invalid", "min_value", "max_value")
}


def _max_length(name: str) -> int:
    return int(getattr(Case._meta.get_field(name), "max_length", 0) or 0)


class SnapForm(forms.Form):
    """A resident's report: photos, the place (point or address), category, description, phone and name.

    Anonymous reporters must give a phone number: it is how they hear back and follow the case.
    """

    photos = PhotosField(label=_("Photos"), widget=MultipleFileInput(attrs={"accept": PHOTO_TYPES}))
    lon = forms.FloatField(
        required=False, widget=forms.HiddenInput, min_value=-180, max_value=180, error_messages=BAD_POINT
    )
    lat = forms.FloatField(
        required=False, widget=forms.HiddenInput, min_value=-90, max_value=90, error_messages=BAD_POINT
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=_max_length("address"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    category = forms.ChoiceField(label=_("Category"), choices=category_choices, required=False)
    description = forms.CharField(
        label=_("What is the matter?"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    reporter_phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    reporter_name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=_max_length("reporter_name"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def __init__(self, *args: Any, anonymous: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        phone = self.fields["reporter_phone"]
        phone.required = anonymous
        phone.error_messages["required"] = _("Give a phone number: anonymous reports need one to hear back.")

    def clean_address(self) -> str:
        # One spelling per address, so that the per-address limit counts "3栋 1单元" and "3栋  1单元" together.
        return " ".join(self.cleaned_data["address"].split())

    def clean_reporter_phone(self) -> str:
        return clean_phone(self.cleaned_data["reporter_phone"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lon") is None) != (data.get("lat") is None):
            raise ValidationError(_("The position is incomplete; locate again or give an address."))
        return data
