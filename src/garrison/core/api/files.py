"""API for the evidence store: list, upload, read, download and delete attachments."""

from __future__ import annotations

import json
from typing import Any

from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from garrison.core.api.base import ScopedViewSet, changeable_target
from garrison.core.models import Attachment, OrgUnit
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.core.services import files as file_services


class AnyMediaRenderer(renderers.BaseRenderer):
    """Lets a download be asked for with any Accept header; errors still come out as JSON."""

    media_type = "*/*"
    format = "download"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode("utf-8")


class AttachmentSerializer(serializers.ModelSerializer):
    sha256 = serializers.CharField(source="stored_file.sha256", read_only=True)
    size = serializers.IntegerField(source="stored_file.size", read_only=True)
    object_type = serializers.SerializerMethodField()
    uploaded_by_name = serializers.CharField(source="uploaded_by.full_name", read_only=True)

    class Meta:
        model = Attachment
        fields = [
            "id",
            "filename",
            "content_type",
            "description",
            "object_type",
            "object_id",
            "unit",
            "sha256",
            "size",
            "uploaded_by",
            "uploaded_by_name",
            "uploaded_at",
        ]
        read_only_fields = fields

    def get_object_type(self, attachment: Attachment) -> str | None:
        content_type = attachment.object_type
        return f"{content_type.app_label}.{content_type.model}" if content_type else None


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The file to keep as evidence (multipart upload).")
    unit = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), help_text="Id of the owning organisation unit."
    )
    object_type = serializers.CharField(
        required=False, allow_blank=True, help_text="app_label.model of the object it is evidence for"
    )
    object_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    description = serializers.CharField(required=False, allow_blank=True, max_length=500)

    def validate_unit(self, unit: OrgUnit) -> OrgUnit:
        person = self.context["request"].user
        if not restrict(OrgUnit.objects.filter(pk=unit.pk), person, Action.VIEW).exists():
            raise serializers.ValidationError(_("Unit not found."))
        return unit

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        label = attrs.pop("object_type", "") or ""
        object_id = str(attrs.pop("object_id", "") or "")
        attrs["target"] = None
        if not label and not object_id:
            return attrs
        if not label:
            raise serializers.ValidationError({"object_type": [_("Name the type of the object.")]})
        attrs["target"] = changeable_target(label, object_id, self.context["request"].user)
        return attrs


class AttachmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Evidence files. Identical content is stored once; `sha256` identifies it."""

    queryset = Attachment.objects.select_related("stored_file", "object_type", "uploaded_by")
    serializer_class = AttachmentSerializer
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]
    filterset_fields = ["unit", "object_id", "uploaded_by", "content_type"]
    search_fields = ["filename", "description", "stored_file__sha256"]
    ordering_fields = ["uploaded_at", "filename"]

    def person_may_add(self, person: Any) -> bool:
        # Evidence for an object needs the right to change that object (checked when the
        # target is resolved); loose evidence needs the add grant over its unit (below).
        return True

    @extend_schema(request=AttachmentUploadSerializer, responses={201: AttachmentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = AttachmentUploadSerializer(data=request.data, context=self.get_serializer_context())
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        if data["target"] is None:
            self.require_unit_in_scope(data["unit"], Action.ADD)
        uploaded = data["file"]
        attachment = file_services.store_file(
            uploaded,
            filename=uploaded.name or "",
            by=request.user,  # type: ignore[arg-type]
            unit=data["unit"],
            target=data["target"],
            content_type=getattr(uploaded, "content_type", "") or "",
            description=data.get("description", ""),
        )
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Attachment) -> None:
        file_services.delete_attachment(instance, by=self.request.user)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, AnyMediaRenderer],
        scope_action_name=Action.VIEW,
    )
    def download(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        """The file's content, with its SHA-256 as ETag and X-Content-SHA256."""
        attachment = self.get_object()
        sha256 = attachment.stored_file.sha256
        etag = f'"{sha256}"'
        if etag in request.headers.get("If-None-Match", ""):
            not_modified = HttpResponse(status=status.HTTP_304_NOT_MODIFIED)
            not_modified["ETag"] = etag
            return not_modified
        try:
            content = file_services.open_file(attachment)
        except FileNotFoundError:
            return HttpResponse(
                json.dumps({"detail": _("The stored file is missing from the evidence store.")}),
                status=status.HTTP_410_GONE,
                content_type="application/json",
            )
        response = FileResponse(
            content,
            as_attachment=True,
            filename=attachment.filename,
            content_type=attachment.content_type or "application/octet-stream",
        )
        response["ETag"] = etag
        response["X-Content-SHA256"] = sha256
        response["Content-Length"] = str(attachment.stored_file.size)
        return response
