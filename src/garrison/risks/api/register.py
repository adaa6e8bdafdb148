"""API of the risk register: scenarios, treatment actions, acceptances and the heat map.

Thin: serializers validate shapes, the services in garrison.risks.services write,
scoping decides what exists for the person (an object out of reach is a 404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from garrison.assets.models import Asset
from garrison.core import exports
from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import DecisionMixin, DecisionSerializer, HistoryMixin, ServiceWritesMixin
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action
from garrison.core.scoping import can, restrict
from garrison.risks import reports
from garrison.risks.filtersets import RiskAcceptanceFilter, RiskScenarioFilter, TreatmentActionFilter
from garrison.risks.heatmap import as_data, heat_map
from garrison.risks.models import (
    RiskAcceptance,
    RiskMatrix,
    RiskScenario,
    Threat,
    TreatmentAction,
    has_overdue_action,
    with_flags,
)
from garrison.risks.services import acceptance as acceptance_services
from garrison.risks.services import scenarios as scenario_services
from garrison.risks.services import treatment as treatment_services
from garrison.risks.services.scenarios import default_matrix
from garrison.risks.tables import ACCEPTANCE_COLUMNS, REGISTER_EXPORT_COLUMNS, TREATMENT_ACTION_COLUMNS
from garrison.web.lists import export_columns


class PdfRenderer(renderers.BaseRenderer):
    """Lets clients ask for a PDF in Accept; errors still render as JSON text."""

    media_type = reports.PDF_CONTENT_TYPE
    format = "pdf"
    charset = None

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return data if isinstance(data, bytes) else renderers.JSONRenderer().render(data)


TIE_BREAKERS = frozenset({"reference", "pk", "id"})


# Scenarios -----------------------------------------------------------------------------------


class RiskScenarioSerializer(serializers.ModelSerializer):
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all())
    owner = ScopedRelatedField(queryset=Person.objects.all())
    matrix = ScopedRelatedField(
        queryset=RiskMatrix.objects.all(),
        required=False,
        help_text="The matrix the ratings are on; the default matrix when left out.",
    )
    assets = ScopedRelatedField(queryset=Asset.objects.all(), many=True, required=False)
    threats = ScopedRelatedField(queryset=Threat.objects.all(), many=True, required=False)
    reference = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="Generated (R-000001) when left out."
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    matrix_name = serializers.CharField(source="matrix.name", read_only=True)
    inherent_level_name = serializers.CharField(read_only=True)
    current_level_name = serializers.CharField(read_only=True)
    target_level_name = serializers.CharField(read_only=True)
    # Ratings are checked against the scenario's matrix by the service, which names the
    # field and the matrix; here only that they are whole numbers.
    inherent_likelihood = serializers.IntegerField()
    inherent_impact = serializers.IntegerField()
    current_likelihood = serializers.IntegerField()
    current_impact = serializers.IntegerField()
    target_likelihood = serializers.IntegerField(allow_null=True, required=False)
    target_impact = serializers.IntegerField(allow_null=True, required=False)
    is_above_appetite = serializers.BooleanField(read_only=True)
    is_above_appetite_without_treatment = serializers.BooleanField(read_only=True)
    is_overdue = serializers.SerializerMethodField()
    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Kept in the audit trail.",
    )

    class Meta:
        model = RiskScenario
        fields = [
            "id",
            "reference",
            "title",
            "description",
            "unit",
            "unit_name",
            "owner",
            "owner_name",
            "matrix",
            "matrix_name",
            "assets",
            "threats",
            "existing_controls",
            "inherent_likelihood",
            "inherent_impact",
            "inherent_level",
            "inherent_level_name",
            "current_likelihood",
            "current_impact",
            "current_level",
            "current_level_name",
            "target_likelihood",
            "target_impact",
            "target_level",
            "target_level_name",
            "treatment",
            "status",
            "is_above_appetite",
            "is_above_appetite_without_treatment",
            "is_overdue",
            "last_reviewed_at",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["last_reviewed_at", "created_at", "updated_at"]

    def get_is_overdue(self, scenario: RiskScenario) -> bool:
        flag = getattr(scenario, "is_overdue", None)
        if flag is None:
            flag = RiskScenario.objects.filter(pk=scenario.pk).filter(has_overdue_action()).exists()
        return bool(flag)

    def validate_reference(self, reference: str) -> str:
        reference = reference.strip()
        if self.instance is not None and reference and reference != self.instance.reference:
            raise serializers.ValidationError(_("The reference of a scenario cannot change."))
        return reference


class RiskScenarioViewSet(
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
    """The risk register: every scenario the person may see, with its ratings and flags."""

    queryset = RiskScenario.objects.select_related("unit", "owner", "matrix")
    serializer_class = RiskScenarioSerializer
    filterset_class = RiskScenarioFilter
    export_columns = export_columns(list(REGISTER_EXPORT_COLUMNS))
    export_name = "risk-register"
    search_fields = ["reference", "title"]
    ordering_fields = [
        "reference",
        "title",
        "current_level",
        "inherent_level",
        "target_level",
        "treatment",
        "status",
        "unit__name",
        "owner__full_name",
        "created_at",
        "updated_at",
    ]
    ordering = ["-current_level", "reference"]

    def get_queryset(self) -> QuerySet[Any]:
        queryset = with_flags(super().get_queryset())
        person = self.request.user
        # Only the assets the person may see are listed (and kept by a change they make).
        visible_assets = restrict(Asset.objects.only("pk", "reference"), person, Action.VIEW)
        return queryset.prefetch_related(
            Prefetch("assets", queryset=visible_assets),
            Prefetch("threats", queryset=Threat.objects.only("pk", "reference")),
        )

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        ordering = [key for key in queryset.query.order_by if isinstance(key, str)]
        if ordering and not any(key.lstrip("-") in TIE_BREAKERS for key in ordering):
            # Rows tied on the sorted level keep the register's order; the level indexes
            # end with the reference, so the page is read straight from them.
            queryset = queryset.order_by(*ordering, "reference")
        return queryset

    create_service = staticmethod(scenario_services.create_scenario)
    delete_service = staticmethod(scenario_services.delete_scenario)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        data.pop("reference", None)
        serializer.instance = scenario_services.update_scenario(
            serializer.instance,
            by=self.request.user,
            reason=reason,
            assets=data.pop("assets", None),
            threats=data.pop("threats", None),
            **data,
        )

    @extend_schema(
        summary="The filtered register as a PDF report",
        responses={(200, reports.PDF_CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    @action(
        detail=False,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, PdfRenderer],
        pagination_class=None,
    )
    def report(self, request: Request) -> HttpResponseBase:
        queryset = self.filter_queryset(self.get_queryset())
        return reports.register_pdf_response(
            queryset,
            by=request.user,
            filters=exports.filters_from(request.query_params, keep=self.export_parameters(queryset)),
        )


# Treatment actions ---------------------------------------------------------------------------


class TreatmentActionSerializer(serializers.ModelSerializer):
    scenario = ScopedRelatedField(queryset=RiskScenario.objects.all())
    owner = ScopedRelatedField(queryset=Person.objects.all())
    scenario_reference = serializers.CharField(source="scenario.reference", read_only=True)
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    reason = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=2000)

    class Meta:
        model = TreatmentAction
        fields = [
            "id",
            "scenario",
            "scenario_reference",
            "title",
            "description",
            "owner",
            "owner_name",
            "due_on",
            "status",
            "completed_on",
            "is_overdue",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate_scenario(self, scenario: RiskScenario) -> RiskScenario:
        if self.instance is not None and scenario.pk != self.instance.scenario_id:
            raise serializers.ValidationError(_("An action stays with its scenario."))
        if not can(self.context["request"].user, Action.CHANGE, scenario):
            raise serializers.ValidationError(_("You cannot change the treatment plan of this scenario."))
        return scenario


class CompleteSerializer(serializers.Serializer):
    completed_on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class TreatmentActionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """The steps of the treatment plans, with who owes them and by when."""

    queryset = TreatmentAction.objects.select_related("scenario", "owner")
    serializer_class = TreatmentActionSerializer
    filterset_class = TreatmentActionFilter
    export_columns = export_columns(list(TREATMENT_ACTION_COLUMNS))
    export_name = "treatment-actions"
    search_fields = ["title", "scenario__reference"]
    ordering_fields = ["due_on", "status", "title", "scenario__reference", "completed_on"]

    def person_may_add(self, person: Any) -> bool:
        # Whoever may change a scenario may plan its treatment; checked on the scenario.
        return True

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("completed_on", None)
        serializer.instance = treatment_services.add_treatment_action(
            data.pop("scenario"), by=self.request.user, **data
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("scenario", None)
        reason = data.pop("reason", "")
        serializer.instance = treatment_services.update_treatment_action(
            serializer.instance, by=self.request.user, reason=reason, **data
        )

    @extend_schema(request=CompleteSerializer, responses=TreatmentActionSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the action done."""
        treatment_action = self.get_object()
        form = CompleteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        treatment_action = treatment_services.complete_treatment_action(
            treatment_action,
            by=request.user,
            completed_on=form.validated_data.get("completed_on"),
            reason=form.validated_data["reason"],
        )
        return Response(self.get_serializer(treatment_action).data)


# Acceptances ---------------------------------------------------------------------------------


class RiskAcceptanceSerializer(serializers.ModelSerializer):
    scenario = ScopedRelatedField(queryset=RiskScenario.objects.all())
    scenario_reference = serializers.CharField(source="scenario.reference", read_only=True)
    requested_by_name = serializers.CharField(source="requested_by.full_name", read_only=True)
    decided_by_name = serializers.CharField(source="decided_by.full_name", read_only=True, default=None)

    class Meta:
        model = RiskAcceptance
        fields = [
            "id",
            "scenario",
            "scenario_reference",
            "status",
            "justification",
            "expires_on",
            "requested_by",
            "requested_by_name",
            "requested_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_comment",
        ]
        read_only_fields = [
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_comment",
        ]


class RiskAcceptanceViewSet(
    DecisionMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """Requests to accept risks, and their decisions (approve, reject, withdraw)."""

    queryset = RiskAcceptance.objects.select_related(
        "scenario__matrix", "scenario__unit", "requested_by", "decided_by"
    )
    serializer_class = RiskAcceptanceSerializer
    filterset_class = RiskAcceptanceFilter
    export_columns = export_columns(list(ACCEPTANCE_COLUMNS))
    export_name = "risk-acceptances"
    search_fields = ["scenario__reference", "scenario__title", "justification"]
    ordering_fields = ["requested_at", "expires_on", "status", "scenario__reference"]

    def person_may_add(self, person: Any) -> bool:
        # Whoever may change a scenario may ask to accept its risk; the service checks.
        return True

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = acceptance_services.request_acceptance(
            data["scenario"],
            by=self.request.user,
            justification=data["justification"],
            expires_on=data["expires_on"],
        )

    @extend_schema(request=DecisionSerializer, responses=RiskAcceptanceSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Accept the risk until the expiry date (not by the requester)."""
        return self.decide(request, acceptance_services.approve_acceptance)

    @extend_schema(request=DecisionSerializer, responses=RiskAcceptanceSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Refuse the request, saying why in the comment (not by the requester)."""
        return self.decide(request, acceptance_services.reject_acceptance)

    @extend_schema(request=DecisionSerializer, responses=RiskAcceptanceSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """The requester takes the request back."""
        return self.decide(request, acceptance_services.withdraw_acceptance)


# Heat map ------------------------------------------------------------------------------------


class HeatMapLevelSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()
    colour = serializers.CharField()


class HeatMapCellSerializer(serializers.Serializer):
    likelihood = serializers.IntegerField()
    impact = serializers.IntegerField()
    level = serializers.IntegerField(help_text="The cell's level rank on the matrix.")
    count = serializers.IntegerField()


class HeatMapGridSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    cells = HeatMapCellSerializer(many=True, help_text="Highest likelihood first, then impact rising.")


class HeatMapMatrixSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    urn = serializers.CharField()
    name = serializers.CharField()
    appetite = serializers.IntegerField()
    likelihood = serializers.ListField(child=serializers.CharField(), help_text="Step names, lowest first.")
    impact = serializers.ListField(child=serializers.CharField(), help_text="Step names, lowest first.")
    levels = HeatMapLevelSerializer(many=True)
    inherent = HeatMapGridSerializer()
    current = HeatMapGridSerializer()


class HeatMapSerializer(serializers.Serializer):
    matrices = HeatMapMatrixSerializer(many=True)


class RiskHeatMapViewSet(ScopedViewSet):
    """Counts of the filtered scenarios per cell, inherent and current, for each matrix."""

    queryset = RiskScenario.objects.all()
    filterset_class = RiskScenarioFilter
    pagination_class = None
    search_fields = ["reference", "title"]

    @extend_schema(responses={200: HeatMapSerializer, 400: OpenApiResponse(description="Invalid filter")})
    def list(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        default = default_matrix()
        maps = heat_map(queryset, [default] if default is not None else [])
        return Response(as_data(maps), status=status.HTTP_200_OK)


def register_routes(router: DefaultRouter) -> None:
    router.register("scenarios", RiskScenarioViewSet, basename="risk-scenario")
    router.register("treatment-actions", TreatmentActionViewSet, basename="treatment-action")
    router.register("acceptances", RiskAcceptanceViewSet, basename="risk-acceptance")
    router.register("heatmap", RiskHeatMapViewSet, basename="risk-heatmap")
