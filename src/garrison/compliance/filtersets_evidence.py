"""Filters of the evidence and evidence-request lists, shared by the API and the pages.

Filters on other objects accept only what the person may see (scoped choices)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models import AppliedControl, Evidence, EvidenceKind, EvidenceRequest, RequestStatus
from garrison.compliance.services.evidence import Validity, with_validity
from garrison.core.filters import ScopedFilterSet
from garrison.core.models import OrgUnit, Person
from garrison.core.scoping import scoped_choices

YES_NO = (("yes", _("Yes")), ("no", _("No")))
MINE_CHOICES = (("assigned", _("Asked of me")), ("requested", _("Asked by me")))


class EvidenceFilter(ScopedFilterSet):
    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit),
        method="filter_within",
        label=_("Unit"),
        help_text=_("Includes its sub-units."),
    )
    owner = django_filters.CharFilter(
        method="filter_owner", label=_("Owner"), help_text=_("The owner's username.")
    )
    kind = django_filters.ChoiceFilter(choices=EvidenceKind.choices, label=_("Kind"))
    validity = django_filters.ChoiceFilter(
        choices=Validity.choices, method="filter_validity", label=_("Validity")
    )
    control = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(AppliedControl), field_name="controls", label=_("Control")
    )

    class Meta:
        model = Evidence
        fields = ["unit", "owner", "kind", "validity", "control"]

    def filter_within(self, queryset: models.QuerySet[Evidence], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)

    def filter_owner(self, queryset: models.QuerySet[Evidence], name: str, value: str) -> Any:
        return queryset.filter(owner__username=value.replace("\x00", "").strip())

    def filter_validity(self, queryset: models.QuerySet[Evidence], name: str, value: str) -> Any:
        return with_validity(queryset, value)


class EvidenceRequestFilter(ScopedFilterSet):
    mine = django_filters.ChoiceFilter(choices=MINE_CHOICES, method="filter_mine", label=_("Mine"))
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices, label=_("Status"))
    overdue = django_filters.ChoiceFilter(choices=YES_NO, method="filter_overdue", label=_("Overdue"))
    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit),
        method="filter_within",
        label=_("Unit"),
        help_text=_("Includes its sub-units."),
    )
    assignee = django_filters.CharFilter(
        method="filter_assignee", label=_("Requested from"), help_text=_("The username of the person asked.")
    )
    evidence = django_filters.ModelChoiceFilter(queryset=scoped_choices(Evidence), label=_("Evidence"))

    class Meta:
        model = EvidenceRequest
        fields = ["mine", "status", "overdue", "unit", "assignee", "evidence"]

    def filter_mine(self, queryset: models.QuerySet[EvidenceRequest], name: str, value: str) -> Any:
        person: Person | Any = getattr(self.request, "user", None)
        field = "assignee" if value == "assigned" else "requested_by"
        return queryset.filter(**{field: getattr(person, "pk", None)})

    def filter_overdue(self, queryset: models.QuerySet[EvidenceRequest], name: str, value: str) -> Any:
        late = models.Q(status=RequestStatus.OPEN, due_on__lt=timezone.localdate())
        return queryset.filter(late) if value == "yes" else queryset.exclude(late)

    def filter_within(self, queryset: models.QuerySet[EvidenceRequest], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)

    def filter_assignee(self, queryset: models.QuerySet[EvidenceRequest], name: str, value: str) -> Any:
        return queryset.filter(assignee__username=value.replace("\x00", "").strip())
