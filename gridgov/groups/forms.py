"""Forms of the groups pages: they check input and never write (the views call `groups.actions`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gridgov.cases.actions.intake import MAX_DESCRIPTION
from gridgov.cases.views.forms import CategoryField, matter_categories
from gridgov.groups.actions import MAX_BODY, MAX_TITLE
from gridgov.groups.models import ServiceNotice, validate_webhook
from gridgov.territory.models import Grid


class RobotForm(forms.Form):
    """The grid's robot: its webhook address, and whether the grid's matters are posted."""

    webhook_url = forms.CharField(
        label=_("Webhook address"),
        max_length=300,
        validators=[validate_webhook],
        widget=forms.TextInput(
            attrs={
                "placeholder": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
                "autocomplete": "off",
            }
        ),
        help_text=_("In the group: ··· → Group robots → Add → copy the webhook address."),
    )
    active = forms.BooleanField(label=_("Post the grid's matters to the group"), required=False, initial=True)


class GridField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class MessageReportForm(forms.Form):
    """A report of a forwarded message, prefilled from it: text, place, category, the photo."""

    description = forms.CharField(
        label=_("What is the matter?"), max_length=MAX_DESCRIPTION, widget=forms.Textarea(attrs={"rows": 4})
    )
    grid = GridField(
        label=_("Grid"), queryset=Grid.objects.none(), to_field_name="code", required=False, empty_label=None
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        help_text=_("A building of the district; leave empty to place the report at the grid's centre."),
    )
    category = CategoryField(
        label=_("Category"),
        queryset=matter_categories(),
        required=False,
        empty_label=_("— guess from the text —"),
    )
    with_photo = forms.BooleanField(label=_("Attach the forwarded photo"), required=False, initial=True)

    def __init__(self, *args: Any, grids: QuerySet[Grid], photo: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids.order_by("code")  # type: ignore[attr-defined]
        if not photo:
            del self.fields["with_photo"]


class NoticeForm(forms.Form):
    """A service notice: what, when, and which grids (picked, or all the publisher's grids)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ServiceNotice.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    body = forms.CharField(
        label=_("Text"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What happens, where, and what residents should do."),
    )
    starts_at = forms.DateTimeField(
        label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    all_grids = forms.BooleanField(label=_("All my grids"), required=False)
    grids = forms.MultipleChoiceField(
        label=_("Grids"), required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )

    def __init__(self, *args: Any, grids: QuerySet[Grid], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed = grids
        field = self.fields["grids"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = _grouped(grids)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("all_grids"):
            data["chosen"] = list(self.allowed)
        else:
            codes = data.get("grids") or []
            data["chosen"] = list(self.allowed.filter(code__in=codes))
            if not codes and "grids" not in self.errors:
                self.add_error("grids", _("Choose at least one grid, or all your grids."))
        return data


def _grouped(grids: QuerySet[Grid]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return the grids as choices grouped by "street · community", in code order."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for grid in grids.select_related("community__street").order_by("code"):
        label = f"{grid.community.street.name} · {grid.community.name}"
        groups.setdefault(label, []).append((grid.code, grid.name))
    return list(groups.items())


class NoticeFilterForm(forms.Form):
    """The public page's filter: a grid code or a community."""

    grid = forms.CharField(label=_("Grid code"), max_length=15, required=False)
    community = forms.ChoiceField(label=_("Community"), required=False)

    def __init__(self, *args: Any, communities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("— all —")), *communities]
