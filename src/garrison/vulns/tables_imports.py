"""Columns and filters of the scan import list and of the critical-system coverage list,
shared by the web pages and the API exports."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import Asset
from garrison.core.filters import ScopedFilterSet
from garrison.core.models import OrgUnit
from garrison.core.scoping import scoped_choices
from garrison.vulns.models import ImportFormat, ImportStatus, ScanImport
from garrison.web.forms import DateInput
from garrison.web.lists import ListColumn

IMPORT_QUERYSET = ScanImport.objects.select_related("unit", "created_by", "penetration_test", "source_file")

IMPORT_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("reference"), "reference", sort_key="reference", link="vulns:scanimport-detail"),
    ListColumn(_("file name"), "filename", sort_key="filename", link="vulns:scanimport-detail"),
    ListColumn(_("format"), "get_detected_format_display", sort_key="detected_format"),
    ListColumn(_("scan scope"), "scan_scope", sort_key="scan_scope"),
    ListColumn(_("status"), "get_status_display", sort_key="status"),
    ListColumn(_("new"), "new_count", sort_key="new_count"),
    ListColumn(_("fixed"), "fixed_count", sort_key="fixed_count"),
    ListColumn(_("rejected records"), "rejected_count", sort_key="rejected_count"),
    ListColumn(_("imported by"), "created_by.full_name", sort_key="created_by__full_name"),
    ListColumn(_("uploaded"), "created_at", sort_key="created_at"),
)

IMPORT_EXPORT_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("reference"), "reference"),
    ListColumn(_("file name"), "filename"),
    ListColumn(_("format"), "get_requested_format_display"),
    ListColumn(_("detected format"), "get_detected_format_display"),
    ListColumn(_("scan scope"), "scan_scope"),
    ListColumn(_("unit"), "unit.name"),
    ListColumn(_("penetration test"), "penetration_test.reference"),
    ListColumn(_("status"), "get_status_display"),
    ListColumn(_("error"), "error"),
    ListColumn(_("size (bytes)"), "size"),
    ListColumn(_("new"), "new_count"),
    ListColumn(_("still open"), "open_count"),
    ListColumn(_("reopened"), "reopened_count"),
    ListColumn(_("fixed"), "fixed_count"),
    ListColumn(_("unchanged"), "unchanged_count"),
    ListColumn(_("rejected records"), "rejected_count"),
    ListColumn(_("hosts"), "host_count"),
    ListColumn(_("discovered assets"), "discovered_asset_count"),
    ListColumn(_("imported by"), "created_by.full_name"),
    ListColumn(_("uploaded"), "created_at"),
    ListColumn(_("started"), "started_at"),
    ListColumn(_("finished"), "finished_at"),
)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class ImportFilter(ScopedFilterSet):
    """Status, scanner format (as detected, or as asked while not yet detected), scan scope, unit
    and upload dates."""

    status = django_filters.ChoiceFilter(choices=ImportStatus.choices, label=_("Status"))
    # Not "format": the API reads that query parameter as the response's media type.
    scanner = django_filters.ChoiceFilter(
        choices=[choice for choice in ImportFormat.choices if choice[0] != ImportFormat.AUTO],
        method="filter_format",
        label=_("Format"),
    )
    scan_scope = django_filters.CharFilter(
        lookup_expr="iexact", label=_("Scan scope"), help_text=_("The exact scope name.")
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit),
        method="filter_within",
        label=_("Unit"),
        help_text=_("Includes its sub-units."),
    )
    uploaded_from = django_filters.DateFilter(
        method="filter_from", label=_("Uploaded from"), widget=DateInput
    )
    uploaded_to = django_filters.DateFilter(method="filter_to", label=_("Uploaded until"), widget=DateInput)

    class Meta:
        model = ScanImport
        fields = ["status", "scanner", "scan_scope", "unit", "uploaded_from", "uploaded_to"]

    def filter_format(self, queryset: models.QuerySet[ScanImport], name: str, value: str) -> Any:
        return queryset.filter(
            models.Q(detected_format=value) | models.Q(detected_format="", requested_format=value)
        )

    def filter_within(self, queryset: models.QuerySet[ScanImport], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)

    def filter_from(self, queryset: models.QuerySet[ScanImport], name: str, value: dt.date) -> Any:
        return queryset.filter(created_at__gte=_day_start(value))

    def filter_to(self, queryset: models.QuerySet[ScanImport], name: str, value: dt.date) -> Any:
        return queryset.filter(created_at__lt=_day_start(value + dt.timedelta(days=1)))


# Critical-system coverage ------------------------------------------------------------------------

ALL = "all"
UNCOVERED = "uncovered"
NOT_SCANNED = "not_scanned"
NOT_TESTED = "not_tested"
COVERAGE_CHOICES = [
    (ALL, _("All critical systems")),
    (UNCOVERED, _("Not scanned or not tested")),
    (NOT_SCANNED, _("Not scanned within the window")),
    (NOT_TESTED, _("Not penetration-tested within the period")),
]

COVERAGE_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("reference"), "reference", sort_key="reference", link="assets:asset-detail"),
    ListColumn(_("name"), "name", sort_key="name", link="assets:asset-detail"),
    ListColumn(_("custodian unit"), "unit.name", sort_key="unit__name"),
    ListColumn(_("owner"), "owner.full_name", sort_key="owner__full_name"),
    ListColumn(_("last scanned"), "last_scanned_at", sort_key="last_scanned_at"),
    ListColumn(_("scanned within the window"), "is_scanned", sort_key="is_scanned"),
    ListColumn(_("last penetration test"), "last_tested_on", sort_key="last_tested_on"),
    ListColumn(_("penetration-tested within the period"), "is_tested", sort_key="is_tested"),
)


class CoverageFilter(ScopedFilterSet):
    """Which critical systems to list; reads the annotations of `annotate_coverage`."""

    coverage = django_filters.ChoiceFilter(
        choices=COVERAGE_CHOICES, method="filter_coverage", label=_("Coverage"), empty_label=None
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit),
        method="filter_within",
        label=_("Unit"),
        help_text=_("Includes its sub-units."),
    )

    class Meta:
        model = Asset
        fields = ["coverage", "unit"]

    def filter_coverage(self, queryset: models.QuerySet[Asset], name: str, value: str) -> Any:
        if value == NOT_SCANNED:
            return queryset.filter(models.Q(is_scanned=False))
        if value == NOT_TESTED:
            return queryset.filter(models.Q(is_tested=False))
        if value == UNCOVERED:
            return queryset.filter(models.Q(is_scanned=False) | models.Q(is_tested=False))
        return queryset

    def filter_within(self, queryset: models.QuerySet[Asset], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)
