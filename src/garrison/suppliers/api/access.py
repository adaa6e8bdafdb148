"""API of supplier access: applications and their steps, objections, and the access paths'
configuration.

Thin: serializers validate shapes, garrison.suppliers.services.access (and .access_config
for the paths) writes, scoping decides what exists for the person (an application out of
reach is a 404). The status of an application moves only through the step actions
(record-stage, advance, announce-shortlist, approve, reject, withdraw).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.records import HistoryMixin, ServiceWritesMixin, reason_field
from garrison.core.filters import ScopedFilterSet
from garrison.core.models import Attachment
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.suppliers.filtersets_access import ApplicationFilter
from garrison.suppliers.models import (
    AccessApplication,
    AccessPathConfig,
    Objection,
    StageOutcome,
    StageRecord,
    Supplier,
)
from garrison.suppliers.services import access as services
from garrison.suppliers.services import access_config as config_services
from garrison.suppliers.tables_access import APPLICATION_EXPORT_COLUMNS, APPLICATION_QUERYSET
from garrison.web.lists import export_columns

PARSERS = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]
APPLICATION_STATUS_HELP = (
    "The stage the application stands at (qualification_review, on_site_inspection, internal_assessment, "
    "shortlist_announcement, final_selection), then approved, rejected, withdrawn or lapsed."
)


class ChangeableSupplierField(serializers.PrimaryKeyRelatedField):
    """A supplier the requesting person may change; any other reads as missing."""

    def get_queryset(self) -> QuerySet[Supplier]:
        request = self.context.get("request")
        return restrict(Supplier.objects.all(), getattr(request, "user", None), Action.CHANGE)


class StageEvidenceSerializer(serializers.ModelSerializer):
    sha256 = serializers.CharField(source="stored_file.sha256", read_only=True)
    size = serializers.IntegerField(source="stored_file.size", read_only=True)

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "sha256", "size", "uploaded_at"]
        read_only_fields = fields


class StageRecordSerializer(serializers.ModelSerializer):
    stage = serializers.CharField(read_only=True, help_text="The stage of the full chain recorded.")
    decided_by_name = serializers.CharField(source="decided_by.full_name", read_only=True)
    evidence = StageEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = StageRecord
        fields = [
            "id",
            "stage",
            "outcome",
            "score",
            "notes",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "evidence",
        ]
        read_only_fields = fields


class ObjectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Objection
        fields = [
            "id",
            "application",
            "objector",
            "contact",
            "grounds",
            "lodged_at",
            "recorded_by",
            "status",
            "resolution",
            "resolved_by",
            "resolved_at",
        ]
        read_only_fields = fields


class AccessApplicationSerializer(serializers.ModelSerializer):
    supplier = ChangeableSupplierField(help_text="The supplier to qualify; one you may change.")
    supplier_reference = serializers.CharField(source="supplier.reference", read_only=True)
    supplier_name = serializers.CharField(source="supplier.display_name", read_only=True)
    path = serializers.CharField(max_length=20, help_text="standard or express.")
    status = serializers.CharField(read_only=True, help_text=APPLICATION_STATUS_HELP)
    stages = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The stages this application runs, in order."
    )
    required_documents = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Document kinds required before approval."
    )
    justification = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text="Why this path; required for express."
    )
    stage_records = StageRecordSerializer(many=True, read_only=True)
    objections = ObjectionSerializer(many=True, read_only=True)
    reason = reason_field()

    class Meta:
        model = AccessApplication
        fields = [
            "id",
            "reference",
            "supplier",
            "supplier_reference",
            "supplier_name",
            "path",
            "status",
            "stages",
            "required_documents",
            "justification",
            "contract_value_cny",
            "publicity_starts_at",
            "publicity_ends_at",
            "full_review_due",
            "decided_at",
            "requested_by",
            "stage_records",
            "objections",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = [
            "reference",
            "publicity_starts_at",
            "publicity_ends_at",
            "full_review_due",
            "decided_at",
            "requested_by",
            "created_at",
            "updated_at",
        ]


class RecordStageSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=StageOutcome.choices)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True)
    notes = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required when failed."
    )
    evidence_files = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="Evidence files (multipart)."
    )


class AnnounceSerializer(serializers.Serializer):
    publicity_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Defaults to the path's publicity period."
    )


class LodgeObjectionSerializer(serializers.Serializer):
    objector = serializers.CharField(max_length=300)
    contact = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    grounds = serializers.CharField()
    lodged_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Defaults to now.")


class AccessDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Required to reject or withdraw.",
    )


class ResolveObjectionSerializer(serializers.Serializer):
    upheld = serializers.BooleanField(
        help_text="True upholds the objection (the application is then to be rejected)."
    )
    resolution = serializers.CharField()


class AccessApplicationViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """Access applications: a supplier's run through the standard or express path."""

    queryset = APPLICATION_QUERYSET.prefetch_related(
        "stage_records__decided_by", "stage_records__evidence__stored_file", "objections"
    )
    serializer_class = AccessApplicationSerializer
    filterset_class = ApplicationFilter
    export_columns = export_columns(list(APPLICATION_EXPORT_COLUMNS))
    export_name = "access-applications"
    search_fields = ["reference", "supplier__reference", "supplier__name", "supplier__name_en"]
    ordering_fields = ["reference", "status", "path", "created_at", "decided_at", "full_review_due"]
    ordering = ["-created_at", "-id"]
    parent_field = "supplier"
    create_service = staticmethod(services.start_application)

    def _fresh(self, application: AccessApplication) -> Response:
        return Response(self.get_serializer(self.queryset.get(pk=application.pk)).data)

    @extend_schema(request=RecordStageSerializer, responses=AccessApplicationSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="record-stage",
        scope_action_name=Action.CHANGE,
        parser_classes=PARSERS,
    )
    def record_stage(self, request: Request, pk: str | None = None) -> Response:
        """Record the outcome of the current stage once, with evidence files (multipart)."""
        application = self.get_object()
        form = RecordStageSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.record_stage(application, by=request.user, **form.validated_data)
        return self._fresh(application)

    @extend_schema(request=None, responses=AccessApplicationSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def advance(self, request: Request, pk: str | None = None) -> Response:
        """Move on to the next configured stage."""
        application = self.get_object()
        services.advance(application, by=request.user)
        return self._fresh(application)

    @extend_schema(request=AnnounceSerializer, responses=AccessApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="announce-shortlist", scope_action_name=Action.CHANGE)
    def announce_shortlist(self, request: Request, pk: str | None = None) -> Response:
        """Move on to the shortlist announcement, opening its publicity period."""
        application = self.get_object()
        form = AnnounceSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.announce_shortlist(
            application, by=request.user, publicity_days=form.validated_data.get("publicity_days")
        )
        return self._fresh(application)

    @extend_schema(request=LodgeObjectionSerializer, responses={201: ObjectionSerializer})
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def objections(self, request: Request, pk: str | None = None) -> Response:
        """Lodge an objection during the publicity period."""
        application = self.get_object()
        form = LodgeObjectionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        objection = services.lodge_objection(application, by=request.user, **form.validated_data)
        return Response(ObjectionSerializer(objection).data, status=201)

    def _decide(self, request: Request, service: Any) -> Response:
        application = self.get_object()
        form = AccessDecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        service(application, by=request.user, reason=form.validated_data["reason"])
        return self._fresh(application)

    @extend_schema(request=AccessDecisionSerializer, responses=AccessApplicationSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve an application whose final selection passed; the supplier is qualified."""
        return self._decide(request, services.approve_application)

    @extend_schema(request=AccessDecisionSerializer, responses=AccessApplicationSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject an application under way (reason required)."""
        return self._decide(request, services.reject_application)

    @extend_schema(request=AccessDecisionSerializer, responses=AccessApplicationSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw an application under way (reason required)."""
        return self._decide(request, services.withdraw_application)


class ObjectionFilter(ScopedFilterSet):
    application = django_filters.ModelChoiceFilter(queryset=AccessApplication.objects.all())

    class Meta:
        model = Objection
        fields = ["application", "status"]


class AccessObjectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Objections to shortlists (filter by `application`); resolve with `resolve`."""

    queryset = Objection.objects.select_related("application")
    serializer_class = ObjectionSerializer
    filterset_class = ObjectionFilter
    ordering_fields = ["lodged_at", "status"]
    ordering = ["lodged_at", "id"]

    @extend_schema(request=ResolveObjectionSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """Uphold or dismiss an open objection, saying why."""
        objection = self.get_object()
        form = ResolveObjectionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        resolved = services.resolve_objection(objection, by=request.user, **form.validated_data)
        return Response(ObjectionSerializer(resolved).data)


class AccessPathSerializer(serializers.ModelSerializer):
    path = serializers.CharField(read_only=True, help_text="standard or express.")
    stages = serializers.ListField(
        child=serializers.CharField(max_length=30),
        required=False,
        help_text=(
            "An ordered subset of the full chain (qualification_review, on_site_inspection, "
            "internal_assessment, shortlist_announcement, final_selection) ending with final_selection."
        ),
    )
    required_documents = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        help_text="Document kinds (as the supplier documents name them) the supplier must hold unexpired.",
    )
    reason = reason_field()

    class Meta:
        model = AccessPathConfig
        fields = [
            "id",
            "path",
            "stages",
            "required_documents",
            "publicity_days",
            "full_review_days",
            "value_limit_cny",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["updated_at"]


class AccessPathViewSet(
    ServiceWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """The access paths' configuration, by path (standard, express); changed by those who
    may change suppliers over the whole organisation."""

    queryset = AccessPathConfig.objects.all()
    serializer_class = AccessPathSerializer
    lookup_field = "path"
    filterset_fields: list[str] = []
    ordering = ["path"]
    update_service = staticmethod(config_services.update_access_path)


def register_routes(router: BaseRouter) -> None:
    router.register("access-applications", AccessApplicationViewSet, basename="access-application")
    router.register("access-objections", AccessObjectionViewSet, basename="access-objection")
    router.register("access-paths", AccessPathViewSet, basename="access-path")
