"""Filters of the log source list and of the batches (web page and API)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import Asset
from garrison.core.filters import ScopedFilterSet
from garrison.core.scoping import scoped_choices
from garrison.logaudit.models import LogBatch, LogFormat, LogSource


class LogSourceFilter(ScopedFilterSet):
    """Asset, format, critical information systems only, weekly audit on or off."""

    asset = django_filters.ModelChoiceFilter(queryset=scoped_choices(Asset), label=_("Asset"))
    # Not "format": the API reads that query parameter as the response's media type.
    log_format = django_filters.ChoiceFilter(choices=LogFormat.choices, label=_("Format"))
    critical_system = django_filters.BooleanFilter(
        field_name="asset__is_critical_system", label=_("Critical information system")
    )
    audit_enabled = django_filters.BooleanFilter(label=_("Weekly audit"))

    class Meta:
        model = LogSource
        fields = ["asset", "log_format", "critical_system", "audit_enabled"]


class LogBatchFilter(ScopedFilterSet):
    """The batches of one source, received from / until, deleted under retention or not."""

    source = django_filters.ModelChoiceFilter(queryset=scoped_choices(LogSource), label=_("Log source"))
    received_after = django_filters.IsoDateTimeFilter(
        field_name="received_at", lookup_expr="gte", label=_("Received from")
    )
    received_before = django_filters.IsoDateTimeFilter(
        field_name="received_at", lookup_expr="lt", label=_("Received before")
    )
    pruned = django_filters.BooleanFilter(method="filter_pruned", label=_("Deleted under retention"))

    class Meta:
        model = LogBatch
        fields = ["source", "received_after", "received_before", "pruned"]

    def filter_pruned(self, queryset: models.QuerySet[LogBatch], name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        return queryset.filter(pruned_at__isnull=not value)
