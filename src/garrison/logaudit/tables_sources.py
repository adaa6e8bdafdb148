"""Columns of the log source list and of a source's batches, shared by the web pages and
the API exports."""

from __future__ import annotations

from django.db.models import Count, Max, QuerySet
from django.utils.translation import gettext_lazy as _

from garrison.logaudit.models import LogBatch, LogSource
from garrison.web.lists import ListColumn

SOURCE_QUERYSET: QuerySet[LogSource] = LogSource.objects.select_related(
    "asset", "asset__unit", "owner", "reviewer"
)
BATCH_QUERYSET: QuerySet[LogBatch] = LogBatch.objects.select_related(
    "source", "source__asset", "stored_file", "received_by"
)


def with_batch_figures(queryset: QuerySet[LogSource]) -> QuerySet[LogSource]:
    """Each source with how many batches it holds and when the last one came."""
    return queryset.annotate(batch_total=Count("batches"), last_received_at=Max("batches__received_at"))


SOURCE_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("reference"), "reference", sort_key="reference", link="logaudit:source-detail"),
    ListColumn(_("name"), "name", sort_key="name", link="logaudit:source-detail"),
    ListColumn(_("asset"), "asset.name", sort_key="asset__name"),
    ListColumn(
        _("critical information system"), "asset.is_critical_system", sort_key="asset__is_critical_system"
    ),
    ListColumn(_("format"), "get_log_format_display", sort_key="log_format"),
    ListColumn(_("weekly audit"), "audit_enabled", sort_key="audit_enabled"),
    ListColumn(_("owner"), "owner.full_name", sort_key="owner__full_name"),
    ListColumn(_("batches"), "batch_total", sort_key="batch_total"),
    ListColumn(_("last received"), "last_received_at", sort_key="last_received_at"),
)

SOURCE_EXPORT_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("reference"), "reference"),
    ListColumn(_("name"), "name"),
    ListColumn(_("asset reference"), "asset.reference"),
    ListColumn(_("asset"), "asset.name"),
    ListColumn(_("unit"), "asset.unit.name"),
    ListColumn(_("critical information system"), "asset.is_critical_system"),
    ListColumn(_("format"), "get_log_format_display"),
    ListColumn(_("weekly audit"), "audit_enabled"),
    ListColumn(_("owner"), "owner.full_name"),
    ListColumn(_("reviewer"), "reviewer.full_name"),
    ListColumn(_("batches"), "batch_total"),
    ListColumn(_("last received"), "last_received_at"),
    ListColumn(_("description"), "description"),
)

BATCH_EXPORT_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("log source"), "source.reference"),
    ListColumn(_("sequence"), "sequence"),
    ListColumn(_("file name"), "filename"),
    ListColumn(_("size (bytes)"), "size"),
    ListColumn(_("lines"), "line_count"),
    ListColumn(_("events"), "event_count"),
    ListColumn(_("malformed lines"), "malformed_count"),
    ListColumn(_("first event"), "first_event_at"),
    ListColumn(_("last event"), "last_event_at"),
    ListColumn(_("received"), "received_at"),
    ListColumn(_("SHA-256"), "sha256"),
    ListColumn(_("deleted under retention"), "pruned_at"),
)
