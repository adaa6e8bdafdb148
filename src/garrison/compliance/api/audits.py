"""API of audits, findings and corrective actions.

Thin: serializers validate shapes, garrison.compliance.services.audits writes,
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
from rest_framework.routers import DefaultRouter

from garrison.compliance.filtersets_audits import AuditFilter, CorrectiveActionFilter, FindingFilter
from garrison.compliance.models import (
    AppliedControl,
    Assessment,
    Audit,
    CorrectiveAction,
    CorrectiveActionStatus,
    Finding,
    Framework,
    RequirementNode,
)
from garrison.compliance.services import audits as services
from garrison.compliance.tables_audits import AUDIT_COLUMNS, CORRECTIVE_ACTION_COLUMNS, FINDING_COLUMNS
from garrison.compliance.views.audits import with_counts
from garrison.compliance.views.findings import with_overdue
from garrison.compliance.workflows import AuditWorkflow
from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import HistoryMixin, ServiceWritesMixin, reason_field
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action
from garrison.core.scoping import can
from garrison.web.lists import export_columns

# Audits ----------------------------------------------------------------------------------------


class AuditSerializer(serializers.ModelSerializer):
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all())
    lead = ScopedRelatedField(queryset=Person.objects.all())
    framework = serializers.PrimaryKeyRelatedField(
        queryset=Framework.objects.all(), required=False, allow_null=True
    )
    assessment = ScopedRelatedField(queryset=Assessment.objects.all(), required=False, allow_null=True)
    reference = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="Generated (AUD-000001) when left out."
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    lead_name = serializers.CharField(source="lead.full_name", read_only=True)
    finding_count = serializers.IntegerField(read_only=True, default=0)
    open_finding_count = serializers.IntegerField(read_only=True, default=0)
    reason = reason_field()

    class Meta:
        model = Audit
        fields = [
            "id",
            "reference",
            "title",
            "kind",
            "unit",
            "unit_name",
            "lead",
            "lead_name",
            "auditing_body",
            "framework",
            "assessment",
            "scope_description",
            "starts_on",
            "ends_on",
            "status",
            "summary",
            "finding_count",
            "open_finding_count",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]

    def validate_reference(self, reference: str) -> str:
        reference = reference.strip()
        if self.instance is not None and reference and reference != self.instance.reference:
            raise serializers.ValidationError(_("The reference of an audit cannot change."))
        return reference


class AuditTransitionSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(
        choices=[(item.name, item.name) for item in AuditWorkflow.transitions],
        help_text="start, report, resume (needs a reason) or close.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class AuditViewSet(
    ServiceWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ExportMixin,
    HistoryMixin,
    ScopedViewSet,
):
    """Internal and external audits, with the count of their findings."""

    queryset = Audit.objects.select_related("unit", "lead", "framework")
    serializer_class = AuditSerializer
    filterset_class = AuditFilter
    export_columns = export_columns(list(AUDIT_COLUMNS))
    export_name = "audits"
    search_fields = ["reference", "title", "auditing_body"]
    ordering_fields = ["reference", "title", "starts_on", "ends_on", "status", "kind", "unit__name"]
    ordering = ["-starts_on", "reference"]

    def get_queryset(self) -> QuerySet[Any]:
        return with_counts(super().get_queryset())

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        self.require_unit_in_scope(data.get("unit"), Action.ADD)
        serializer.instance = services.create_audit(by=self.request.user, reason=reason, **data)

    parent_field = "reference"
    update_service = staticmethod(services.update_audit)
    delete_service = staticmethod(services.delete_audit)

    @extend_schema(request=AuditTransitionSerializer, responses=AuditSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Take a step of the audit's workflow: start, report, resume or close."""
        audit = self.get_object()
        form = AuditTransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.transition_audit(
            audit, form.validated_data["transition"], by=request.user, reason=form.validated_data["reason"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=audit.pk)).data)


# Findings --------------------------------------------------------------------------------------


class FindingSerializer(serializers.ModelSerializer):
    audit = ScopedRelatedField(queryset=Audit.objects.all(), required=False, allow_null=True)
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all(), required=False)
    owner = ScopedRelatedField(queryset=Person.objects.all())
    requirement = serializers.PrimaryKeyRelatedField(
        queryset=RequirementNode.objects.all(), required=False, allow_null=True
    )
    control = ScopedRelatedField(queryset=AppliedControl.objects.all(), required=False, allow_null=True)
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    audit_reference = serializers.CharField(source="audit.reference", read_only=True, default=None)
    is_overdue = serializers.BooleanField(read_only=True, default=False)
    reason = reason_field()

    class Meta:
        model = Finding
        fields = [
            "id",
            "reference",
            "title",
            "description",
            "kind",
            "status",
            "audit",
            "audit_reference",
            "unit",
            "owner",
            "owner_name",
            "requirement",
            "control",
            "control_test",
            "root_cause",
            "raised_on",
            "due_on",
            "verified_on",
            "verified_by",
            "is_effective",
            "verification_notes",
            "is_overdue",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = [
            "reference",
            "status",
            "control_test",
            "raised_on",
            "verified_on",
            "verified_by",
            "is_effective",
            "verification_notes",
            "created_at",
            "updated_at",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and attrs.get("audit") is None:
            raise serializers.ValidationError({"audit": [_("A finding is raised on an audit.")]})
        if self.instance is not None:
            for name in ("audit", "unit"):
                value = attrs.get(name)
                if value is not None and value.pk != getattr(self.instance, f"{name}_id"):
                    raise serializers.ValidationError(
                        {name: [_("This cannot change after the finding is raised.")]}
                    )
        return attrs


class FindingVerifySerializer(serializers.Serializer):
    effective = serializers.BooleanField()
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class FindingCloseSerializer(serializers.Serializer):
    notes = serializers.CharField(max_length=4000)


class FindingViewSet(
    ServiceWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ExportMixin,
    HistoryMixin,
    ScopedViewSet,
):
    """Audit findings and the nonconformities failed control tests opened."""

    queryset = Finding.objects.select_related("unit", "owner", "audit", "control_test__control")
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    export_columns = export_columns(list(FINDING_COLUMNS))
    export_name = "findings"
    search_fields = ["reference", "title", "description"]
    ordering_fields = ["reference", "raised_on", "due_on", "status", "kind"]
    ordering = ["-raised_on", "reference"]

    def get_queryset(self) -> QuerySet[Any]:
        return with_overdue(super().get_queryset())

    def person_may_add(self, person: Any) -> bool:
        # Whoever may change an audit may raise its findings; the service checks the audit.
        return True

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        audit = data.pop("audit")
        serializer.instance = services.raise_audit_finding(audit, by=self.request.user, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        data.pop("audit", None)
        data.pop("unit", None)
        serializer.instance = services.update_finding(
            serializer.instance, by=self.request.user, reason=reason, **data
        )

    delete_service = staticmethod(services.delete_finding)

    def _answer(self, finding: Finding) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=finding.pk)).data)

    @extend_schema(request=FindingVerifySerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def verify(self, request: Request, pk: str | None = None) -> Response:
        """Record whether the corrective actions were effective (closes or reopens the finding)."""
        finding = self.get_object()
        form = FindingVerifySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.verify_finding(
            finding,
            by=request.user,
            effective=form.validated_data["effective"],
            notes=form.validated_data["notes"],
        )
        return self._answer(finding)

    @extend_schema(request=FindingCloseSerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close an observation or an opportunity for improvement with a note."""
        finding = self.get_object()
        form = FindingCloseSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.close_finding(finding, by=request.user, notes=form.validated_data["notes"])
        return self._answer(finding)


# Corrective actions ----------------------------------------------------------------------------


class CorrectiveActionSerializer(serializers.ModelSerializer):
    finding = ScopedRelatedField(queryset=Finding.objects.all())
    owner = ScopedRelatedField(queryset=Person.objects.all())
    finding_reference = serializers.CharField(source="finding.reference", read_only=True)
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    status = serializers.ChoiceField(
        choices=[CorrectiveActionStatus.PLANNED, CorrectiveActionStatus.IN_PROGRESS],
        required=False,
        help_text="Planned or in progress; use `complete` to mark it done.",
    )
    reason = reason_field()

    class Meta:
        model = CorrectiveAction
        fields = [
            "id",
            "finding",
            "finding_reference",
            "title",
            "description",
            "owner",
            "owner_name",
            "due_on",
            "status",
            "completed_on",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["completed_on", "created_at", "updated_at"]

    def validate_finding(self, finding: Finding) -> Finding:
        if self.instance is not None and finding.pk != self.instance.finding_id:
            raise serializers.ValidationError(_("An action stays with its finding."))
        if not can(self.context["request"].user, Action.CHANGE, finding):
            raise serializers.ValidationError(_("You cannot plan actions for this finding."))
        return finding


class CorrectiveActionCompleteSerializer(serializers.Serializer):
    completed_on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CorrectiveActionCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class CorrectiveActionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ExportMixin,
    HistoryMixin,
    ScopedViewSet,
):
    """Corrective actions answering findings, with who owes them and by when."""

    queryset = CorrectiveAction.objects.select_related("finding", "owner")
    serializer_class = CorrectiveActionSerializer
    filterset_class = CorrectiveActionFilter
    export_columns = export_columns(list(CORRECTIVE_ACTION_COLUMNS))
    export_name = "corrective-actions"
    search_fields = ["title", "finding__reference"]
    ordering_fields = ["due_on", "status", "title", "finding__reference", "completed_on"]
    ordering = ["due_on", "id"]

    def person_may_add(self, person: Any) -> bool:
        # Whoever may change a finding may plan its actions; checked on the finding.
        return True

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.add_corrective_action(
            data.pop("finding"), by=self.request.user, **data
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("finding", None)
        reason = data.pop("reason", "")
        serializer.instance = services.update_corrective_action(
            serializer.instance, by=self.request.user, reason=reason, **data
        )

    @extend_schema(request=CorrectiveActionCompleteSerializer, responses=CorrectiveActionSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the action done; the last one done sends its finding to verification."""
        item = self.get_object()
        form = CorrectiveActionCompleteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        item = services.complete_corrective_action(
            item,
            by=request.user,
            completed_on=form.validated_data.get("completed_on"),
            reason=form.validated_data["reason"],
        )
        return Response(self.get_serializer(item).data)

    @extend_schema(request=CorrectiveActionCancelSerializer, responses=CorrectiveActionSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel an action no longer needed, saying why."""
        item = self.get_object()
        form = CorrectiveActionCancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        item = services.cancel_corrective_action(item, by=request.user, reason=form.validated_data["reason"])
        return Response(self.get_serializer(item).data)


def register_routes(router: DefaultRouter) -> None:
    router.register("audits", AuditViewSet, basename="audit")
    router.register("findings", FindingViewSet, basename="finding")
    router.register("corrective-actions", CorrectiveActionViewSet, basename="corrective-action")
