"""Filters of the audit, finding and corrective-action lists, shared by the web pages
and the API. Filters on other objects accept only what the person may see."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models import (
    OPEN_CORRECTIVE_STATUSES,
    Audit,
    AuditKind,
    AuditStatus,
    CorrectiveAction,
    CorrectiveActionStatus,
    Finding,
    FindingKind,
    FindingStatus,
    Framework,
)
from garrison.core.filters import ScopedFilterSet
from garrison.core.models import OrgUnit, Person
from garrison.core.scoping import scoped_choices

YES_NO = (("yes", _("Yes")), ("no", _("No")))
SOURCE_CHOICES = (("audit", _("An audit")), ("control_test", _("A failed control test")))


def year_choices() -> list[tuple[int, str]]:
    years = {day.year for day in Audit.objects.dates("starts_on", "year")}
    return [(year, str(year)) for year in sorted(years, reverse=True)]


def overdue_findings(today: Any = None) -> Q:
    """Findings not closed whose due date passed or that have an open action past due."""
    today = today or timezone.localdate()
    late_action = CorrectiveAction.objects.filter(
        finding=OuterRef("pk"), status__in=OPEN_CORRECTIVE_STATUSES, due_on__lt=today
    )
    return ~Q(status=FindingStatus.CLOSED) & (Q(due_on__lt=today) | Q(Exists(late_action)))


class AuditFilter(ScopedFilterSet):
    kind = django_filters.ChoiceFilter(choices=AuditKind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=AuditStatus.choices, label=_("Status"))
    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit),
        method="filter_within",
        label=_("Unit"),
        help_text=_("Includes its sub-units."),
    )
    framework = django_filters.ModelChoiceFilter(queryset=Framework.objects.all(), label=_("Framework"))
    year = django_filters.TypedChoiceFilter(
        choices=year_choices, coerce=int, method="filter_year", label=_("Year")
    )
    lead = django_filters.ModelChoiceFilter(queryset=scoped_choices(Person), label=_("Audit lead"))

    class Meta:
        model = Audit
        fields = ["kind", "status", "unit", "framework", "year", "lead"]

    def filter_within(self, queryset: models.QuerySet[Audit], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)

    def filter_year(self, queryset: models.QuerySet[Audit], name: str, value: int) -> Any:
        return queryset.filter(starts_on__year=value)


class AuditListFilter(AuditFilter):
    """The web list: the lead by username (a list of every person would not load)."""

    lead = django_filters.CharFilter(
        method="filter_lead", label=_("Audit lead"), help_text=_("The lead's username.")
    )

    def filter_lead(self, queryset: models.QuerySet[Audit], name: str, value: str) -> Any:
        return queryset.filter(lead__username=value.replace("\x00", "").strip())


class FindingFilter(ScopedFilterSet):
    kind = django_filters.ChoiceFilter(choices=FindingKind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=FindingStatus.choices, label=_("Status"))
    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit),
        method="filter_within",
        label=_("Unit"),
        help_text=_("Includes its sub-units."),
    )
    owner = django_filters.ModelChoiceFilter(queryset=scoped_choices(Person), label=_("Owner"))
    audit = django_filters.ModelChoiceFilter(queryset=scoped_choices(Audit), label=_("Audit"))
    source = django_filters.ChoiceFilter(choices=SOURCE_CHOICES, method="filter_source", label=_("Raised by"))
    overdue = django_filters.ChoiceFilter(choices=YES_NO, method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = Finding
        fields = ["kind", "status", "unit", "owner", "audit", "source", "overdue"]

    def filter_within(self, queryset: models.QuerySet[Finding], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)

    def filter_source(self, queryset: models.QuerySet[Finding], name: str, value: str) -> Any:
        if value == "audit":
            return queryset.filter(audit__isnull=False)
        return queryset.filter(control_test__isnull=False)

    def filter_overdue(self, queryset: models.QuerySet[Finding], name: str, value: str) -> Any:
        condition = overdue_findings()
        return queryset.filter(condition) if value == "yes" else queryset.exclude(condition)


class FindingListFilter(FindingFilter):
    """The web list: the owner by username, the audit from the address."""

    owner = django_filters.CharFilter(
        method="filter_owner", label=_("Owner"), help_text=_("The owner's username.")
    )
    audit = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(Audit), widget=forms.HiddenInput, label=_("Audit")
    )

    def filter_owner(self, queryset: models.QuerySet[Finding], name: str, value: str) -> Any:
        return queryset.filter(owner__username=value.replace("\x00", "").strip())


class CorrectiveActionFilter(ScopedFilterSet):
    finding = django_filters.ModelChoiceFilter(queryset=scoped_choices(Finding), label=_("Finding"))
    owner = django_filters.ModelChoiceFilter(queryset=scoped_choices(Person), label=_("Owner"))
    status = django_filters.ChoiceFilter(choices=CorrectiveActionStatus.choices, label=_("Status"))
    overdue = django_filters.ChoiceFilter(choices=YES_NO, method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = CorrectiveAction
        fields = ["finding", "owner", "status", "overdue"]

    def filter_overdue(self, queryset: models.QuerySet[CorrectiveAction], name: str, value: str) -> Any:
        late = Q(status__in=OPEN_CORRECTIVE_STATUSES, due_on__lt=timezone.localdate())
        return queryset.filter(late) if value == "yes" else queryset.exclude(late)
