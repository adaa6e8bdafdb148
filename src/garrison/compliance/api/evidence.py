"""API of the compliance evidence: evidence with its versions (multipart uploads, downloads)
and evidence requests with their `fulfil` and `cancel` actions.

Thin: serializers check shapes, garrison.compliance.services.evidence writes, scoping
decides what exists for the person (out of reach is a 404).
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from garrison.compliance.filtersets_evidence import EvidenceFilter, EvidenceRequestFilter
from garrison.compliance.models import (
    AppliedControl,
    Evidence,
    EvidenceKind,
    EvidenceRequest,
    EvidenceVersion,
    RequirementResult,
)
from garrison.compliance.services import evidence as services
from garrison.compliance.tables_evidence import EVIDENCE_COLUMNS, REQUEST_COLUMNS
from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.files import AnyMediaRenderer
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import HistoryMixin
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action
from garrison.web.lists import export_columns

PARSERS = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]


class VersionSerializer(serializers.ModelSerializer):
    filename = serializers.CharField(source="attachment.filename", read_only=True, default="")
    size = serializers.IntegerField(source="attachment.stored_file.size", read_only=True, default=None)
    added_by_name = serializers.CharField(source="added_by.full_name", read_only=True)

    class Meta:
        model = EvidenceVersion
        fields = [
            "number",
            "filename",
            "size",
            "sha256",
            "url",
            "note",
            "valid_from",
            "valid_until",
            "added_by",
            "added_by_name",
            "added_at",
        ]
        read_only_fields = fields


class VersionInputSerializer(serializers.Serializer):
    """A new version: a file (multipart) or a link, with its validity period."""

    file = serializers.FileField(required=False, help_text="The file (multipart upload), for file evidence.")
    url = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, help_text="For link evidence."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)

    def version_data(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        upload = data.pop("file", None)
        return {
            "file": upload,
            "filename": getattr(upload, "name", "") if upload else "",
            "content_type": getattr(upload, "content_type", "") if upload else "",
            "url": data.get("url", "") or "",
            "note": data.get("note", ""),
            "valid_from": data.get("valid_from"),
            "valid_until": data.get("valid_until"),
        }


class EvidenceSerializer(serializers.ModelSerializer):
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all())
    owner = ScopedRelatedField(queryset=Person.objects.all())
    controls = ScopedRelatedField(queryset=AppliedControl.objects.all(), many=True, required=False)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    validity = serializers.SerializerMethodField()
    current_version = VersionSerializer(read_only=True)
    reason = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=2000)

    class Meta:
        model = Evidence
        fields = [
            "id",
            "reference",
            "name",
            "description",
            "kind",
            "unit",
            "unit_name",
            "owner",
            "owner_name",
            "controls",
            "current_version",
            "valid_from",
            "valid_until",
            "validity",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["reference", "valid_from", "valid_until", "created_at", "updated_at"]

    def get_validity(self, evidence: Evidence) -> str:
        return services.validity_of(evidence.valid_until)

    def validate_kind(self, kind: str) -> str:
        if self.instance is not None and kind != self.instance.kind:
            raise serializers.ValidationError(_("The kind of evidence cannot change."))
        return kind


class EvidenceCreateSerializer(EvidenceSerializer):
    """New evidence and its version 1, as JSON (a link) or multipart (a file); the
    validity period given is version 1's."""

    file = serializers.FileField(required=False, write_only=True, help_text="The file (multipart upload).")
    url = serializers.CharField(
        required=False, allow_blank=True, write_only=True, max_length=1000, help_text="For link evidence."
    )
    note = serializers.CharField(required=False, allow_blank=True, write_only=True)

    class Meta(EvidenceSerializer.Meta):
        fields = [*EvidenceSerializer.Meta.fields, "file", "url", "note"]
        read_only_fields = ["reference", "created_at", "updated_at"]


class EvidenceViewSet(
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """Evidence: files kept content-addressed (SHA-256 recorded per version) or links."""

    queryset = Evidence.objects.select_related("unit", "owner", "current_version__attachment__stored_file")
    serializer_class = EvidenceSerializer
    parser_classes = PARSERS
    filterset_class = EvidenceFilter
    export_columns = export_columns(list(EVIDENCE_COLUMNS))
    export_name = "evidence"
    search_fields = ["reference", "name", "description"]
    ordering_fields = ["reference", "name", "valid_until", "created_at", "updated_at"]
    ordering = ["reference"]

    def get_queryset(self) -> QuerySet[Any]:
        return services.annotate_validity(super().get_queryset()).prefetch_related("controls")

    def get_serializer_class(self) -> Any:
        return EvidenceCreateSerializer if self.action == "create" else super().get_serializer_class()

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        self.require_unit_in_scope(data["unit"], Action.ADD)
        upload = data.pop("file", None)
        serializer.instance = services.create_evidence(
            by=self.request.user,
            reason=data.pop("reason", ""),
            file=upload,
            filename=getattr(upload, "name", "") if upload else "",
            content_type=getattr(upload, "content_type", "") if upload else "",
            kind=data.pop("kind", EvidenceKind.FILE),
            **data,
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("kind", None)
        if "unit" in data and data["unit"].pk != serializer.instance.unit_id:
            self.require_unit_in_scope(data["unit"], Action.CHANGE)
        serializer.instance = services.update_evidence(
            serializer.instance,
            by=self.request.user,
            reason=data.pop("reason", ""),
            controls=data.pop("controls", None),
            **data,
        )

    def perform_destroy(self, instance: Evidence) -> None:
        services.delete_evidence(instance, by=self.request.user)

    @extend_schema(request=VersionInputSerializer, responses={201: VersionSerializer})
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE, parser_classes=PARSERS)
    def versions(self, request: Request, pk: str | None = None) -> Response:
        """Add a version (multipart with `file`, or JSON with `url`); it becomes the current one."""
        evidence = self.get_object()
        upload = VersionInputSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        version = services.add_version(evidence, by=request.user, **upload.version_data())
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=VersionSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="versions/list")
    def version_list(self, request: Request, pk: str | None = None) -> Response:
        """Every version, newest first."""
        evidence = self.get_object()
        versions = evidence.versions.select_related("attachment__stored_file", "added_by")
        return Response(VersionSerializer(versions, many=True).data)

    @extend_schema(
        parameters=[],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        description="The current version's file; `?version=N` for another version.",
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[AnyMediaRenderer],
        scope_action_name=Action.VIEW,
    )
    def download(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        evidence = self.get_object()
        number = request.query_params.get("version", "")
        versions = evidence.versions.select_related("attachment__stored_file")
        version = (
            versions.filter(number=int(number)).first()
            if number.isdigit() and len(number) < 10
            else versions.filter(pk=evidence.current_version_id).first()
        )
        if version is None or version.attachment is None:
            return _json(status.HTTP_404_NOT_FOUND, _("This version has no file."))
        attachment = version.attachment
        try:
            content = services.file_services.open_file(attachment)
        except FileNotFoundError:
            return _json(status.HTTP_410_GONE, _("The stored file is missing from the evidence store."))
        response = FileResponse(
            content,
            as_attachment=True,
            filename=attachment.filename,
            content_type=attachment.content_type or "application/octet-stream",
        )
        response["X-Content-SHA256"] = version.sha256
        response["Content-Length"] = str(attachment.stored_file.size)
        return response


def _json(code: int, detail: str) -> HttpResponse:
    return HttpResponse(json.dumps({"detail": detail}), status=code, content_type="application/json")


# Requests ------------------------------------------------------------------------------------


class RequestForEvidenceSerializer(serializers.ModelSerializer):
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all())
    assignee = ScopedRelatedField(queryset=Person.objects.all())
    control = ScopedRelatedField(queryset=AppliedControl.objects.all(), required=False, allow_null=True)
    evidence = ScopedRelatedField(queryset=Evidence.objects.all(), required=False, allow_null=True)
    requirement_result = ScopedRelatedField(
        queryset=RequirementResult.objects.all(), required=False, allow_null=True
    )
    assignee_name = serializers.CharField(source="assignee.full_name", read_only=True)
    requested_by_name = serializers.CharField(source="requested_by.full_name", read_only=True)
    reason = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=2000)

    class Meta:
        model = EvidenceRequest
        fields = [
            "id",
            "title",
            "description",
            "unit",
            "assignee",
            "assignee_name",
            "requested_by",
            "requested_by_name",
            "due_on",
            "status",
            "control",
            "evidence",
            "requirement_result",
            "fulfilled_at",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["requested_by", "status", "fulfilled_at", "created_at", "updated_at"]


class EvidenceRequestFulfilSerializer(VersionInputSerializer):
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Name of new evidence (the title by default).",
    )


class EvidenceRequestCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class EvidenceRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """Requests for evidence by a date; the person asked fulfils them with a file or a link."""

    queryset = EvidenceRequest.objects.select_related("unit", "assignee", "requested_by")
    serializer_class = RequestForEvidenceSerializer
    filterset_class = EvidenceRequestFilter
    export_columns = export_columns(list(REQUEST_COLUMNS))
    export_name = "evidence-requests"
    search_fields = ["title", "description"]
    ordering_fields = ["due_on", "status", "title", "created_at"]
    ordering = ["due_on", "id"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        self.require_unit_in_scope(data["unit"], Action.ADD)
        serializer.instance = services.request_evidence(by=self.request.user, **data)

    @extend_schema(request=EvidenceRequestFulfilSerializer, responses={201: VersionSerializer})
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE, parser_classes=PARSERS)
    def fulfil(self, request: Request, pk: str | None = None) -> Response:
        """Deliver the evidence: a new version of the request's evidence, or new evidence."""
        item = self.get_object()
        payload = EvidenceRequestFulfilSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        version = services.fulfil_request(
            item, by=request.user, name=payload.validated_data.get("name", ""), **payload.version_data()
        )
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EvidenceRequestCancelSerializer, responses={200: RequestForEvidenceSerializer})
    @action(detail=True, methods=["post"], scope_action_name=Action.DELETE)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw an open request (the requesting side); the person asked is told."""
        item = self.get_object()
        payload = EvidenceRequestCancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.cancel_request(item, by=request.user, reason=payload.validated_data["reason"])
        return Response(self.get_serializer(item).data)


def register_routes(router: Any) -> None:
    router.register("evidence", EvidenceViewSet, basename="evidence")
    router.register("evidence-requests", EvidenceRequestViewSet, basename="evidence-request")
