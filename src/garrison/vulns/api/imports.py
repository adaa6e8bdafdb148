"""API of scan imports: upload a scanner file (multipart; answered 202 with the queued
import, which runs in the background), follow its status and progress, read its summary
and rejected records, download the file, export the list.

Thin: the serializer checks shapes, garrison.vulns.services.importing stores and queues,
scoping decides what exists for the person (an import out of reach is a 404).
"""

from __future__ import annotations

from typing import Any, cast

from django.http import Http404, HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.files import AnyMediaRenderer
from garrison.core.api.org import ScopedRelatedField
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action
from garrison.vulns.forms_imports import OPEN_TEST_STATUSES, too_large_message, upload_limit_megabytes
from garrison.vulns.models import ImportFormat, PenetrationTest, ScanImport
from garrison.vulns.services import importing
from garrison.vulns.tables_imports import IMPORT_EXPORT_COLUMNS, IMPORT_QUERYSET, ImportFilter
from garrison.web.files import attachment_download
from garrison.web.lists import export_columns


class RejectionSerializer(serializers.Serializer):
    where = serializers.CharField(help_text="The element, line or record of the file.")
    reason = serializers.CharField()


class ScanImportSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    penetration_test_reference = serializers.CharField(
        source="penetration_test.reference", read_only=True, default=None
    )
    created_by_name = serializers.CharField(source="created_by.full_name", read_only=True)
    rejections = RejectionSerializer(
        many=True, read_only=True, help_text="The first rejected records, with where and why."
    )
    has_file = serializers.SerializerMethodField(help_text="Whether `file/` serves the uploaded file.")

    class Meta:
        model = ScanImport
        fields = [
            "id",
            "reference",
            "filename",
            "requested_format",
            "detected_format",
            "scan_scope",
            "unit",
            "unit_name",
            "penetration_test",
            "penetration_test_reference",
            "size",
            "status",
            "progress",
            "error",
            "new_count",
            "open_count",
            "reopened_count",
            "fixed_count",
            "unchanged_count",
            "rejected_count",
            "host_count",
            "discovered_asset_count",
            "rejections",
            "has_file",
            "created_by",
            "created_by_name",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_has_file(self, obj: ScanImport) -> bool:
        return obj.source_file_id is not None


class ScanImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The scanner's report (multipart upload): Nessus .nessus v2, OpenVAS/GVM XML, Trivy JSON, "
        "SARIF 2.1.0, Nmap XML or Garrison CSV."
    )
    format = serializers.ChoiceField(
        choices=ImportFormat.choices, default=ImportFormat.AUTO, help_text="auto detects it from the file."
    )
    scan_scope = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=ScanImport._meta.get_field("scan_scope").max_length,
        help_text=str(ScanImport._meta.get_field("scan_scope").help_text),
    )
    unit = ScopedRelatedField(
        queryset=OrgUnit.objects.all(), help_text="Owns discovered hosts and the findings on no asset."
    )
    penetration_test = ScopedRelatedField(
        queryset=PenetrationTest.objects.filter(status__in=OPEN_TEST_STATUSES),
        required=False,
        allow_null=True,
        default=None,
        help_text="Optional: a penetration test under way whose findings the file reports.",
    )

    def validate_file(self, value: Any) -> Any:
        if value.size > upload_limit_megabytes() * 1024 * 1024:
            raise serializers.ValidationError(too_large_message())
        return value

    def validate_scan_scope(self, value: str) -> str:
        return value.replace("\x00", "").strip()


class ScanImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ExportMixin, ScopedViewSet):
    """Imports of scanner files. POST uploads one (multipart) and answers 202 with the queued
    import; poll its `status` and `progress` until it is `done` (the counts are then final)
    or `failed` (`error` says why; nothing was changed)."""

    queryset = IMPORT_QUERYSET
    serializer_class = ScanImportSerializer
    filterset_class = ImportFilter
    search_fields = ["reference", "filename", "scan_scope"]
    ordering_fields = ["created_at", "reference", "status", "new_count", "fixed_count"]
    ordering = ["-created_at", "-id"]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]
    export_columns = export_columns(IMPORT_EXPORT_COLUMNS)
    export_name = "scan-imports"

    @extend_schema(
        request={"multipart/form-data": ScanImportUploadSerializer},
        responses={202: ScanImportSerializer},
        summary="Upload a scanner file; it is imported in the background",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = ScanImportUploadSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        self.require_unit_in_scope(data["unit"], Action.ADD)
        upload = data["file"]
        scan_import = importing.start_import(
            upload,
            filename=upload.name,
            by=cast(Person, request.user),
            unit=data["unit"],
            requested_format=data["format"],
            scan_scope=data["scan_scope"],
            penetration_test=data["penetration_test"],
        )
        fresh = IMPORT_QUERYSET.get(pk=scan_import.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[AnyMediaRenderer], scope_action_name=Action.VIEW)
    def file(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        """The uploaded file, as received."""
        scan_import = self.get_object()
        if scan_import.source_file is None:
            raise Http404
        return attachment_download(scan_import.source_file)


def register_routes(router: BaseRouter) -> None:
    router.register("imports", ScanImportViewSet, basename="vulns-import")
