"""Filters of the audit report list, shared by the web page and the API.

Every choice of another object is scoped (garrison.core.filters.ScopedFilterSet), so a
filter cannot tell an out-of-reach id from a missing one.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import Asset
from garrison.core.filters import ScopedFilterSet
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.logaudit.models import AuditReport, LogSource, ReportStatus
from garrison.logaudit.services.triage import awaiting_sign_off_by
from garrison.web.forms import DateInput

YES_NO = (("yes", _("Yes")), ("no", _("No")))


def audited_assets(request: Any) -> models.QuerySet[Asset]:
    """The assets with a log source, among those the person may see: the only ones a
    report or finding can be about."""
    with_sources = Asset.objects.filter(pk__in=LogSource.objects.values("asset"))
    return restrict(with_sources, getattr(request, "user", None), Action.VIEW)


class ReportFilter(ScopedFilterSet):
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label=_("Status"))
    source = django_filters.ModelChoiceFilter(queryset=LogSource.objects.all(), label=_("Log source"))
    asset = django_filters.ModelChoiceFilter(
        queryset=audited_assets, field_name="source__asset", label=_("Asset")
    )
    critical = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_critical",
        label=_("Critical information system"),
        help_text=_("The audited asset is part of a critical information system."),
    )
    period_after = django_filters.DateFilter(
        field_name="period_end",
        lookup_expr="date__gt",
        label=_("Covering days from"),
        widget=DateInput,
    )
    period_before = django_filters.DateFilter(
        field_name="period_start",
        lookup_expr="date__lte",
        label=_("Covering days until"),
        widget=DateInput,
    )
    awaiting_me = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_awaiting_me",
        label=_("Awaiting my sign-off"),
    )
    escalated = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_escalated",
        label=_("Escalated"),
        help_text=_("Left unsigned past the policy's delay."),
    )

    class Meta:
        model = AuditReport
        fields = [
            "status",
            "source",
            "asset",
            "critical",
            "period_after",
            "period_before",
            "awaiting_me",
            "escalated",
        ]

    def filter_critical(self, queryset: models.QuerySet[AuditReport], name: str, value: str) -> Any:
        return queryset.filter(source__asset__is_critical_system=value == "yes")

    def filter_awaiting_me(self, queryset: models.QuerySet[AuditReport], name: str, value: str) -> Any:
        condition = awaiting_sign_off_by(getattr(self.request, "user", None))
        return queryset.filter(condition) if value == "yes" else queryset.exclude(condition)

    def filter_escalated(self, queryset: models.QuerySet[AuditReport], name: str, value: str) -> Any:
        return queryset.filter(escalated_at__isnull=value != "yes")
