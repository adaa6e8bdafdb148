"""Filters of the risk register, shared by the API, the web list and the heat map.

Every filter on another object (unit, owner, matrix, asset, threat) accepts only what
the person may see, so a filter cannot tell an out-of-reach id from a missing one.
The cell filters (`current_likelihood` and `current_impact`, or the inherent pair)
are what a click on a heat-map cell leads to.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import Asset
from garrison.core.filters import ScopedFilterSet
from garrison.core.models import OrgUnit, Person
from garrison.core.scoping import scoped_choices
from garrison.risks.models import (
    ActionStatus,
    RiskAcceptance,
    RiskMatrix,
    RiskScenario,
    ScenarioStatus,
    Threat,
    Treatment,
    TreatmentAction,
    above_appetite,
    overdue,
    overdue_actions,
)

YES_NO = (("yes", _("Yes")), ("no", _("No")))
ABOVE_APPETITE = "yes"
ABOVE_APPETITE_UNTREATED = "untreated"
WITHIN_APPETITE = "no"
APPETITE_CHOICES = (
    (ABOVE_APPETITE, _("Above appetite")),
    (ABOVE_APPETITE_UNTREATED, _("Above appetite, no treatment")),
    (WITHIN_APPETITE, _("Within appetite")),
)
CELL_FILTERS = ("current_likelihood", "current_impact", "inherent_likelihood", "inherent_impact")


def level_choices() -> list[tuple[int, str]]:
    """Level ranks named after the default matrix's levels (ranks beyond it by number)."""
    matrices = list(RiskMatrix.objects.order_by("-is_default", "pk").only("levels", "is_default"))
    if not matrices:
        return []
    names = [str(level.get("name", "")) for level in matrices[0].levels]
    deepest = max(len(matrix.levels) for matrix in matrices)
    return [(rank, names[rank - 1] if rank <= len(names) else str(rank)) for rank in range(1, deepest + 1)]


class RiskScenarioFilter(ScopedFilterSet):
    """The register's filters as the API reads them: objects by id."""

    current_level = django_filters.TypedChoiceFilter(
        choices=level_choices, coerce=int, label=_("Current level")
    )
    inherent_level = django_filters.TypedChoiceFilter(
        choices=level_choices, coerce=int, label=_("Inherent level")
    )
    owner = django_filters.ModelChoiceFilter(queryset=scoped_choices(Person), label=_("Risk owner"))
    unit = django_filters.ModelChoiceFilter(queryset=scoped_choices(OrgUnit), label=_("Unit"))
    within = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit),
        method="filter_within",
        label=_("Within unit"),
        help_text=_("The unit and its sub-units."),
    )
    treatment = django_filters.ChoiceFilter(choices=Treatment.choices, label=_("Treatment"))
    status = django_filters.ChoiceFilter(choices=ScenarioStatus.choices, label=_("Status"))
    matrix = django_filters.ModelChoiceFilter(queryset=scoped_choices(RiskMatrix), label=_("Risk matrix"))
    asset = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(Asset), field_name="assets", label=_("Asset")
    )
    threat = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(Threat), field_name="threats", label=_("Threat")
    )
    overdue = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_overdue", label=_("Overdue treatment actions")
    )
    above_appetite = django_filters.ChoiceFilter(
        choices=APPETITE_CHOICES, method="filter_appetite", label=_("Risk appetite")
    )
    current_likelihood = django_filters.NumberFilter(label=_("Current likelihood"))
    current_impact = django_filters.NumberFilter(label=_("Current impact"))
    inherent_likelihood = django_filters.NumberFilter(label=_("Inherent likelihood"))
    inherent_impact = django_filters.NumberFilter(label=_("Inherent impact"))

    class Meta:
        model = RiskScenario
        fields = [
            "current_level",
            "inherent_level",
            "owner",
            "unit",
            "within",
            "treatment",
            "status",
            "matrix",
            "asset",
            "threat",
            "overdue",
            "above_appetite",
            *CELL_FILTERS,
        ]

    def filter_within(self, queryset: models.QuerySet[RiskScenario], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)

    def filter_overdue(self, queryset: models.QuerySet[RiskScenario], name: str, value: str) -> Any:
        return overdue(queryset, is_overdue=value == "yes")

    def filter_appetite(self, queryset: models.QuerySet[RiskScenario], name: str, value: str) -> Any:
        if value == WITHIN_APPETITE:
            return queryset.filter(current_level__lte=F("matrix__appetite"))
        return above_appetite(queryset, untreated_only=value == ABOVE_APPETITE_UNTREATED)


class RegisterFilter(RiskScenarioFilter):
    """The register's filters on the web page: the owner by username (a list of every
    person would not load); the unit includes its sub-units; the asset and the heat-map
    cell arrive in the address (from an asset's page or the heat map) and stay hidden."""

    current_level = django_filters.TypedChoiceFilter(
        choices=level_choices, coerce=int, label=_("Current level")
    )
    inherent_level = django_filters.TypedChoiceFilter(
        choices=level_choices, coerce=int, label=_("Inherent level")
    )
    owner = django_filters.CharFilter(
        method="filter_owner",
        label=_("Risk owner"),
        help_text=_("The owner's username."),
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit),
        method="filter_within",
        label=_("Unit"),
        help_text=_("Includes its sub-units."),
    )
    asset = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(Asset), field_name="assets", widget=forms.HiddenInput, label=_("Asset")
    )
    current_likelihood = django_filters.NumberFilter(widget=forms.HiddenInput)
    current_impact = django_filters.NumberFilter(widget=forms.HiddenInput)
    inherent_likelihood = django_filters.NumberFilter(widget=forms.HiddenInput)
    inherent_impact = django_filters.NumberFilter(widget=forms.HiddenInput)

    class Meta(RiskScenarioFilter.Meta):
        fields = [
            "current_level",
            "inherent_level",
            "owner",
            "unit",
            "treatment",
            "status",
            "matrix",
            "threat",
            "overdue",
            "above_appetite",
            "asset",
            *CELL_FILTERS,
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The API's subtree filter is the web form's unit filter.
        self.filters.pop("within", None)
        # Read the levels once for both level filters.
        levels = [("", "---------"), *level_choices()]
        for name in ("current_level", "inherent_level"):
            self.filters[name].extra["choices"] = levels

    def filter_owner(self, queryset: models.QuerySet[RiskScenario], name: str, value: str) -> Any:
        return queryset.filter(owner__username=value.replace("\x00", "").strip())


class HeatMapFilter(RegisterFilter):
    """The register's web filters without the cell: the heat map shows every cell."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in CELL_FILTERS:
            self.filters.pop(name, None)


class TreatmentActionFilter(ScopedFilterSet):
    scenario = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(RiskScenario), label=_("Risk scenario")
    )
    owner = django_filters.ModelChoiceFilter(queryset=scoped_choices(Person), label=_("Owner"))
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices, label=_("Status"))
    overdue = django_filters.ChoiceFilter(choices=YES_NO, method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = TreatmentAction
        fields = ["scenario", "owner", "status", "overdue"]

    def filter_overdue(self, queryset: models.QuerySet[TreatmentAction], name: str, value: str) -> Any:
        late = overdue_actions().values("pk")
        return queryset.filter(pk__in=late) if value == "yes" else queryset.exclude(pk__in=late)


class RiskAcceptanceFilter(ScopedFilterSet):
    scenario = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(RiskScenario), label=_("Risk scenario")
    )
    status = django_filters.ChoiceFilter(
        choices=RiskAcceptance._meta.get_field("status").choices, label=_("Status")
    )
    requested_by = django_filters.ModelChoiceFilter(queryset=scoped_choices(Person), label=_("Requested by"))

    class Meta:
        model = RiskAcceptance
        fields = ["scenario", "status", "requested_by"]


class AcceptanceListFilter(RiskAcceptanceFilter):
    """The acceptances page's filters: people by username and the scenario from the
    address (a list of every scenario or person would not load)."""

    scenario = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(RiskScenario), widget=forms.HiddenInput, label=_("Risk scenario")
    )
    requested_by = django_filters.CharFilter(
        method="filter_requested_by", label=_("Requested by"), help_text=_("The requester's username.")
    )

    def filter_requested_by(self, queryset: models.QuerySet[RiskAcceptance], name: str, value: str) -> Any:
        return queryset.filter(requested_by__username=value.replace("\x00", "").strip())
