"""Columns and filters of the finding-exception list, shared by the web page and the API so
that a file downloaded from either has the same columns and a filter means the same."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from garrison.core.filters import ScopedFilterSet
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import scoped_choices
from garrison.vulns.models import (
    ExceptionKind,
    ExceptionStatus,
    Finding,
    FindingException,
    Severity,
)
from garrison.web.links import object_url
from garrison.web.lists import ListColumn

# An approved risk acceptance ending within this many days is "expiring".
EXPIRING_WITHIN_DAYS = 30
YES_NO = (("yes", _("Yes")), ("no", _("No")))

EXCEPTION_QUERYSET = FindingException.objects.select_related(
    "finding__unit", "finding__asset", "requested_by", "decided_by", "risk"
)


@dataclass(frozen=True)
class FindingColumn(ListColumn):
    """The finding an exception is about, linked to its page."""

    def url(self, obj: Any) -> str | None:
        return object_url("vulns.finding", obj.finding_id)


EXCEPTION_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("exception"), "get_kind_display", sort_key="kind", link="vulns:findingexception-detail"),
    FindingColumn(pgettext_lazy("vulnerability", "finding"), "finding", sort_key="finding_id"),
    ListColumn(_("severity"), "finding.get_severity_display", sort_key="finding__severity"),
    ListColumn(_("asset"), "finding.asset.name", sort_key="finding__asset__name"),
    ListColumn(_("unit"), "finding.unit.name", sort_key="finding__unit__name"),
    ListColumn(_("status"), "get_status_display", sort_key="status"),
    ListColumn(_("requested by"), "requested_by.full_name", sort_key="requested_by__full_name"),
    ListColumn(_("requested at"), "requested_at", sort_key="requested_at"),
    ListColumn(_("expires on"), "expires_on", sort_key="expires_on"),
    ListColumn(_("decided by"), "decided_by.full_name", sort_key="decided_by__full_name"),
    ListColumn(_("justification"), "justification"),
)


def expiring(
    queryset: models.QuerySet[FindingException], *, today: dt.date | None = None, is_expiring: bool = True
) -> models.QuerySet[FindingException]:
    """Approved risk acceptances that end within the next 30 days (or, negated, the others)."""
    today = today or organisation_today()
    condition = models.Q(
        status=ExceptionStatus.APPROVED,
        kind=ExceptionKind.RISK_ACCEPTANCE,
        expires_on__gte=today,
        expires_on__lte=today + dt.timedelta(days=EXPIRING_WITHIN_DAYS),
    )
    return queryset.filter(condition) if is_expiring else queryset.exclude(condition)


class FindingExceptionFilter(ScopedFilterSet):
    """Filters of exceptions: status, kind, the finding's severity, approved risk
    acceptances expiring within 30 days, one finding, one requester."""

    status = django_filters.ChoiceFilter(choices=ExceptionStatus.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=ExceptionKind.choices, label=_("Exception"))
    severity = django_filters.TypedChoiceFilter(
        field_name="finding__severity", choices=Severity.choices, coerce=int, label=_("Severity")
    )
    expiring = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_expiring", label=_("Expiring within 30 days")
    )
    finding = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(Finding),
        widget=forms.HiddenInput,
        label=pgettext_lazy("vulnerability", "Finding"),
    )
    requested_by = django_filters.CharFilter(
        method="filter_requested_by", label=_("Requested by"), help_text=_("The requester's username.")
    )

    class Meta:
        model = FindingException
        fields = ["status", "kind", "severity", "expiring", "finding", "requested_by"]

    def filter_expiring(self, queryset: models.QuerySet[FindingException], name: str, value: str) -> Any:
        return expiring(queryset, is_expiring=value == "yes")

    def filter_requested_by(self, queryset: models.QuerySet[FindingException], name: str, value: str) -> Any:
        return queryset.filter(requested_by__username=value.replace("\x00", "").strip())
