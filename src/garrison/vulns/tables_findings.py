"""Columns of the finding list, shared by the web page and the exports (web and API)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from garrison.core.scheduling import organisation_today
from garrison.vulns import sla
from garrison.vulns.models import ACTIVE_STATUSES, Finding
from garrison.web.lists import ListColumn

# What a row of the list reads, in one query: the asset and the unit come with the row.
FINDING_QUERYSET = Finding.objects.select_related("asset", "unit", "sighting")


@dataclass(frozen=True)
class SlaClock:
    """A finding's SLA clock as the list and the finding's page show it."""

    due_on: dt.date | None
    days_left: int | None
    is_running: bool

    @property
    def is_overdue(self) -> bool:
        return self.is_running and self.days_left is not None and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0

    def __str__(self) -> str:
        return self.due_on.isoformat() if self.due_on else ""


def sla_clock(finding: Finding, today: dt.date | None = None) -> SlaClock:
    """The clock runs while the finding is open; a fixed or excepted finding keeps its due
    date for the record."""
    is_running = finding.status in ACTIVE_STATUSES
    left = sla.days_left(finding.due_on, today or organisation_today()) if is_running else None
    return SlaClock(finding.due_on, left, is_running)


@dataclass(frozen=True)
class SlaColumn(ListColumn):
    """The due date with the days left, or the days overdue, of an open finding."""

    def value(self, obj: Any) -> Any:
        return sla_clock(obj)


@dataclass(frozen=True)
class DaysLeftColumn(ListColumn):
    """For files: days until due, negative once overdue; blank unless open and due."""

    def value(self, obj: Any) -> Any:
        return sla_clock(obj).days_left


@dataclass(frozen=True)
class ListOfTextColumn(ListColumn):
    def value(self, obj: Any) -> Any:
        values = super().value(obj)
        return ", ".join(values) if values else None


def _reference() -> ListColumn:
    return ListColumn(gettext_lazy("reference"), "reference", sort_key="id", link="vulns:finding-detail")


FINDING_COLUMNS: tuple[ListColumn, ...] = (
    _reference(),
    ListColumn(gettext_lazy("title"), "title", sort_key="title", link="vulns:finding-detail"),
    ListColumn(
        gettext_lazy("severity"),
        "get_severity_display",
        sort_key="severity",
        template="vulns/finding_severity_cell.html",
    ),
    ListColumn(gettext_lazy("CVSS"), "cvss_score", sort_key="cvss_score"),
    ListColumn(gettext_lazy("status"), "get_status_display", sort_key="status"),
    ListColumn(gettext_lazy("asset"), "asset.name", link="assets:asset-detail", link_arg="asset_id"),
    ListColumn(gettext_lazy("host"), "host"),
    ListColumn(gettext_lazy("CVE"), "cve"),
    SlaColumn(gettext_lazy("due"), "due_on", sort_key="due_on", template="vulns/finding_sla_cell.html"),
    ListColumn(gettext_lazy("last seen"), "sighting.last_seen_at", sort_key="sighting__last_seen_at"),
)

FINDING_EXPORT_COLUMNS: tuple[ListColumn, ...] = (
    _reference(),
    ListColumn(gettext_lazy("title"), "title"),
    ListColumn(gettext_lazy("severity"), "get_severity_display"),
    ListColumn(gettext_lazy("CVSS score"), "cvss_score"),
    ListColumn(gettext_lazy("CVSS vector"), "cvss_vector"),
    ListColumn(gettext_lazy("status"), "get_status_display"),
    ListColumn(gettext_lazy("source"), "get_source_display"),
    ListColumn(gettext_lazy("scan scope"), "scan_scope"),
    ListColumn(gettext_lazy("scanner rule"), "rule_id"),
    ListOfTextColumn(gettext_lazy("CVE identifiers"), "cve_ids"),
    ListOfTextColumn(gettext_lazy("CWE identifiers"), "cwe_ids"),
    ListColumn(gettext_lazy("asset reference"), "asset.reference"),
    ListColumn(gettext_lazy("asset"), "asset.name"),
    ListColumn(gettext_lazy("owning unit"), "unit.name"),
    ListColumn(gettext_lazy("host"), "host"),
    ListColumn(gettext_lazy("port"), "port"),
    ListColumn(gettext_lazy("protocol"), "protocol"),
    ListColumn(gettext_lazy("service"), "service"),
    ListColumn(gettext_lazy("location"), "location"),
    ListColumn(gettext_lazy("component"), "component"),
    ListColumn(gettext_lazy("component version"), "component_version"),
    ListColumn(gettext_lazy("fixed in version"), "fixed_version"),
    ListColumn(gettext_lazy("first seen"), "first_seen_at"),
    ListColumn(gettext_lazy("last seen"), "sighting.last_seen_at"),
    ListColumn(gettext_lazy("opened"), "opened_at"),
    ListColumn(gettext_lazy("due"), "due_on"),
    DaysLeftColumn(gettext_lazy("days left"), "due_on"),
    ListColumn(gettext_lazy("fixed"), "fixed_at"),
    ListColumn(gettext_lazy("times reopened"), "reopened_count"),
    ListColumn(gettext_lazy("retest"), "get_retest_status_display"),
)

__all__ = ["FINDING_COLUMNS", "FINDING_EXPORT_COLUMNS", "FINDING_QUERYSET", "SlaClock", "sla_clock"]
