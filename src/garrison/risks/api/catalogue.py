"""API of the risk catalogue: risk matrices (`matrices`) and threats (`threats`).

Library data of the whole organisation: anyone who may view risks somewhere reads it;
adding, changing or removing needs the grant over every organisation tree. A matrix
is written and read as a library file spells it: scales as lists of steps, levels
with keys and colours, the grid as rows of level KEYS (one row per likelihood step,
lowest first) and the appetite as a level key.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers
from rest_framework.routers import DefaultRouter

from garrison.core.api.base import ScopedViewSet
from garrison.core.api.records import ServiceWritesMixin
from garrison.core.filters import ScopedFilterSet
from garrison.core.roles import Action
from garrison.risks.models import RiskMatrix, Threat
from garrison.risks.services import catalogue

TEXT_LIMIT = 20_000


class MatrixScaleStepSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    name_zh = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True, default="")
    description_zh = serializers.CharField(
        max_length=TEXT_LIMIT, required=False, allow_blank=True, default=""
    )


class MatrixLevelSerializer(MatrixScaleStepSerializer):
    key = serializers.RegexField(r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    colour = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", help_text="A colour like #2e7d32.")


class RiskMatrixSerializer(serializers.Serializer):
    """A matrix in the library format's shape."""

    id = serializers.IntegerField(read_only=True)
    urn = serializers.CharField(max_length=200, required=False, allow_blank=True)
    name = serializers.CharField(max_length=200)
    name_zh = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True, default="")
    likelihood = MatrixScaleStepSerializer(many=True, help_text="Likelihood steps, lowest first.")
    impact = MatrixScaleStepSerializer(many=True, help_text="Impact steps, lowest first.")
    levels = MatrixLevelSerializer(many=True, help_text="Risk levels, lowest first.")
    grid = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(max_length=40)),
        help_text="One row of level keys per likelihood step (lowest first), one key per impact step.",
    )
    appetite = serializers.CharField(
        max_length=40, help_text="Key of the highest level tolerated without a treatment."
    )
    is_default = serializers.BooleanField(required=False, default=False)
    library_urn = serializers.CharField(read_only=True)
    scenario_count = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, matrix: RiskMatrix) -> dict[str, Any]:
        return {
            "id": matrix.pk,
            **catalogue.matrix_as_input(matrix),
            "library_urn": matrix.library_urn,
            "scenario_count": getattr(matrix, "scenario_count", None),
            "created_at": serializers.DateTimeField().to_representation(matrix.created_at),
            "updated_at": serializers.DateTimeField().to_representation(matrix.updated_at),
        }


class RiskMatrixFilter(ScopedFilterSet):
    is_default = django_filters.BooleanFilter(label=_("Default matrix"))
    library_urn = django_filters.CharFilter(label=_("Library"))

    class Meta:
        model = RiskMatrix
        fields = ["is_default", "library_urn"]


class RiskMatrixViewSet(
    ServiceWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Risk matrices: shipped by libraries or added by the organisation."""

    queryset = RiskMatrix.objects.annotate(scenario_count=Count("scenarios")).order_by("name", "pk")
    serializer_class = RiskMatrixSerializer
    filterset_class = RiskMatrixFilter
    search_fields = ["name", "name_zh", "urn"]
    ordering_fields = ["name", "urn", "created_at"]

    def person_may_add(self, person: Any) -> bool:
        return catalogue.may_change_catalogue(person, Action.ADD)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = catalogue.create_matrix(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = catalogue.update_matrix(
            serializer.instance, by=self.request.user, **serializer.validated_data
        )

    delete_service = staticmethod(catalogue.delete_matrix)


class ThreatSerializer(serializers.ModelSerializer):
    urn = serializers.CharField(max_length=200, required=False, allow_blank=True)

    class Meta:
        model = Threat
        fields = [
            "id",
            "urn",
            "reference",
            "name",
            "name_zh",
            "category",
            "description",
            "description_zh",
            "library_urn",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["library_urn", "created_at", "updated_at"]
        extra_kwargs = {
            "description": {"max_length": TEXT_LIMIT},
            "description_zh": {"max_length": TEXT_LIMIT},
        }


class ThreatFilter(ScopedFilterSet):
    category = django_filters.CharFilter(label=_("Category"))
    library_urn = django_filters.CharFilter(label=_("Library"))

    class Meta:
        model = Threat
        fields = ["category", "library_urn"]


class ThreatViewSet(
    ServiceWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """The threat catalogue: shipped threats and the organisation's own."""

    queryset = Threat.objects.all()
    serializer_class = ThreatSerializer
    filterset_class = ThreatFilter
    search_fields = ["reference", "name", "name_zh", "description", "description_zh"]
    ordering_fields = ["reference", "name", "category", "created_at"]

    def person_may_add(self, person: Any) -> bool:
        return catalogue.may_change_catalogue(person, Action.ADD)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        urn = data.pop("urn", "") or ""
        serializer.instance = catalogue.create_threat(by=self.request.user, urn=urn, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        urn = data.pop("urn", None)
        if urn not in (None, "", serializer.instance.urn):
            raise serializers.ValidationError({"urn": [_("The URN of a threat cannot change.")]})
        serializer.instance = catalogue.update_threat(serializer.instance, by=self.request.user, **data)

    delete_service = staticmethod(catalogue.delete_threat)


def register_routes(router: DefaultRouter) -> None:
    router.register("matrices", RiskMatrixViewSet, basename="risk-matrix")
    router.register("threats", ThreatViewSet, basename="threat")
