"""The routing explanation page: which rule sends a matter in a grid where, and why the others do not.

For dispatchers and administrators (`people.policy.roles`); a grid outside the user's areas answers
404, so its existence does not leak.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from gridgov.cases.categories import guess_category
from gridgov.cases.models import Category
from gridgov.cases.routing import auto_dispatch_target, route
from gridgov.people import policy
from gridgov.people.models import Role, User
from gridgov.territory.models import Grid

EXPLAIN_ROLES = frozenset({Role.DISPATCHER, Role.ADMIN})


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class ExplainForm(forms.Form):
    """Category, grid and report text of the case to route (all optional)."""

    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(kind=Category.Kind.MATTER, active=True).order_by("code"),
        required=False,
        empty_label=_("— guess from the text —"),
    )
    grid = forms.ModelChoiceField(
        label=_("Grid"), queryset=Grid.objects.none(), to_field_name="code", required=False
    )
    text = forms.CharField(
        label=_("Report text"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, data: Any, grids: QuerySet[Grid]) -> None:
        super().__init__(data)
        field = self.fields["grid"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = grids


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # LoginRequiredMiddleware lets only signed-in users here
    return user


def explain(request: HttpRequest) -> HttpResponse:
    """Show the routing decision for a category, grid and text, with every rule's reasons."""
    user = _user(request)
    if not policy.roles(user) & EXPLAIN_ROLES:
        raise PermissionDenied
    grids = policy.visible_grids(user).select_related("community__street").order_by("code")
    code = request.GET.get("grid", "").strip()
    if code and not grids.filter(code=code).exists():
        raise Http404
    form = ExplainForm(request.GET or None, grids)
    context: dict[str, Any] = {"form": form}
    if form.is_valid() and any(form.cleaned_data.values()):
        context.update(_decide(form.cleaned_data))
    return render(request, "cases/routing_explain.html", context)


def _decide(data: dict[str, Any]) -> dict[str, Any]:
    category, grid, text = data["category"], data["grid"], data["text"]
    guess = guess_category(text) if category is None and text else None
    if guess is not None:
        category = guess.category
    return {
        "category": category,
        "grid": grid,
        "guess": guess,
        "decision": route(category, grid, text),
        "auto_target": auto_dispatch_target(category, grid) if category else None,
    }
