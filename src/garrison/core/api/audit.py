"""Read-only API over the audit trail, filtered by object, actor and time."""

from __future__ import annotations

import django_filters
from rest_framework import mixins, serializers

from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.filters import ScopedFilterSet
from garrison.core.models import AuditEvent
from garrison.core.tables import AUDIT_EVENT_COLUMNS
from garrison.web.lists import export_columns


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "sequence",
            "occurred_at",
            "actor",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "reason",
            "request_id",
            "source_ip",
            "previous_hash",
            "hash",
        ]


class AuditEventFilter(ScopedFilterSet):
    occurred_after = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["object_type", "object_id", "actor", "action", "request_id"]


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ExportMixin, ScopedViewSet):
    queryset = AuditEvent.objects.all()
    export_columns = export_columns(AUDIT_EVENT_COLUMNS)
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    search_fields = ["object_repr", "actor_label", "reason"]
    ordering_fields = ["sequence", "occurred_at"]
    lookup_field = "sequence"
