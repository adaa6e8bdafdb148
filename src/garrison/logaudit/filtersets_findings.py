"""Filters of the log-audit finding list, shared by the web page and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.filters import ScopedFilterSet
from garrison.logaudit.filtersets_reports import YES_NO, audited_assets
from garrison.logaudit.models import AuditFinding, AuditReport, DetectionRule, LogSource, RuleLevel, Triage
from garrison.web.forms import DateInput


class FindingFilter(ScopedFilterSet):
    triage = django_filters.ChoiceFilter(choices=Triage.choices, label=_("Triage"))
    level = django_filters.MultipleChoiceFilter(choices=RuleLevel.choices, label=_("Level"))
    rule = django_filters.ModelChoiceFilter(queryset=DetectionRule.objects.all(), label=_("Rule"))
    asset = django_filters.ModelChoiceFilter(queryset=audited_assets, label=_("Asset"))
    report = django_filters.ModelChoiceFilter(queryset=AuditReport.objects.all(), label=_("Report"))
    source = django_filters.ModelChoiceFilter(
        queryset=LogSource.objects.all(), field_name="report__source", label=_("Log source")
    )
    period_after = django_filters.DateFilter(
        field_name="report__period_end",
        lookup_expr="date__gt",
        label=_("Covering days from"),
        widget=DateInput,
    )
    period_before = django_filters.DateFilter(
        field_name="report__period_start",
        lookup_expr="date__lte",
        label=_("Covering days until"),
        widget=DateInput,
    )
    has_incident = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_has_incident", label=_("Incident opened")
    )

    class Meta:
        model = AuditFinding
        fields = [
            "triage",
            "level",
            "rule",
            "asset",
            "report",
            "source",
            "period_after",
            "period_before",
            "has_incident",
        ]

    def filter_has_incident(self, queryset: models.QuerySet[AuditFinding], name: str, value: str) -> Any:
        return queryset.filter(incident__isnull=value != "yes")


class FindingListFilter(FindingFilter):
    """The finding list page: a report's page links here with ?report=<id>, which the
    sidebar keeps unseen (a select of every report would not help anyone)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form.fields["report"].widget = forms.HiddenInput()
