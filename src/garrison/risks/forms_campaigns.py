"""Forms and list filters of the assessment-campaign pages.

Every choice offered (units, participants, campaigns) is scoped to what the acting
person may see or use; the services check the same rules again.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import AssetType
from garrison.core.filters import ScopedFilterSet
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict, scoped_choices
from garrison.risks.models import (
    AssessmentCampaign,
    CampaignStatus,
    Recurrence,
    ReviewTask,
    RiskScenario,
    TaskStatus,
)
from garrison.risks.services.campaign_reports import campaigns_reviewed_by
from garrison.risks.services.campaigns import CHANGEABLE_WHILE_RUNNING
from garrison.web.forms import StyledFormMixin, reason_field, style_form

visible_units = scoped_choices(OrgUnit)
USERNAME_SEPARATORS = re.compile(r"[\s,;]+")
ALL = "all"


def units_managed(person: Any, action: Action) -> models.QuerySet[OrgUnit]:
    """Units under which `person` may take `action` on risks (a campaign's organiser)."""
    visible = restrict(OrgUnit.objects.all(), person, Action.VIEW).values_list("pk", "path")
    managed = [pk for pk, path in visible if has_grant(person, Domain.RISKS, action, path)]
    return OrgUnit.objects.filter(pk__in=managed).order_by("path")


# List filters -------------------------------------------------------------------------------


class CampaignListFilter(ScopedFilterSet):
    status = django_filters.ChoiceFilter(choices=CampaignStatus.choices, label=_("Status"))
    recurrence = django_filters.ChoiceFilter(choices=Recurrence.choices, label=_("Recurrence"))
    within = django_filters.ModelChoiceFilter(
        queryset=visible_units,
        method="filter_within",
        label=_("Organising unit"),
        help_text=_("Includes its sub-units."),
    )

    class Meta:
        model = AssessmentCampaign
        fields = ["status", "recurrence", "within"]

    def filter_within(self, queryset: models.QuerySet[AssessmentCampaign], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)


def reviewed_campaigns(request: Any) -> models.QuerySet[AssessmentCampaign]:
    return campaigns_reviewed_by(getattr(request, "user", None))


TASK_STATUS_CHOICES = [
    (TaskStatus.PENDING.value, TaskStatus.PENDING.label),
    (TaskStatus.DONE.value, TaskStatus.DONE.label),
    (ALL, _("All")),
]


class ReviewTaskStatusFilterMixin:
    """A status filter showing pending reviews unless asked otherwise."""

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if data is not None and not data.get("status"):
            data = data.copy()
            data["status"] = TaskStatus.PENDING
        super().__init__(data, *args, **kwargs)  # type: ignore[call-arg]

    def filter_status(self, queryset: models.QuerySet[ReviewTask], name: str, value: str) -> Any:
        return queryset if value == ALL else queryset.filter(status=value)


class MyReviewFilter(ReviewTaskStatusFilterMixin, ScopedFilterSet):
    status = django_filters.ChoiceFilter(
        choices=TASK_STATUS_CHOICES, method="filter_status", label=_("Status"), empty_label=None
    )
    campaign = django_filters.ModelChoiceFilter(queryset=reviewed_campaigns, label=_("Campaign"))

    class Meta:
        model = ReviewTask
        fields = ["status", "campaign"]


class CampaignTaskFilter(ReviewTaskStatusFilterMixin, forms.Form):
    """The filter above a campaign's task table (a plain form: the page is not a list view)."""

    status = forms.ChoiceField(choices=TASK_STATUS_CHOICES, label=_("Status"), required=False)
    unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("Unit"), required=False)
    assignee = forms.CharField(label=_("Assignee"), required=False, max_length=150)

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = restrict(OrgUnit.objects.all(), person, Action.VIEW).order_by("path")
        style_form(self)

    def filter(self, tasks: models.QuerySet[ReviewTask]) -> models.QuerySet[ReviewTask]:
        if not self.is_valid():
            return tasks.filter(status=TaskStatus.PENDING)
        data = self.cleaned_data
        tasks = self.filter_status(tasks, "status", data["status"] or TaskStatus.PENDING)
        if data["unit"] is not None:
            tasks = tasks.filter(scenario__unit__path__startswith=data["unit"].path)
        assignee = data["assignee"].replace("\x00", "").strip()
        if assignee:
            tasks = tasks.filter(
                models.Q(assignee__username__icontains=assignee)
                | models.Q(assignee__full_name__icontains=assignee)
            )
        return tasks


# Campaign form -----------------------------------------------------------------------------


class UsernamesField(forms.CharField):
    """People named by username, one per line or separated by commas; only people the
    acting person may see can be named."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, *, queryset: models.QuerySet[Person], **kwargs: Any) -> None:
        self.queryset = queryset
        kwargs.setdefault("help_text", _("Usernames, one per line or separated by commas."))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple | models.QuerySet):
            return "\n".join(
                person.username if isinstance(person, Person) else str(person) for person in value
            )
        return value

    def clean(self, value: Any) -> list[Person]:
        text = str(super().clean(value) or "").replace("\x00", "")
        usernames = [name for name in USERNAME_SEPARATORS.split(text) if name]
        if not usernames:
            return []
        found = {person.username: person for person in self.queryset.filter(username__in=usernames)}
        missing = [name for name in dict.fromkeys(usernames) if name not in found]
        if missing:
            raise ValidationError(
                _("No person with these usernames: %(names)s.") % {"names": ", ".join(missing)}
            )
        return [found[name] for name in dict.fromkeys(usernames)]


class CampaignForm(StyledFormMixin, forms.ModelForm):
    """Draft or change a campaign. Once it runs, only its name, description, end date and
    participants may change; the other fields are shown but disabled."""

    scope_units = forms.ModelMultipleChoiceField(
        queryset=OrgUnit.objects.none(),
        required=False,
        label=_("Units in scope"),
        help_text=_("Units under the organising unit whose scenarios are reviewed; none means all of it."),
    )
    scope_asset_types = forms.MultipleChoiceField(
        choices=AssetType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Asset types in scope"),
        help_text=_("Only scenarios touching an asset of these types; none means any."),
    )

    class Meta:
        model = AssessmentCampaign
        fields = [
            "name",
            "description",
            "unit",
            "scope_units",
            "scope_asset_types",
            "critical_systems_only",
            "starts_on",
            "ends_on",
            "recurrence",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        is_create = self.instance.pk is None
        units = units_managed(person, Action.ADD if is_create else Action.CHANGE)
        for name in ("unit", "scope_units"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = units
        self.fields["participants"] = UsernamesField(
            queryset=restrict(Person.objects.all(), person, Action.VIEW),
            required=False,
            label=_("Participants"),
            initial=list(self.instance.participants.all()) if not is_create else [],
        )
        if not is_create:
            self.fields["reason"] = reason_field()
        if self.instance.status == CampaignStatus.RUNNING:
            for name, field in self.fields.items():
                if name not in CHANGEABLE_WHILE_RUNNING and name != "reason":
                    field.disabled = True
        style_form(self)
        # A list of checkboxes: the text-box class would draw its wrapper as one big box.
        self.fields["scope_asset_types"].widget.attrs.pop("class", None)

    def clean_scope_asset_types(self) -> list[str]:
        return list(self.cleaned_data.get("scope_asset_types") or [])


# Reviewing ----------------------------------------------------------------------------------


class ReviewForm(StyledFormMixin, forms.Form):
    """Re-rate a scenario in a review: the matrix's steps are offered by name."""

    current_likelihood = forms.TypedChoiceField(coerce=int, label=_("Current likelihood"))
    current_impact = forms.TypedChoiceField(coerce=int, label=_("Current impact"))
    target_likelihood = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label=_("Target likelihood")
    )
    target_impact = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label=_("Target impact")
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What changed since the last review; kept with the rating change."),
    )

    def __init__(self, *args: Any, scenario: RiskScenario, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "current_likelihood": scenario.current_likelihood,
                "current_impact": scenario.current_impact,
                "target_likelihood": scenario.target_likelihood,
                "target_impact": scenario.target_impact,
            },
        )
        super().__init__(*args, **kwargs)
        matrix = scenario.matrix
        for scale in ("likelihood", "impact"):
            steps = [
                (number, f"{number} · {name}")
                for number, name in enumerate(matrix.step_names(scale), start=1)
            ]
            for rating in ("current", "target"):
                field = self.fields[f"{rating}_{scale}"]
                assert isinstance(field, forms.TypedChoiceField)
                field.choices = steps if rating == "current" else [("", _("No target")), *steps]
