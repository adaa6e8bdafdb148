"""API of the assessments: `assessments/` (CRUD, status steps, every node's coverage,
confirming every inferred result, and the reports and inference of
`AssessmentReportActions`) and `requirement-results/` (list, read, set a result with
PATCH, confirm an inferred one).

Thin: serializers validate shapes, garrison.compliance.services.assessments writes,
scoping decides what exists for the person (an object out of reach is a 404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from garrison.compliance.api.assessment_actions import AssessmentReportActions
from garrison.compliance.filtersets_assessments import AssessmentFilter, RequirementResultFilter
from garrison.compliance.models import (
    AppliedControl,
    Assessment,
    AssessmentStatus,
    Evidence,
    Framework,
    RequirementNode,
    RequirementResult,
)
from garrison.compliance.services import assessments as services
from garrison.compliance.tables_assessments import ASSESSMENT_COLUMNS, with_figures
from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import HistoryMixin, ServiceWritesMixin
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action
from garrison.web.lists import export_columns

REASON_FIELD_OPTIONS: dict[str, Any] = {
    "write_only": True,
    "required": False,
    "allow_blank": True,
    "max_length": 2000,
    "help_text": "Kept in the audit trail.",
}


class CoverageFiguresSerializer(serializers.Serializer):
    """One node's (or the whole framework's) figures; see garrison.compliance.scoring."""

    assessable = serializers.IntegerField()
    assessed = serializers.IntegerField(help_text="Compliant, partial, non-compliant or not applicable.")
    not_assessed = serializers.IntegerField(help_text="Unconfirmed inferred results included.")
    compliant = serializers.IntegerField()
    partial = serializers.IntegerField()  # type: ignore[assignment]  # a figure, not DRF's partial flag
    non_compliant = serializers.IntegerField()
    not_applicable = serializers.IntegerField()
    inferred = serializers.IntegerField(help_text="Inferred results waiting for a confirmation.")
    progress = serializers.FloatField(allow_null=True, help_text="Assessed / assessable, percent.")
    score = serializers.FloatField(
        allow_null=True,
        help_text="(compliant + partial / 2) / (compliant + partial + non-compliant), percent.",
    )


class CoverageNodeSerializer(CoverageFiguresSerializer):
    requirement = serializers.IntegerField()


class AssessmentCoverageSerializer(serializers.Serializer):
    assessment = serializers.IntegerField()
    total = CoverageFiguresSerializer()
    nodes = CoverageNodeSerializer(many=True, help_text="Every node of the framework, in reading order.")


class InferredConfirmedSerializer(serializers.Serializer):
    confirmed = serializers.IntegerField(help_text="How many inferred results were confirmed.")


class AssessmentReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class AssessmentTransitionSerializer(AssessmentReasonSerializer):
    transition = serializers.ChoiceField(choices=["start", "complete", "reopen"])


# Assessments ------------------------------------------------------------------------------------


class AssessmentSerializer(serializers.ModelSerializer):
    framework = ScopedRelatedField(queryset=Framework.objects.all())
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all())
    lead = ScopedRelatedField(queryset=Person.objects.all())
    reference = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="Generated (ASM-000001) when left out."
    )
    status = serializers.ChoiceField(
        choices=[choice for choice in AssessmentStatus.choices if choice[0] != AssessmentStatus.COMPLETED],
        required=False,
        help_text="On creation only: planned or in progress. Later through the `status` action.",
    )
    framework_reference = serializers.CharField(source="framework.reference", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    lead_name = serializers.CharField(source="lead.full_name", read_only=True)
    result_count = serializers.IntegerField(read_only=True)
    assessed_count = serializers.IntegerField(read_only=True)
    inferred_count = serializers.IntegerField(read_only=True)
    progress = serializers.FloatField(read_only=True, allow_null=True)
    score = serializers.FloatField(read_only=True, allow_null=True)
    reason = serializers.CharField(**REASON_FIELD_OPTIONS)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "reference",
            "name",
            "framework",
            "framework_reference",
            "unit",
            "unit_name",
            "scope_description",
            "lead",
            "lead_name",
            "status",
            "starts_on",
            "due_on",
            "completed_at",
            "result_count",
            "assessed_count",
            "inferred_count",
            "progress",
            "score",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["completed_at", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            errors = {}
            if "framework" in attrs and attrs["framework"].pk != self.instance.framework_id:
                errors["framework"] = [_("The framework of an assessment cannot change.")]
            if "status" in attrs and attrs["status"] != self.instance.status:
                errors["status"] = [_("Change the status with the status action.")]
            reference = (attrs.get("reference") or "").strip()
            if reference and reference != self.instance.reference:
                errors["reference"] = [_("The reference of an assessment cannot change.")]
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


class AssessmentViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    AssessmentReportActions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """Assessments: a framework over a unit, with overall progress and score."""

    queryset = Assessment.objects.select_related("framework", "unit", "lead")
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter
    export_columns = export_columns(list(ASSESSMENT_COLUMNS))
    export_name = "assessments"
    search_fields = ["reference", "name", "scope_description", "framework__reference"]
    ordering_fields = ["reference", "name", "status", "due_on", "progress", "score", "created_at"]
    ordering = ["-created_at", "reference"]

    def get_queryset(self) -> QuerySet[Any]:
        return with_figures(super().get_queryset())

    create_service = staticmethod(services.create_assessment)
    delete_service = staticmethod(services.delete_assessment)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        for fixed in ("framework", "status", "reference"):
            data.pop(fixed, None)
        serializer.instance = services.update_assessment(
            serializer.instance, by=self.request.user, reason=reason, **data
        )

    def _fresh(self, assessment: Assessment) -> Response:
        refreshed = with_figures(self.queryset.filter(pk=assessment.pk)).get()
        return Response(self.get_serializer(refreshed).data)

    @extend_schema(request=AssessmentTransitionSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def status(self, request: Request, pk: str | None = None) -> Response:
        """Start, complete or reopen the assessment (completing is refused while results
        are not assessed; reopening needs a reason)."""
        assessment = self.get_object()
        payload = AssessmentTransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.change_status(
            assessment,
            payload.validated_data["transition"],
            by=request.user,
            reason=payload.validated_data["reason"],
        )
        return self._fresh(assessment)

    @extend_schema(responses=AssessmentCoverageSerializer, filters=False)
    @action(
        detail=True, methods=["get"], scope_action_name=Action.VIEW, pagination_class=None, filter_backends=[]
    )
    def coverage(self, request: Request, pk: str | None = None) -> Response:
        """Every node's assessable and assessed counts, counts per result, progress and
        score, and the whole framework's."""
        assessment = self.get_object()
        figures = services.assessment_coverage(assessment)
        order = RequirementNode.objects.filter(framework_id=assessment.framework_id).order_by("order", "pk")
        nodes = [
            {"requirement": node_id, **figures.nodes[node_id].as_dict()}
            for node_id in order.values_list("pk", flat=True)
            if node_id in figures.nodes
        ]
        return Response({"assessment": assessment.pk, "total": figures.total.as_dict(), "nodes": nodes})

    @extend_schema(request=AssessmentReasonSerializer, responses=InferredConfirmedSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-inferred", scope_action_name=Action.CHANGE)
    def confirm_inferred(self, request: Request, pk: str | None = None) -> Response:
        """Confirm every inferred result of the assessment the person may change."""
        assessment = self.get_object()
        payload = AssessmentReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        count = services.confirm_all_inferred(
            assessment, by=request.user, reason=payload.validated_data["reason"]
        )
        return Response({"confirmed": count})


# Requirement results ----------------------------------------------------------------------------


class RequirementResultSerializer(serializers.ModelSerializer):
    controls = ScopedRelatedField(queryset=AppliedControl.objects.all(), many=True, required=False)
    evidence = ScopedRelatedField(queryset=Evidence.objects.all(), many=True, required=False)
    requirement_reference = serializers.CharField(source="requirement.reference", read_only=True)
    requirement_name = serializers.CharField(source="requirement.name", read_only=True)
    assessment_reference = serializers.CharField(source="assessment.reference", read_only=True)
    reason = serializers.CharField(**REASON_FIELD_OPTIONS)

    class Meta:
        model = RequirementResult
        fields = [
            "id",
            "assessment",
            "assessment_reference",
            "requirement",
            "requirement_reference",
            "requirement_name",
            "result",
            "justification",
            "controls",
            "evidence",
            "is_inferred",
            "inferred_from",
            "assessed_by",
            "assessed_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = [
            "assessment",
            "requirement",
            "is_inferred",
            "inferred_from",
            "assessed_by",
            "assessed_at",
            "updated_at",
        ]


class RequirementResultViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """The results of every assessment the person may see; PATCH sets a result (with its
    justification, controls and evidence), `confirm` accepts an inferred one."""

    http_method_names = ["get", "patch", "post", "head", "options"]
    queryset = RequirementResult.objects.select_related("assessment", "requirement")
    serializer_class = RequirementResultSerializer
    filterset_class = RequirementResultFilter
    search_fields: list[str] = []
    ordering_fields = ["requirement__order", "result", "assessed_at", "updated_at"]
    ordering = ["assessment", "requirement__order", "pk"]

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if self.action in ("list", "retrieve", "partial_update"):
            queryset = queryset.prefetch_related("controls", "evidence")
        return queryset

    def person_may_add(self, person: Any) -> bool:
        # Results are made with their assessment, never one by one.
        return False

    def perform_update(self, serializer: Any) -> None:
        row = serializer.instance
        data = dict(serializer.validated_data)
        services.set_result(
            row,
            by=self.request.user,
            result=data.get("result", row.result),
            justification=data.get("justification", row.justification),
            controls=data.get("controls"),
            evidence=data.get("evidence"),
            reason=data.get("reason", ""),
        )
        serializer.instance = self.get_queryset().get(pk=row.pk)

    @extend_schema(request=AssessmentReasonSerializer, responses=RequirementResultSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Confirm an inferred result as the person's own: it counts from now on."""
        row = self.get_object()
        payload = AssessmentReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.confirm_inferred(row, by=request.user, reason=payload.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=row.pk)).data)


def register_routes(router: Any) -> None:
    router.register("assessments", AssessmentViewSet, basename="assessment")
    router.register("requirement-results", RequirementResultViewSet, basename="requirement-result")
