"""Filters of the certification register, shared by the web page and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models import (
    Certification,
    CertificationStatus,
    Framework,
    Scheme,
    SurveillanceAudit,
    SurveillanceKind,
)
from garrison.core.filters import ScopedFilterSet
from garrison.core.models import OrgUnit, Person
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import scoped_choices

YES_NO = (("yes", _("Yes")), ("no", _("No")))
# The longest look-ahead the "expiring within" filter accepts (ten years).
MAX_EXPIRING_DAYS = 3660


class CertificationFilter(ScopedFilterSet):
    scheme = django_filters.ChoiceFilter(choices=Scheme.choices, label=_("Scheme"))
    status = django_filters.ChoiceFilter(choices=CertificationStatus.choices, label=_("Status"))
    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit),
        method="filter_within",
        label=_("Unit"),
        help_text=_("Includes its sub-units."),
    )
    owner = django_filters.ModelChoiceFilter(queryset=scoped_choices(Person), label=_("Owner"))
    framework = django_filters.ModelChoiceFilter(queryset=scoped_choices(Framework), label=_("Framework"))
    expiring_within = django_filters.NumberFilter(
        method="filter_expiring_within",
        label=_("Expiring within (days)"),
        help_text=_("Not yet expired, expiring within this many days."),
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_EXPIRING_DAYS}),
    )
    expired = django_filters.ChoiceFilter(choices=YES_NO, method="filter_expired", label=_("Expired"))

    class Meta:
        model = Certification
        fields = ["scheme", "status", "unit", "owner", "framework", "expiring_within", "expired"]

    def filter_within(self, queryset: models.QuerySet[Certification], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)

    def filter_expiring_within(self, queryset: models.QuerySet[Certification], name: str, value: Any) -> Any:
        days = min(max(int(value), 0), MAX_EXPIRING_DAYS)
        today = organisation_today()
        return queryset.filter(expires_on__range=(today, today + dt.timedelta(days=days)))

    def filter_expired(self, queryset: models.QuerySet[Certification], name: str, value: str) -> Any:
        today = organisation_today()
        if value == "yes":
            return queryset.filter(expires_on__lt=today)
        return queryset.filter(expires_on__gte=today)


class CertificationListFilter(CertificationFilter):
    """The register page's filters: the owner by username (a list of every person would not load)."""

    owner = django_filters.CharFilter(
        method="filter_owner", label=_("Owner"), help_text=_("The owner's username.")
    )

    def filter_owner(self, queryset: models.QuerySet[Certification], name: str, value: str) -> Any:
        return queryset.filter(owner__username=value.replace("\x00", "").strip())


class SurveillanceAuditFilter(ScopedFilterSet):
    certification = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(Certification), label=_("Certification")
    )
    kind = django_filters.ChoiceFilter(choices=SurveillanceKind.choices, label=_("Kind"))
    completed = django_filters.ChoiceFilter(choices=YES_NO, method="filter_completed", label=_("Completed"))

    class Meta:
        model = SurveillanceAudit
        fields = ["certification", "kind", "completed"]

    def filter_completed(self, queryset: models.QuerySet[SurveillanceAudit], name: str, value: str) -> Any:
        return queryset.filter(completed_on__isnull=value != "yes")
