"""API of log sources and their sealed batches: register and change sources, upload a
batch of logs (multipart), ask for an audit now, read a source's tree head, list and
download batches, export both lists.

Thin: serializers check shapes, garrison.logaudit.services write, scoping decides what
exists for the person (a source or batch out of reach is a 404).
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.assets.models import Asset
from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.files import AnyMediaRenderer
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import HistoryMixin, ServiceWritesMixin, reason_field
from garrison.core.models import Person
from garrison.core.roles import Action
from garrison.logaudit.filtersets_sources import LogBatchFilter, LogSourceFilter
from garrison.logaudit.models import AuditReport, LogBatch, LogSource
from garrison.logaudit.services import audits, ingest, sealing
from garrison.logaudit.services.sources import change_source, create_source
from garrison.logaudit.tables_sources import (
    BATCH_EXPORT_COLUMNS,
    BATCH_QUERYSET,
    SOURCE_EXPORT_COLUMNS,
    SOURCE_QUERYSET,
    with_batch_figures,
)
from garrison.logaudit.views.sources import batch_download_response
from garrison.web.lists import export_columns


class LogSourceSerializer(serializers.ModelSerializer):
    asset = ScopedRelatedField(
        queryset=Asset.objects.all(), help_text="The asset whose logs these are (ids of /api/assets/assets/)."
    )
    owner = ScopedRelatedField(
        queryset=Person.objects.all(),
        required=False,
        help_text="Defaults to the person registering the source.",
    )
    reviewer = ScopedRelatedField(
        queryset=Person.objects.all(),
        required=False,
        allow_null=True,
        help_text="Triages findings and signs the weekly reports; defaults to the owner.",
    )
    asset_reference = serializers.CharField(source="asset.reference", read_only=True)
    asset_name = serializers.CharField(source="asset.name", read_only=True)
    is_critical_system = serializers.BooleanField(source="asset.is_critical_system", read_only=True)
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    reviewer_name = serializers.CharField(source="reviewer.full_name", read_only=True, default=None)
    batch_total = serializers.IntegerField(read_only=True, default=None, help_text="Batches sealed.")
    last_received_at = serializers.DateTimeField(read_only=True, default=None)
    reason = reason_field()

    class Meta:
        model = LogSource
        fields = [
            "id",
            "reference",
            "name",
            "asset",
            "asset_reference",
            "asset_name",
            "is_critical_system",
            "log_format",
            "description",
            "owner",
            "owner_name",
            "reviewer",
            "reviewer_name",
            "audit_enabled",
            "batch_total",
            "last_received_at",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["reference", "created_at", "updated_at"]


class MalformedLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="1-based line number in the file.")
    reason = serializers.CharField()


class LogBatchSerializer(serializers.ModelSerializer):
    source_reference = serializers.CharField(source="source.reference", read_only=True)
    malformed_lines = MalformedLineSerializer(
        many=True, read_only=True, help_text="The first malformed lines with the reason."
    )
    is_pruned = serializers.SerializerMethodField(help_text="Whether retention deleted the content.")

    class Meta:
        model = LogBatch
        fields = [
            "id",
            "source",
            "source_reference",
            "sequence",
            "filename",
            "sha256",
            "size",
            "line_count",
            "event_count",
            "malformed_count",
            "malformed_lines",
            "first_event_at",
            "last_event_at",
            "received_at",
            "received_by",
            "pruned_at",
            "is_pruned",
        ]
        read_only_fields = fields

    def get_is_pruned(self, batch: LogBatch) -> bool:
        return batch.pruned_at is not None


class BatchUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A file of logs in the source's format (multipart upload).")

    def validate_file(self, value: Any) -> Any:
        if value.size > ingest.max_batch_bytes():
            raise serializers.ValidationError(ingest.too_large_message())
        return value


class TreeHeadSerializer(serializers.Serializer):
    size = serializers.IntegerField(help_text="Batches sealed in the source's Merkle tree.")
    head = serializers.CharField(help_text="The tree head (hex SHA-256, RFC 6962 shape).")


class QueuedReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditReport
        fields = ["id", "reference", "source", "period_start", "period_end", "status"]
        read_only_fields = fields


class LogSourceViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """Log sources of assets: each gets a weekly audit of the logs sealed in it."""

    queryset = SOURCE_QUERYSET
    serializer_class = LogSourceSerializer
    filterset_class = LogSourceFilter
    export_columns = export_columns(list(SOURCE_EXPORT_COLUMNS))
    export_name = "log-sources"
    search_fields = ["reference", "name", "description", "asset__name", "asset__reference"]
    ordering_fields = ["reference", "name", "log_format", "audit_enabled", "batch_total", "last_received_at"]
    ordering = ["name", "id"]

    create_service = staticmethod(create_source)
    update_service = staticmethod(change_source)

    def get_queryset(self) -> QuerySet[Any]:
        return with_batch_figures(super().get_queryset())

    def perform_create(self, serializer: Any) -> None:
        super().perform_create(serializer)
        serializer.instance = with_batch_figures(self.queryset.filter(pk=serializer.instance.pk)).get()

    def perform_update(self, serializer: Any) -> None:
        super().perform_update(serializer)
        serializer.instance = with_batch_figures(self.queryset.filter(pk=serializer.instance.pk)).get()

    @extend_schema(
        request={"multipart/form-data": BatchUploadSerializer},
        responses={201: LogBatchSerializer},
        summary="Seal a file of logs into the source as its next batch",
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[parsers.MultiPartParser, parsers.FormParser],
        scope_action_name=Action.CHANGE,
    )
    def batches(self, request: Request, pk: str | None = None) -> Response:
        """Upload a file of logs (multipart `file`). An empty, binary or too large file is
        refused (400) and nothing is stored; malformed lines are counted and listed."""
        source = self.get_object()
        form = BatchUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        batch = ingest.ingest_batch(source, upload, filename=upload.name, by=cast(Person, request.user))
        fresh = BATCH_QUERYSET.get(pk=batch.pk)
        return Response(LogBatchSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: QueuedReportSerializer})
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def audit(self, request: Request, pk: str | None = None) -> Response:
        """Audit the source now, in the background; follow the report it answers with."""
        source = self.get_object()

        report = audits.request_audit(source, by=request.user)
        return Response(QueuedReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=TreeHeadSerializer)
    @action(detail=True, methods=["get"])
    def tree(self, request: Request, pk: str | None = None) -> Response:
        """The size and head of the source's Merkle tree now."""
        source = self.get_object()
        size, head = sealing.current_tree(source)
        return Response(TreeHeadSerializer({"size": size, "head": head}).data)


class LogBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ExportMixin, ScopedViewSet):
    """Sealed batches of logs (read-only: a batch never changes once stored)."""

    queryset = BATCH_QUERYSET
    serializer_class = LogBatchSerializer
    filterset_class = LogBatchFilter
    export_columns = export_columns(list(BATCH_EXPORT_COLUMNS))
    export_name = "log-batches"
    search_fields = ["filename", "sha256", "source__reference"]
    ordering_fields = ["received_at", "sequence", "size", "event_count", "malformed_count"]
    ordering = ["source", "sequence"]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[AnyMediaRenderer], scope_action_name=Action.VIEW)
    def download(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        """The batch's logs as received (404 once deleted under retention)."""
        return batch_download_response(self.get_object())


def register_routes(router: BaseRouter) -> None:
    router.register("sources", LogSourceViewSet, basename="logaudit-source")
    router.register("batches", LogBatchViewSet, basename="logaudit-batch")
