"""API of grading: the GB/T 20986-2023 categories (read-only, bilingual, with their
sub-categories), the grading thresholds (Administrators write them) and the grade of a
case (the proposal with its basis; POST confirms or overrides it).

Thin: serializers validate shapes, garrison.incidents.services.grading writes, scoping
decides what exists for the person (an object out of reach is a 404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.core.api.base import ScopedViewSet
from garrison.core.api.records import HistoryMixin, ServiceWritesMixin, reason_field
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.incidents.models import Grade, GradingThreshold, Incident, IncidentCategory
from garrison.incidents.services import grading as services

# Categories -------------------------------------------------------------------------------------

CATEGORY_FIELDS = [
    "id",
    "urn",
    "code",
    "name",
    "name_zh",
    "description",
    "description_zh",
    "order",
    "library_urn",
]


class SubcategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentCategory
        fields = CATEGORY_FIELDS
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    subcategories = SubcategorySerializer(many=True, read_only=True)

    class Meta:
        model = IncidentCategory
        fields = [*CATEGORY_FIELDS, "parent", "subcategories"]
        read_only_fields = fields


class CategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The GB/T 20986-2023 categories, each with its sub-categories (a sub-category is
    also read on its own, naming its category in `parent`). `?all=true` lists the
    sub-categories as rows too."""

    queryset = IncidentCategory.objects.select_related("parent").prefetch_related("subcategories")
    serializer_class = CategorySerializer
    search_fields = ["code", "name", "name_zh", "description", "description_zh"]
    ordering_fields = ["code", "order"]
    ordering = ["order", "code"]

    @extend_schema(
        parameters=[
            OpenApiParameter("all", OpenApiTypes.BOOL, description="List sub-categories as rows too."),
            OpenApiParameter("code", OpenApiTypes.STR, description="Only the category with this code."),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if self.action == "list":
            code = self.request.query_params.get("code", "").replace("\x00", "")
            if code:
                return queryset.filter(code=code)
            if self.request.query_params.get("all", "").lower() not in ("1", "true", "yes"):
                queryset = queryset.filter(parent__isnull=True)
        return queryset


# Thresholds ------------------------------------------------------------------------------------


class ThresholdSerializer(serializers.ModelSerializer):
    reason = reason_field()

    class Meta:
        model = GradingThreshold
        fields = [
            "id",
            "urn",
            "library_urn",
            "metric",
            "threshold",
            "grade",
            "source",
            "effective_from",
            "effective_until",
            "notes",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["urn", "library_urn", "created_at", "updated_at"]


class GradingThresholdViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """The grading thresholds the grading assistant applies. Everyone who reads the
    organisation reads them; only Administrators add, change, retire (`effective_until`)
    or delete one (a library's threshold is retired, not deleted)."""

    queryset = GradingThreshold.objects.all()
    serializer_class = ThresholdSerializer
    search_fields = ["source", "notes", "urn"]
    ordering_fields = ["metric", "threshold", "grade", "effective_from", "effective_until"]
    ordering = ["metric", "threshold"]

    def person_may_add(self, person: Any) -> bool:
        return services.may_edit_thresholds(person)

    create_service = staticmethod(services.create_threshold)
    update_service = staticmethod(services.update_threshold)
    delete_service = staticmethod(services.delete_threshold)


# The grade of a case -----------------------------------------------------------------------------


def basis_line_serializer() -> Any:
    """One threshold the case meets (`source` would shadow a Field attribute as a class field)."""
    return inline_serializer(
        "GradingBasisLine",
        fields={
            "metric": serializers.CharField(),
            "value": serializers.FloatField(),
            "threshold": serializers.FloatField(),
            "grade": serializers.CharField(),
            "source": serializers.CharField(),
        },
        many=True,
        read_only=True,
    )


@extend_schema_serializer(many=False)  # one case's grade, though read by the "list" route
class IncidentGradeSerializer(serializers.ModelSerializer):
    """The case's proposed grade with its basis, and the grade the handler confirmed."""

    incident = serializers.IntegerField(source="pk", read_only=True)
    grading_basis = basis_line_serializer()
    grade_confirmed_by_name = serializers.CharField(
        source="grade_confirmed_by.full_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Incident
        fields = [
            "incident",
            "reference",
            "proposed_grade",
            "grading_basis",
            "grade",
            "grade_reason",
            "grade_confirmed_by",
            "grade_confirmed_by_name",
            "grade_confirmed_at",
        ]
        read_only_fields = fields


class GradeDecisionSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=Grade.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Required when the grade differs from the proposed one.",
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("incident_pk", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses=IncidentGradeSerializer,
        summary="The case's proposed grade, its basis and the confirmed grade",
    ),
    create=extend_schema(
        parameters=[OpenApiParameter("incident_pk", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=GradeDecisionSerializer,
        responses={200: IncidentGradeSerializer},
        summary="Confirm the proposed grade or override it with a reason",
    ),
)
class IncidentGradeViewSet(ScopedViewSet):
    """The grade of one case. Reading needs sight of the case; confirming needs the right to
    change it (the handler, or a Security Officer over its unit)."""

    queryset = Incident.objects.select_related("grade_confirmed_by")
    serializer_class = IncidentGradeSerializer
    pagination_class = None
    filter_backends: list[Any] = []

    def person_may_add(self, person: Any) -> bool:
        # Confirming changes the case: checked on the case itself.
        return True

    def _incident(self, action: Action) -> Incident:
        queryset = restrict(self.queryset.all(), self.request.user, action)
        return get_object_or_404(queryset, pk=self.kwargs["incident_pk"])

    def _fresh(self, incident: Incident) -> Response:
        incident = self.queryset.get(pk=incident.pk)
        return Response(IncidentGradeSerializer(incident).data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._fresh(self._incident(Action.VIEW))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident = self._incident(Action.CHANGE)
        form = GradeDecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.confirm_grade(
            incident,
            grade=form.validated_data["grade"],
            reason=form.validated_data["reason"],
            by=request.user,
        )
        response = self._fresh(incident)
        response.status_code = status.HTTP_200_OK
        return response


def register_routes(router: BaseRouter) -> None:
    router.register("categories", CategoryViewSet, basename="incident-category")
    router.register("grading-thresholds", GradingThresholdViewSet, basename="grading-threshold")
    router.register(
        r"incidents/(?P<incident_pk>[0-9]+)/grade", IncidentGradeViewSet, basename="incident-grade"
    )
