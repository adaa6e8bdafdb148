"""API of the certification register: certificates (with renewal and the certificate file)
and their surveillance audits.

Thin: serializers validate shapes, garrison.compliance.services.certifications writes,
scoping decides what exists for the person (an object out of reach is a 404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, parsers, renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from garrison.compliance import certs
from garrison.compliance.filtersets_certifications import CertificationFilter, SurveillanceAuditFilter
from garrison.compliance.models import Assessment, Audit, Certification, Framework, SurveillanceAudit
from garrison.compliance.services import certifications as services
from garrison.compliance.tables_certifications import (
    CERTIFICATION_EXPORT_COLUMNS,
    SURVEILLANCE_AUDIT_COLUMNS,
    with_next_surveillance,
)
from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.files import AnyMediaRenderer, AttachmentSerializer
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import HistoryMixin, ServiceWritesMixin, reason_field
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import can
from garrison.core.services import files as file_services
from garrison.web.lists import export_columns


class CertificationSerializer(serializers.ModelSerializer):
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all())
    owner = ScopedRelatedField(queryset=Person.objects.all())
    framework = ScopedRelatedField(queryset=Framework.objects.all(), allow_null=True, required=False)
    assessment = ScopedRelatedField(queryset=Assessment.objects.all(), allow_null=True, required=False)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    certificate_file = AttachmentSerializer(read_only=True, allow_null=True)
    days_left = serializers.SerializerMethodField()
    next_surveillance = serializers.DateField(read_only=True, allow_null=True, required=False)
    years_held = serializers.SerializerMethodField()
    held_since = serializers.SerializerMethodField()
    reason = reason_field()

    class Meta:
        model = Certification
        fields = [
            "id",
            "scheme",
            "name",
            "scope_description",
            "body",
            "number",
            "issued_on",
            "expires_on",
            "status",
            "unit",
            "unit_name",
            "owner",
            "owner_name",
            "framework",
            "assessment",
            "certificate_file",
            "notes",
            "days_left",
            "next_surveillance",
            "years_held",
            "held_since",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def _holding(self, certification: Certification) -> certs.Holding:
        holding = getattr(certification, "holding", None)
        if holding is None:
            holding = services.holding_of(certification)
            certification.holding = holding  # type: ignore[attr-defined]
        return holding

    def get_days_left(self, certification: Certification) -> int:
        """Days until the expiry date (0 on that day, negative once expired)."""
        return certs.days_left(organisation_today(), certification.expires_on)

    def get_years_held(self, certification: Certification) -> int:
        """Whole years the lineage (scheme, unit, scope) is held without a break; 0 if not held now."""
        return self._holding(certification).years

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_held_since(self, certification: Certification) -> str | None:
        """The first day of the unbroken run of coverage, when held now."""
        holding = self._holding(certification)
        return holding.since.isoformat() if holding.is_held and holding.since else None


class RenewalSerializer(serializers.Serializer):
    issued_on = serializers.DateField()
    expires_on = serializers.DateField()
    number = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)
    file = serializers.FileField(required=False, help_text="The renewed certificate's file (multipart).")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CertificateFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The certificate's file (multipart upload).")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CertificationViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """The certification register: certificates, attestation reports and filings held."""

    queryset = Certification.objects.select_related(
        "unit",
        "owner",
        "certificate_file__stored_file",
        "certificate_file__object_type",
        "certificate_file__uploaded_by",
    )
    serializer_class = CertificationSerializer
    filterset_class = CertificationFilter
    export_columns = export_columns(list(CERTIFICATION_EXPORT_COLUMNS))
    export_name = "certifications"
    search_fields = ["name", "number", "body", "scope_description"]
    ordering_fields = ["name", "scheme", "body", "issued_on", "expires_on", "status", "next_surveillance"]
    ordering = ["expires_on", "name"]
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]

    def get_queryset(self) -> QuerySet[Any]:
        return with_next_surveillance(super().get_queryset())

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":
            holdings = services.holdings_for(page)
            for item in page:
                item.holding = holdings[item.pk]
        return page

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        self.require_unit_in_scope(data.get("unit"), Action.ADD)
        serializer.instance = services.create_certification(by=self.request.user, reason=reason, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        if "unit" in data and data["unit"].pk != serializer.instance.unit_id:
            self.require_unit_in_scope(data["unit"], Action.CHANGE)
        serializer.instance = services.update_certification(
            serializer.instance, by=self.request.user, reason=reason, **data
        )

    delete_service = staticmethod(services.delete_certification)

    def _fresh(self, certification: Certification) -> Response:
        certification = with_next_surveillance(
            Certification.objects.select_related("unit", "owner", "certificate_file__stored_file")
        ).get(pk=certification.pk)
        return Response(self.get_serializer(certification).data)

    @extend_schema(request=RenewalSerializer, responses={201: CertificationSerializer})
    @action(
        detail=True,
        methods=["post"],
        scope_action_name=Action.CHANGE,
        parser_classes=[parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser],
    )
    def renew(self, request: Request, pk: str | None = None) -> Response:
        """Record the renewed certificate: the next of the lineage, for a new period."""
        certification = self.get_object()
        if not can(request.user, Action.ADD, certification):
            raise Http404
        form = RenewalSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        upload = data.get("file")
        renewed = services.renew_certification(
            certification,
            by=request.user,
            issued_on=data["issued_on"],
            expires_on=data["expires_on"],
            number=data["number"],
            file=upload,
            filename=upload.name if upload is not None else "",
            content_type=getattr(upload, "content_type", "") or "",
            reason=data["reason"],
        )
        response = self._fresh(renewed)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": CertificateFileSerializer},
        responses={200: CertificationSerializer},
        summary="Upload or replace the certificate file",
    )
    @extend_schema(
        methods=["GET"],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        summary="Download the current certificate file",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[parsers.MultiPartParser, parsers.FormParser],
        renderer_classes=[renderers.JSONRenderer, AnyMediaRenderer],
    )
    def file(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        if request.method == "POST":
            return self._upload(request)
        certification = self.get_object()
        attachment = certification.certificate_file
        if attachment is None:
            raise Http404
        try:
            content = file_services.open_file(attachment)
        except FileNotFoundError:
            return Response(
                {"detail": _("The stored file is missing from the evidence store.")},
                status=status.HTTP_410_GONE,
            )
        response = FileResponse(
            content,
            as_attachment=True,
            filename=attachment.filename,
            content_type=attachment.content_type or "application/octet-stream",
        )
        response["X-Content-SHA256"] = attachment.stored_file.sha256
        response["Content-Length"] = str(attachment.stored_file.size)
        return response

    def _upload(self, request: Request) -> Response:
        certification = self.get_object()
        form = CertificateFileSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        services.attach_certificate_file(
            certification,
            upload,
            by=request.user,
            filename=upload.name or "",
            content_type=getattr(upload, "content_type", "") or "",
            reason=form.validated_data["reason"],
        )
        return self._fresh(certification)

    def scope_action(self) -> Action:
        if self.action == "file" and self.request.method == "POST":
            return Action.CHANGE
        return super().scope_action()


# Surveillance audits ---------------------------------------------------------------------------


class SurveillanceAuditSerializer(serializers.ModelSerializer):
    certification = ScopedRelatedField(queryset=Certification.objects.all())
    audit = ScopedRelatedField(queryset=Audit.objects.all(), allow_null=True, required=False)
    certification_name = serializers.CharField(source="certification.name", read_only=True)
    reason = reason_field()

    class Meta:
        model = SurveillanceAudit
        fields = [
            "id",
            "certification",
            "certification_name",
            "kind",
            "due_on",
            "completed_on",
            "outcome",
            "audit",
            "reason",
        ]

    def validate_certification(self, certification: Certification) -> Certification:
        if self.instance is not None and certification.pk != self.instance.certification_id:
            raise serializers.ValidationError(_("An audit stays with its certification."))
        if not can(self.context["request"].user, Action.CHANGE, certification):
            raise serializers.ValidationError(_("You cannot plan audits of this certification."))
        return certification


class SurveillanceCompletionSerializer(serializers.Serializer):
    completed_on = serializers.DateField(required=False, allow_null=True)
    outcome = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class SurveillanceAuditViewSet(
    ServiceWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """The audits the certifications depend on (surveillance, recertification, annual)."""

    queryset = SurveillanceAudit.objects.select_related("certification")
    serializer_class = SurveillanceAuditSerializer
    filterset_class = SurveillanceAuditFilter
    export_columns = export_columns(list(SURVEILLANCE_AUDIT_COLUMNS))
    export_name = "surveillance-audits"
    search_fields = ["certification__name", "outcome"]
    ordering_fields = ["due_on", "completed_on", "kind"]
    ordering = ["due_on", "id"]

    def person_may_add(self, person: Any) -> bool:
        # Whoever may change a certification may plan its audits; checked on the certification.
        return True

    parent_field = "certification"
    create_service = staticmethod(services.add_surveillance_audit)
    delete_service = staticmethod(services.delete_surveillance_audit)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("certification", None)
        reason = data.pop("reason", "")
        serializer.instance = services.update_surveillance_audit(
            serializer.instance, by=self.request.user, reason=reason, **data
        )

    @extend_schema(request=SurveillanceCompletionSerializer, responses=SurveillanceAuditSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Record that the audit took place (today unless another day is given) and its outcome."""
        item = self.get_object()
        form = SurveillanceCompletionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        item = services.complete_surveillance_audit(
            item,
            by=request.user,
            completed_on=form.validated_data.get("completed_on"),
            outcome=form.validated_data["outcome"],
            reason=form.validated_data["reason"],
        )
        return Response(self.get_serializer(item).data)


def register_routes(router: DefaultRouter) -> None:
    router.register("certifications", CertificationViewSet, basename="certification")
    router.register("surveillance-audits", SurveillanceAuditViewSet, basename="surveillance-audit")
