"""Admin for departments, staff, posts, residents and the reveal log; every write calls an action.

Residents show only masked ID numbers and phones; their forms never show a clear value (that
would be a reveal without a log entry).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gridgov.people import actions
from gridgov.people.adminsite import PolicyModelAdmin, ReadOnlyAdmin, ReadOnlyInline, may_administer
from gridgov.people.models import CareTag, Department, Post, Resident, RevealLog, Role, User


def _actor(request: HttpRequest) -> User:
    """Return the signed-in administrator acting through the admin site."""
    user = request.user
    assert isinstance(user, User)  # the admin site admits only signed-in administrators
    return user


def _copy_saved(target: Model, saved: Model) -> None:
    """Copy the row an action saved onto the object the admin logs and redirects with."""
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False


# --- departments -----------------------------------------------------------------------------------


@admin.register(Department)
class DepartmentAdmin(PolicyModelAdmin):
    list_display = ("code", "name", "kind", "parent", "phone")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)


# --- staff and posts -------------------------------------------------------------------------------


class StaffPhoneMixin:
    """Check the work phone as the actions will, so a bad number is a form error, not a crash."""

    cleaned_data: dict[str, Any]

    def clean_phone(self) -> str:
        return actions.clean_phone(self.cleaned_data.get("phone", ""))


class StaffCreationForm(StaffPhoneMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "phone")


class StaffChangeForm(StaffPhoneMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class PostInline(ReadOnlyInline):
    model = Post
    fk_name = "user"
    fields = ("role", "level", "scope_name", "active", "started_at", "ended_at")
    readonly_fields = fields
    ordering = ("-active", "-started_at")
    verbose_name_plural = _("posts (add one under People › Posts; end one there)")

    @admin.display(description=_("scope"))
    def scope_name(self, post: Post) -> str:
        return str(post.scope)


class ActivePostRoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(Role.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in Role.values:
            return queryset.filter(posts__role=self.value(), posts__active=True).distinct()
        return queryset


@admin.register(User)
class StaffAdmin(PolicyModelAdmin, UserAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Profile"),
            {
                "fields": (
                    "full_name",
                    "phone",
                    "education",
                    "birth_year",
                    "passed_exam",
                    "social_work_certificate",
                    "started_on",
                )
            },
        ),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "phone", "usable_password", "password1", "password2"),
            },
        ),
    )
    # is_staff follows the administrator post (see actions.assign_post); superusers are made by command.
    readonly_fields = ("is_staff", "is_superuser", "last_login", "date_joined")
    list_display = ("username", "full_name", "phone", "post_summary", "education", "passed_exam", "is_active")
    list_filter = (ActivePostRoleFilter, "education", "passed_exam", "social_work_certificate", "is_active")
    search_fields = ("username", "full_name", "phone")
    ordering = ("username",)
    filter_horizontal = ()
    inlines = (PostInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("posts")

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return self.inlines if obj is not None else ()  # a new member has no posts yet

    @admin.display(description=_("active posts"))
    def post_summary(self, user: User) -> str:
        return "、".join(post.get_role_display() for post in user.posts.all() if post.active)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        by = _actor(request)
        profile = {
            name: form.cleaned_data[name]
            for name in actions.STAFF_PROFILE_FIELDS
            if name in form.cleaned_data
        }
        if change:
            changed = {name: value for name, value in profile.items() if name in form.changed_data}
            if "is_active" in form.changed_data:
                changed["is_active"] = form.cleaned_data["is_active"]
            actions.update_staff(obj, by=by, **changed)
            return
        full_name = profile.pop("full_name", "")
        password = (
            form.cleaned_data.get("password1") if form.cleaned_data.get("usable_password", True) else None
        )
        user = actions.create_staff(
            form.cleaned_data["username"],
            full_name,
            by=by,
            password=password or None,
            **profile,
        )
        _copy_saved(obj, user)


class AssignPostForm(forms.ModelForm):
    """Choose a user, a role and exactly one scope; the level follows from the scope."""

    class Meta:
        model = Post
        fields = ("user", "role", "grid", "community", "street", "district", "department")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scopes = [data.get(name) for name in ("grid", "community", "street", "district", "department")]
        chosen = [scope for scope in scopes if scope is not None]
        if len(chosen) != 1:
            raise ValidationError(
                _("Choose exactly one scope: a grid, community, street, district or department.")
            )
        if data.get("user") and data.get("role"):
            actions.clean_post(data["user"], data["role"], chosen[0])
        data["scope"] = chosen[0]
        return data


@admin.register(Post)
class PostAdmin(PolicyModelAdmin):
    form = AssignPostForm
    list_display = ("user", "role", "level", "scope_name", "active", "started_at", "ended_at", "assigned_by")
    list_filter = ("active", "role", "level")
    search_fields = ("user__username", "user__full_name", "grid__code", "grid__name", "department__name")
    list_select_related = ("user", "grid", "community", "street", "district", "department", "assigned_by")
    autocomplete_fields = ("user", "grid", "community", "street", "department")
    date_hierarchy = "started_at"
    actions = ("end_posts",)

    @admin.display(description=_("scope"))
    def scope_name(self, post: Post) -> str:
        return str(post.scope)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Posts are history: they are assigned and ended, never edited (the list still shows them).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Post, form: Any, change: bool) -> None:
        data = form.cleaned_data
        post = actions.assign_post(data["user"], data["role"], data["scope"], by=_actor(request))
        _copy_saved(obj, post)

    @admin.action(description=_("End the selected posts"))
    def end_posts(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        ended = 0
        for post in queryset.filter(active=True).select_related("user"):
            try:
                actions.end_post(post, by=_actor(request))
            except ValidationError:
                continue  # another administrator ended it meanwhile
            ended += 1
        self.message_user(
            request,
            ngettext("%(count)d post ended.", "%(count)d posts ended.", ended) % {"count": ended},
            messages.SUCCESS,
        )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Ending posts is a change of state, offered to administrators although rows are not editable.
        return super().get_actions(request) if may_administer(request.user) else {}


# --- residents -------------------------------------------------------------------------------------


class ResidentForm(forms.ModelForm):
    """Register or correct a resident; ID number and phone are typed, never shown back in clear."""

    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    remove_phone = forms.BooleanField(label=_("remove the phone number"), required=False)
    tags = forms.MultipleChoiceField(
        label=_("care tags"), choices=CareTag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Resident
        fields = ("household", "name")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        resident = self.instance
        if resident.pk:
            keep = _("Leave empty to keep %(masked)s.")
            self.fields["id_number"].help_text = keep % {"masked": resident.id_number_masked}
            self.fields["phone"].help_text = keep % {"masked": resident.phone_masked or "—"}
            self.initial["tags"] = resident.tags
        else:
            self.fields["id_number"].required = True
            del self.fields["remove_phone"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        resident = self.instance if self.instance.pk else None
        try:
            actions.clean_resident(
                data.get("name"),
                data.get("id_number") or (None if resident else ""),
                self.phone_change(),
                data.get("tags", []),
                resident=resident,
            )
        except ValidationError as exc:
            for field, errors in exc.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return data

    def phone_change(self) -> str | None:
        """Return the phone to store: "" to remove it, None to keep it, else the typed number."""
        if self.cleaned_data.get("remove_phone"):
            return ""
        typed = self.cleaned_data.get("phone") or ""
        if self.instance.pk and not typed:
            return None
        return typed


class CareTagFilter(admin.SimpleListFilter):
    title = _("care tag")
    parameter_name = "tag"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(CareTag.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in CareTag.values:
            # Tags are stored comma-separated; match whole values only.
            value = self.value()
            return queryset.filter(care_tags__regex=rf"(^|,){value}(,|$)")
        return queryset


@admin.register(Resident)
class ResidentAdmin(PolicyModelAdmin):
    form = ResidentForm
    list_display = ("name", "gender", "household", "id_number_masked", "phone_masked", "care_tag_labels")
    list_select_related = ("household__building",)
    list_filter = (CareTagFilter, "gender", "household__building__community")
    search_fields = ("name",)
    search_help_text = _("Search by name, or by a full ID number or phone number.")
    # A district holds ~260,000 residents: no second COUNT for the total, no per-filter counts.
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    autocomplete_fields = ("household",)
    fields = ("household", "name", "id_number", "phone", "remove_phone", "tags", "gender", "birth_date")
    readonly_fields = ("gender", "birth_date")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        return fields if obj else [name for name in fields if name != "remove_phone"]

    @admin.display(description=_("ID number"))
    def id_number_masked(self, resident: Resident) -> str:
        return resident.id_number_masked

    @admin.display(description=_("phone"))
    def phone_masked(self, resident: Resident) -> str:
        return resident.phone_masked

    @admin.display(description=_("care tags"))
    def care_tag_labels(self, resident: Resident) -> str:
        return "、".join(str(CareTag(tag).label) for tag in resident.tags if tag in CareTag.values)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Resident], search_term: str
    ) -> tuple[QuerySet[Resident], bool]:
        """Match names as usual, and full ID numbers or phones through their keyed hashes."""
        by_id = actions.find_resident_by_id_number(search_term)
        if by_id is not None:
            return queryset.filter(pk=by_id.pk), False
        by_phone = actions.find_residents_by_phone(search_term)
        if by_phone:
            return queryset.filter(pk__in=[resident.pk for resident in by_phone]), False
        return super().get_search_results(request, queryset, search_term)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Residents leave through a move-out action (to come), keeping their history.
        return False

    def save_model(self, request: HttpRequest, obj: Resident, form: Any, change: bool) -> None:
        data = form.cleaned_data
        by = _actor(request)
        if change:
            stored = Resident.objects.get(pk=obj.pk)
            resident = actions.update_resident(
                stored,
                by=by,
                name=data["name"],
                id_number=data.get("id_number") or None,
                phone=form.phone_change(),
                care_tags=data.get("tags", []),
                household=data["household"],
            )
        else:
            resident = actions.create_resident(
                data["household"],
                data["name"],
                data["id_number"],
                data.get("phone", ""),
                data.get("tags", []),
                by=by,
            )
        _copy_saved(obj, resident)


@admin.register(RevealLog)
class RevealLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "resident", "field", "reason")
    list_filter = ("field",)
    list_select_related = ("user", "resident")
    search_fields = ("user__username", "user__full_name", "resident__name", "reason")
    date_hierarchy = "at"
