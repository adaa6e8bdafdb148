"""API of the applied controls and their testing calendar.

Thin: serializers validate shapes, garrison.compliance.services.controls and .testing
write, scoping decides what exists for the person (an object out of reach is a 404).
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

from garrison.assets.models import Asset
from garrison.compliance.filtersets_controls import AppliedControlFilter, ControlTestFilter
from garrison.compliance.models import (
    COMPLETED_TEST_RESULTS,
    AppliedControl,
    ControlTest,
    Evidence,
    ReferenceControl,
    RequirementNode,
    TestResult,
)
from garrison.compliance.services import controls as control_services
from garrison.compliance.services import testing
from garrison.compliance.tables_controls import CONTROL_COLUMNS, CONTROL_TEST_COLUMNS
from garrison.compliance.views.controls import with_list_figures
from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import HistoryMixin, ServiceWritesMixin, reason_field
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action
from garrison.risks.models import RiskScenario
from garrison.web.lists import export_columns


class AppliedControlSerializer(serializers.ModelSerializer):
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all())
    owner = ScopedRelatedField(queryset=Person.objects.all())
    tester = ScopedRelatedField(queryset=Person.objects.all(), allow_null=True, required=False)
    reference_control = ScopedRelatedField(
        queryset=ReferenceControl.objects.all(), allow_null=True, required=False
    )
    requirements = ScopedRelatedField(
        queryset=RequirementNode.objects.all(),
        many=True,
        required=False,
        help_text="Requirement ids, of any number of frameworks.",
    )
    assets = ScopedRelatedField(queryset=Asset.objects.all(), many=True, required=False)
    risks = ScopedRelatedField(queryset=RiskScenario.objects.all(), many=True, required=False)
    reference = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="Generated (CTL-000001) when left out."
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    requirement_count = serializers.IntegerField(read_only=True, required=False)
    next_test_due = serializers.DateField(read_only=True, required=False, allow_null=True)
    reason = reason_field()

    class Meta:
        model = AppliedControl
        fields = [
            "id",
            "reference",
            "name",
            "description",
            "unit",
            "unit_name",
            "owner",
            "owner_name",
            "category",
            "status",
            "implemented_on",
            "reference_control",
            "requirements",
            "assets",
            "risks",
            "test_frequency",
            "test_method",
            "test_success_criteria",
            "tester",
            "requirement_count",
            "next_test_due",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate_reference(self, reference: str) -> str:
        reference = reference.strip()
        if self.instance is not None and reference and reference != self.instance.reference:
            raise serializers.ValidationError(_("The reference of a control cannot change."))
        return reference


class AppliedControlViewSet(
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
    """The organisation's controls with their test plans and the requirements, assets and
    risk scenarios they are linked to."""

    queryset = AppliedControl.objects.select_related("unit", "owner", "tester")
    serializer_class = AppliedControlSerializer
    filterset_class = AppliedControlFilter
    export_columns = export_columns(list(CONTROL_COLUMNS))
    export_name = "controls"
    search_fields = ["reference", "name", "description"]
    ordering_fields = ["reference", "name", "status", "category", "implemented_on", "test_frequency"]
    ordering = ["reference"]

    def get_queryset(self) -> QuerySet[Any]:
        return with_list_figures(super().get_queryset()).prefetch_related("requirements", "assets", "risks")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        self.require_unit_in_scope(data.get("unit"), Action.ADD)
        serializer.instance = control_services.create_control(by=self.request.user, reason=reason, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        data.pop("reference", None)
        if "unit" in data:
            self.require_unit_in_scope(data["unit"], Action.CHANGE)
        serializer.instance = control_services.update_control(
            serializer.instance,
            by=self.request.user,
            reason=reason,
            requirements=data.pop("requirements", None),
            assets=data.pop("assets", None),
            risks=data.pop("risks", None),
            **data,
        )

    delete_service = staticmethod(control_services.delete_control)


class ControlTestSerializer(serializers.ModelSerializer):
    tester = ScopedRelatedField(queryset=Person.objects.all(), allow_null=True, required=False)
    control_reference = serializers.CharField(source="control.reference", read_only=True)
    evidence: serializers.PrimaryKeyRelatedField[Evidence] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    is_completed = serializers.BooleanField(read_only=True)
    reason = reason_field()

    class Meta:
        model = ControlTest
        fields = [
            "id",
            "control",
            "control_reference",
            "due_on",
            "tester",
            "method",
            "success_criteria",
            "result",
            "performed_on",
            "performed_by",
            "notes",
            "evidence",
            "is_completed",
            "completed_at",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = [
            "control",
            "result",
            "performed_on",
            "performed_by",
            "notes",
            "completed_at",
            "created_at",
            "updated_at",
        ]


class CompleteTestSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=[(value, label) for value, label in TestResult.choices if value in COMPLETED_TEST_RESULTS]
    )
    performed_on = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    evidence = ScopedRelatedField(queryset=Evidence.objects.all(), many=True, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ControlTestViewSet(
    ServiceWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """The control-testing calendar. Tests are planned by the scheduler; a scheduled test
    may be moved or given to another tester; a completed test is read-only."""

    queryset = ControlTest.objects.select_related("control__unit", "tester", "performed_by").prefetch_related(
        "evidence"
    )
    serializer_class = ControlTestSerializer
    filterset_class = ControlTestFilter
    export_columns = export_columns(list(CONTROL_TEST_COLUMNS))
    export_name = "control-tests"
    search_fields = ["control__reference", "control__name", "notes"]
    ordering_fields = ["due_on", "result", "performed_on", "control__reference"]
    ordering = ["due_on", "id"]

    update_service = staticmethod(testing.update_test)

    @extend_schema(request=CompleteTestSerializer, responses=ControlTestSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Record the test's result; a failed test opens a nonconformity."""
        test = self.get_object()
        form = CompleteTestSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        test = testing.complete_test(test, by=request.user, **form.validated_data)
        return Response(self.get_serializer(test).data)


def register_routes(router: DefaultRouter) -> None:
    router.register("controls", AppliedControlViewSet, basename="applied-control")
    router.register("control-tests", ControlTestViewSet, basename="control-test")
