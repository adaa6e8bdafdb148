"""Filters of the finding list, shared by the web page and the API.

Every filter is a condition on the finding's own columns or on an indexed relation, so
that a list of 100,000 findings answers in well under a second.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import Asset
from garrison.core.filters import ScopedFilterSet
from garrison.core.models import OrgUnit
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import scoped_choices
from garrison.vulns.models import (
    ACTIVE_STATUSES,
    Finding,
    FindingStatus,
    PenetrationTest,
    RetestStatus,
    Severity,
    Source,
)
from garrison.web.forms import DateInput

ALL = "all"
YES_NO = (("yes", _("Yes")), ("no", _("No")))
NOT_REQUESTED = "none"


def clean_text(value: str) -> str:
    # PostgreSQL text cannot hold NUL characters; no finding's text contains one.
    return value.replace("\x00", "").strip()


def overdue_condition() -> Q:
    """Open findings past their due date, on the organisation's calendar."""
    return Q(status__in=ACTIVE_STATUSES, due_on__lt=organisation_today())


class FindingFilter(ScopedFilterSet):
    status = django_filters.ChoiceFilter(
        choices=((ALL, _("Every status")), *FindingStatus.choices), method="filter_status", label=_("Status")
    )
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices, label=_("Severity"))
    overdue = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_overdue",
        label=_("Overdue"),
        help_text=_("Open and past its due date."),
    )
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("Source"))
    scan_scope = django_filters.CharFilter(method="filter_scan_scope", label=_("Scan scope"))
    asset = django_filters.ModelChoiceFilter(queryset=scoped_choices(Asset), label=_("Asset"))
    asset_text = django_filters.CharFilter(
        method="filter_asset_text",
        label=_("Asset name or reference"),
        help_text=_("Part of the asset's reference or name."),
    )
    host = django_filters.CharFilter(
        method="filter_host", label=_("Host"), help_text=_("Part of the address or host name.")
    )
    cve = django_filters.CharFilter(
        method="filter_cve", label=_("CVE"), help_text=_("Such as CVE-2021-44228.")
    )
    rule = django_filters.CharFilter(
        method="filter_rule", label=_("Scanner rule"), help_text=_("The scanner's rule or plugin id.")
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit),
        method="filter_within",
        label=_("Unit"),
        help_text=_("Includes its sub-units."),
    )
    penetration_test = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(PenetrationTest), label=_("Penetration test")
    )
    due_after = django_filters.DateFilter(
        field_name="due_on", lookup_expr="gte", label=_("Due on or after"), widget=DateInput
    )
    due_before = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lte", label=_("Due on or before"), widget=DateInput
    )
    retest = django_filters.ChoiceFilter(
        choices=[(NOT_REQUESTED if value == "" else value, label) for value, label in RetestStatus.choices],
        method="filter_retest",
        label=_("Retest"),
    )

    class Meta:
        model = Finding
        fields = [
            "status",
            "severity",
            "overdue",
            "source",
            "scan_scope",
            "asset",
            "asset_text",
            "host",
            "cve",
            "rule",
            "unit",
            "penetration_test",
            "due_after",
            "due_before",
            "retest",
        ]

    def filter_status(self, queryset: models.QuerySet[Finding], name: str, value: str) -> Any:
        return queryset if value == ALL else queryset.filter(status=value)

    def filter_overdue(self, queryset: models.QuerySet[Finding], name: str, value: str) -> Any:
        late = overdue_condition()
        return queryset.filter(late) if value == "yes" else queryset.exclude(late)

    def filter_scan_scope(self, queryset: models.QuerySet[Finding], name: str, value: str) -> Any:
        return queryset.filter(scan_scope=clean_text(value))

    def filter_asset_text(self, queryset: models.QuerySet[Finding], name: str, value: str) -> Any:
        text = clean_text(value)
        if not text:
            return queryset
        return queryset.filter(Q(asset__reference__icontains=text) | Q(asset__name__icontains=text))

    def filter_host(self, queryset: models.QuerySet[Finding], name: str, value: str) -> Any:
        text = clean_text(value)
        return queryset.filter(host__icontains=text) if text else queryset

    def filter_cve(self, queryset: models.QuerySet[Finding], name: str, value: str) -> Any:
        text = clean_text(value).upper()
        if not text:
            return queryset
        # The first CVE is an indexed column; the others are in the list.
        return queryset.filter(Q(cve=text) | Q(cve_ids__icontains=f'"{text}"'))

    def filter_rule(self, queryset: models.QuerySet[Finding], name: str, value: str) -> Any:
        text = clean_text(value)
        return queryset.filter(rule_id=text) if text else queryset

    def filter_within(self, queryset: models.QuerySet[Finding], name: str, value: OrgUnit) -> Any:
        # Ids of the units under it, rather than a join of every finding to its unit.
        return queryset.filter(unit__in=OrgUnit.objects.filter(path__startswith=value.path).values("pk"))

    def filter_retest(self, queryset: models.QuerySet[Finding], name: str, value: str) -> Any:
        return queryset.filter(retest_status="" if value == NOT_REQUESTED else value)


class FindingListFilter(FindingFilter):
    """The finding list page: open findings unless another status (or every one) is
    chosen; the asset page links here with ?asset=<id>, which the sidebar keeps unseen."""

    status = django_filters.ChoiceFilter(
        choices=((ALL, _("Every status")), *FindingStatus.choices),
        method="filter_status",
        label=_("Status"),
        empty_label=None,
    )

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if data is not None and not data.get("status"):
            data = data.copy()
            data["status"] = FindingStatus.OPEN
        super().__init__(data, *args, **kwargs)
        self.form.fields["asset"].widget = forms.HiddenInput()
