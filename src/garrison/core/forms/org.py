"""Forms and list filters of the organisation pages: units, people, role
assignments and RACI responsibilities.

Every choice a form offers (units, managers, people) is scoped to what the acting
person may see or use, so a form cannot reach an object the person could not open.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from garrison.core.filters import ScopedFilterSet
from garrison.core.models import EmploymentStatus, OrgUnit, Person, RoleAssignment, UnitKind
from garrison.core.models.org import Raci
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict, scoped_choices
from garrison.core.services.identity import time_zone_names
from garrison.web.forms import StyledFormMixin, UsernameChoiceField, reason_field, style_form


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in time_zone_names()]


visible_units = scoped_choices(OrgUnit)


# List filters -------------------------------------------------------------------------------


class UnitFilter(ScopedFilterSet):
    within = django_filters.ModelChoiceFilter(
        queryset=visible_units, method="filter_within", label=_("Within unit")
    )
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices, label=_("Kind"))
    is_active = django_filters.ChoiceFilter(
        choices=(("yes", _("Yes")), ("no", _("No"))),
        method="filter_active",
        label=pgettext_lazy("a unit in use", "Active"),
    )

    class Meta:
        model = OrgUnit
        fields = ["within", "kind", "is_active"]

    def filter_within(self, queryset: models.QuerySet[OrgUnit], name: str, value: OrgUnit) -> Any:
        return queryset.filter(path__startswith=value.path)

    def filter_active(self, queryset: models.QuerySet[OrgUnit], name: str, value: str) -> Any:
        return queryset.filter(is_active=value == "yes")


class PersonFilter(ScopedFilterSet):
    unit = django_filters.ModelChoiceFilter(
        queryset=visible_units,
        method="filter_within",
        label=_("Unit"),
        help_text=_("Includes its sub-units."),
    )
    employment_status = django_filters.ChoiceFilter(choices=EmploymentStatus.choices, label=_("Status"))

    class Meta:
        model = Person
        fields = ["unit", "employment_status"]

    def filter_within(self, queryset: models.QuerySet[Person], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)


class RoleAssignmentFilter(ScopedFilterSet):
    role = django_filters.ChoiceFilter(
        choices=RoleAssignment._meta.get_field("role").choices, label=_("Role")
    )
    unit = django_filters.ModelChoiceFilter(queryset=visible_units, label=_("Unit"))

    class Meta:
        model = RoleAssignment
        fields = ["role", "unit"]


# Forms --------------------------------------------------------------------------------------


class UnitForm(StyledFormMixin, forms.ModelForm):
    """Create or edit a unit. Only the installation account adds or detaches root units."""

    class Meta:
        model = OrgUnit
        fields = ["name", "name_zh", "code", "kind", "parent", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.is_create = self.instance.pk is None
        action = Action.ADD if self.is_create else Action.CHANGE
        parents = restrict(OrgUnit.objects.all(), person, action)
        if not self.is_create:
            # A unit cannot move under itself or its own sub-units.
            parents = parents.exclude(path__startswith=self.instance.path)
            self.fields["reason"] = reason_field()
        parent_field = self.fields["parent"]
        assert isinstance(parent_field, forms.ModelChoiceField)
        parent_field.queryset = parents
        parent_field.required = False
        style_form(self)

    def clean_parent(self) -> OrgUnit | None:
        parent = self.cleaned_data.get("parent")
        had_parent = not self.is_create and self.instance.parent_id is not None
        if parent is None and (self.is_create or had_parent) and not self.person.is_superuser:
            raise forms.ValidationError(_("Choose the unit this one belongs to."))
        return parent


class PersonForm(StyledFormMixin, forms.ModelForm):
    """Create or edit a person. A new person may get an initial password; a change
    of employment status takes the reason it is recorded with."""

    time_zone = forms.TypedChoiceField(label=_("time zone"), choices=time_zone_choices)

    class Meta:
        model = Person
        fields = [
            "username",
            "full_name",
            "email",
            "unit",
            "manager",
            "job_title",
            "employment_status",
            "time_zone",
            "language",
        ]

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.is_create = self.instance.pk is None
        action = Action.ADD if self.is_create else Action.CHANGE
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = restrict(OrgUnit.objects.all(), person, action)
        managers = restrict(Person.objects.all(), person, Action.VIEW)
        if not self.is_create:
            managers = managers.exclude(pk=self.instance.pk)
        self.fields["manager"] = UsernameChoiceField(
            managers, label=_("manager"), required=False, help_text=_("The manager's username.")
        )
        if self.instance.manager_id is not None and self.initial.get("manager") == self.instance.manager_id:
            # The model form pre-fills the manager's id, but the field reads usernames back.
            self.initial["manager"] = self.instance.manager.username
        if self.is_create:
            del self.fields["employment_status"]
            self.fields["password"] = forms.CharField(
                label=_("Initial password"),
                required=False,
                strip=False,
                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                help_text=_("Leave empty to let the person set one through an administrator later."),
            )
        else:
            self.fields["reason"] = reason_field()
        if not self.is_bound and self.is_create:
            self.initial.setdefault("time_zone", settings.DEFAULT_PERSON_TIME_ZONE)
        style_form(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            # Validated against the new person's own details (similarity to the name).
            candidate = Person(
                username=cleaned.get("username", ""),
                full_name=cleaned.get("full_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                validate_password(password, candidate)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class RoleAssignmentForm(StyledFormMixin, forms.ModelForm):
    """Grant a role on a unit subtree the acting person administers access for."""

    class Meta:
        model = RoleAssignment
        fields = ["person", "role", "unit", "note"]

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["person"] = UsernameChoiceField(
            restrict(Person.objects.all(), person, Action.VIEW), label=_("person")
        )
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = restrict(OrgUnit.objects.all(), person, Action.VIEW)
        style_form(self)

    def clean_unit(self) -> OrgUnit | None:
        unit = self.cleaned_data.get("unit")
        if unit is not None and not has_grant(self.person, Domain.ACCESS_CONTROL, Action.ADD, unit.path):
            raise forms.ValidationError(_("You cannot grant roles on this unit."))
        return unit


class ResponsibilityForm(StyledFormMixin, forms.Form):
    """Say who is responsible, accountable, consulted or informed: one person or one unit."""

    raci = forms.ChoiceField(label=_("RACI role"), choices=Raci.choices)
    person = forms.CharField(label=_("person"), required=False)
    assignee_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("unit"), required=False)
    note = forms.CharField(label=_("note"), required=False, max_length=500)

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"] = UsernameChoiceField(
            restrict(Person.objects.all(), person, Action.VIEW), label=_("person"), required=False
        )
        unit_field = self.fields["assignee_unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = restrict(OrgUnit.objects.all(), person, Action.VIEW)
        style_form(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and (cleaned.get("person") is None) == (cleaned.get("assignee_unit") is None):
            raise forms.ValidationError(_("Choose either a person or a unit."))
        return cleaned


class ReasonForm(StyledFormMixin, forms.Form):
    """The optional reason recorded with an action such as revoking or unlocking."""

    reason = reason_field()
