"""Forms of the case pages: they check the input of a move and never change state (the views call actions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from gridgov.cases.actions.common import MAX_NOTE
from gridgov.cases.actions.requests import MAX_EXTENSION
from gridgov.cases.evidence import MAX_BYTES
from gridgov.cases.models import Category, Rating, TimeUnit, Urgency
from gridgov.people.models import Department

MAX_PHOTOS = 9
MAX_OUTCOME = 1_000_000
IMAGE_TYPES = "image/jpeg,image/png,image/webp"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one file input; the actions check that each is an image (by its content)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": IMAGE_TYPES}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if self.required and not files:
            raise ValidationError(_("Add at least one photo."), code="required")
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("Add at most %(max)d photos.") % {"max": MAX_PHOTOS}, code="too_many")
        for upload in files:
            # Refuse the obvious early; the content check happens in the action.
            if getattr(upload, "size", 0) > MAX_BYTES:
                raise ValidationError(
                    _("%(name)s: the file is larger than 10 MB.") % {"name": upload.name}, code="too_large"
                )
        return files


NOTE = _("Note")


def note_field(label: Any = NOTE, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def outcome_field() -> forms.IntegerField:
    return forms.IntegerField(label=_("Outcome quantity"), required=False, min_value=0, max_value=MAX_OUTCOME)


class CategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


def matter_categories() -> Any:
    return Category.objects.filter(kind=Category.Kind.MATTER, active=True).order_by("code")


def urgency_field(*, required: bool = False) -> forms.ChoiceField:
    choices = [("", _("— as reported —"))] if not required else []
    return forms.ChoiceField(label=_("Urgency"), choices=[*choices, *Urgency.choices], required=required)


# --- moves -----------------------------------------------------------------------------------------


class NoteOnlyForm(forms.Form):
    """A move that needs nothing but an optional note (sign for, take into the grid, approve …)."""

    note = note_field()


class ReasonForm(forms.Form):
    """A move that needs a reason (reject, return, escalate, rework, deny, void, reopen)."""

    reason = note_field(_("Reason"), required=True)


class AcceptForm(forms.Form):
    """Register a report, correcting its category or urgency."""

    category = CategoryField(
        label=_("Category"), queryset=matter_categories(), required=False, empty_label=_("— as suggested —")
    )
    urgency = urgency_field()
    note = note_field()


class DispatchForm(forms.Form):
    """Choose the lead and assisting departments; an empty lead means "as routed"."""

    lead = forms.ModelChoiceField(
        label=_("Lead department"),
        queryset=Department.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("— as routed —"),
    )
    assists = forms.ModelMultipleChoiceField(
        label=_("Assisting departments"),
        queryset=Department.objects.order_by("code"),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    note = note_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("assists") and not data.get("lead"):
            raise ValidationError(_("Choose the lead department when you choose assisting ones."))
        return data


class AcceptDispatchForm(DispatchForm):
    """Register a report and dispatch it in one step (the console's one click)."""

    category = AcceptForm.base_fields["category"]
    urgency = urgency_field()
    field_order = ["category", "urgency", "lead", "assists", "note"]


class MergeForm(forms.Form):
    into = forms.CharField(label=_("Tracking number of the case to merge into"), max_length=20)
    note = note_field()

    def clean_into(self) -> str:
        return self.cleaned_data["into"].strip().upper()


class ExtensionForm(forms.Form):
    amount = forms.IntegerField(label=_("Amount"), min_value=1, max_value=MAX_EXTENSION)
    unit = forms.ChoiceField(label=_("Unit"), choices=TimeUnit.choices, initial=TimeUnit.WORK_DAYS)
    reason = note_field(_("Reason"), required=True)


class ReportDoneForm(forms.Form):
    photos = PhotosField(label=_("Photos after handling"))
    before = PhotosField(label=_("Photos before handling"))
    outcome_quantity = outcome_field()
    note = note_field()


class SolveForm(forms.Form):
    photos = PhotosField(label=_("Evidence photos"), required=True)
    outcome_quantity = outcome_field()
    note = note_field()


class VerifyPassForm(forms.Form):
    photos = PhotosField(label=_("Photos on the spot"))
    outcome_quantity = outcome_field()
    note = note_field()


class VerifyFailForm(forms.Form):
    reason = note_field(_("What must be redone"), required=True)
    photos = PhotosField(label=_("Photos on the spot"))


class TaskDoneForm(forms.Form):
    note = note_field()
    photos = PhotosField(label=_("Photos"))


class ProgressNoteForm(forms.Form):
    text = note_field(_("Progress note"), required=True)
    public = forms.BooleanField(label=_("Tell the reporter"), required=False, initial=True)


class UrgeForm(forms.Form):
    text = note_field(_("Message"))


class RateForm(forms.Form):
    rating = forms.ChoiceField(label=_("Your rating"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = note_field(_("Comment"))


# --- reporting and tracking ------------------------------------------------------------------------


class QuickReportForm(forms.Form):
    """A grid worker's report from the street: text, category, photos, the phone's position or an address."""

    description = forms.CharField(
        label=_("What is the matter?"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    category = CategoryField(
        label=_("Category"),
        queryset=matter_categories(),
        required=False,
        empty_label=_("— guess from the text —"),
    )
    urgency = urgency_field()
    photos = PhotosField(label=_("Photos"))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lon") is None) != (data.get("lat") is None):
            raise ValidationError(_("The position is incomplete; locate again or give an address."))
        if data.get("lon") is None and not (data.get("address") or "").strip():
            raise ValidationError(_("Give the place: use your position or type an address."))
        return data


class TrackForm(forms.Form):
    tracking_no = forms.CharField(
        label=_("Tracking number"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    last4 = forms.CharField(
        label=_("Last four digits of your phone"),
        min_length=4,
        max_length=4,
        validators=[RegexValidator(r"^\d{4}$", _("Enter four digits."))],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": r"\d{4}"}),
    )
