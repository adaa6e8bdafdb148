"""Columns of the audit report list, shared by the web page and the exports (web and API)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from garrison.logaudit.models import AuditReport
from garrison.web.lists import ListColumn

# What a row of the list reads, in one query: the source, its asset and the reviewer.
REPORT_QUERYSET = AuditReport.objects.select_related("source__asset", "reviewer", "signed_by")

REPORT_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(gettext_lazy("reference"), "reference", sort_key="id", link="logaudit:report-detail"),
    ListColumn(gettext_lazy("from"), "period_start", sort_key="period_start"),
    ListColumn(gettext_lazy("until"), "period_end"),
    ListColumn(
        gettext_lazy("log source"), "source.name", link="logaudit:source-detail", link_arg="source_id"
    ),
    ListColumn(
        gettext_lazy("asset"), "source.asset.name", link="assets:asset-detail", link_arg="source.asset_id"
    ),
    ListColumn(
        gettext_lazy("status"),
        "get_status_display",
        sort_key="status",
        template="logaudit/report_status_cell.html",
    ),
    ListColumn(gettext_lazy("reviewer"), "reviewer.full_name"),
    ListColumn(gettext_lazy("events"), "event_count", sort_key="event_count"),
    ListColumn(gettext_lazy("matches"), "match_count", sort_key="match_count"),
    ListColumn(gettext_lazy("escalated"), "escalated_at", sort_key="escalated_at"),
)

REPORT_EXPORT_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(gettext_lazy("reference"), "reference"),
    ListColumn(gettext_lazy("from"), "period_start"),
    ListColumn(gettext_lazy("until"), "period_end"),
    ListColumn(gettext_lazy("log source reference"), "source.reference"),
    ListColumn(gettext_lazy("log source"), "source.name"),
    ListColumn(gettext_lazy("asset reference"), "source.asset.reference"),
    ListColumn(gettext_lazy("asset"), "source.asset.name"),
    ListColumn(gettext_lazy("critical information system"), "source.asset.is_critical_system"),
    ListColumn(gettext_lazy("status"), "get_status_display"),
    ListColumn(gettext_lazy("reviewer"), "reviewer.full_name"),
    ListColumn(gettext_lazy("batches"), "batch_count"),
    ListColumn(gettext_lazy("events"), "event_count"),
    ListColumn(gettext_lazy("malformed lines"), "malformed_count"),
    ListColumn(gettext_lazy("matches"), "match_count"),
    ListColumn(gettext_lazy("suppressed matches"), "suppressed_count"),
    ListColumn(gettext_lazy("rules run"), "rule_count"),
    ListColumn(gettext_lazy("batches sealed"), "tree_size"),
    ListColumn(gettext_lazy("tree head"), "tree_head"),
    ListColumn(gettext_lazy("finished"), "finished_at"),
    ListColumn(gettext_lazy("escalated"), "escalated_at"),
    ListColumn(gettext_lazy("signed by"), "signed_by.full_name"),
    ListColumn(gettext_lazy("signed"), "signed_at"),
    ListColumn(gettext_lazy("sign-off note"), "sign_note"),
)

__all__ = ["REPORT_COLUMNS", "REPORT_EXPORT_COLUMNS", "REPORT_QUERYSET"]
