"""API of incident cases and their indicators of compromise.

Thin: serializers validate shapes, garrison.incidents.services.cases and .indicators
write, scoping decides what exists for the person (a case out of reach is a 404). The
confirmed grade is read-only here: it is set through `incidents/{id}/grade/` (grading).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.assets.models import Asset
from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import HistoryMixin, ServiceWritesMixin, reason_field
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action
from garrison.core.scoping import can
from garrison.incidents.filtersets_cases import IncidentFilter, IndicatorFilter
from garrison.incidents.models import Incident, IncidentCategory, Indicator, ObligationStatus
from garrison.incidents.services import cases as services
from garrison.incidents.services import indicators as indicator_services
from garrison.incidents.tables_cases import INCIDENT_EXPORT_COLUMNS, INCIDENT_QUERYSET, INDICATOR_COLUMNS
from garrison.incidents.workflows import IncidentWorkflow
from garrison.suppliers.models import Supplier
from garrison.web.lists import export_columns


def with_obligation_summary(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """Per case: pending obligations, how many are overdue, and the next deadline."""
    pending = Q(obligations__status=ObligationStatus.PENDING)
    return queryset.annotate(
        pending_obligations=Count("obligations", filter=pending, distinct=True),
        overdue_obligations=Count(
            "obligations", filter=pending & Q(obligations__due_at__lt=timezone.now()), distinct=True
        ),
        next_report_due=Min("obligations__due_at", filter=pending),
    )


class ObligationSummarySerializer(serializers.Serializer):
    pending = serializers.IntegerField(
        help_text="Reporting obligations not yet submitted, waived or superseded."
    )
    overdue = serializers.IntegerField(help_text="Pending obligations past their deadline.")
    next_due = serializers.DateTimeField(allow_null=True, help_text="The earliest pending deadline.")


class TagNamesField(serializers.ListField):
    """Tags by name; a name not yet used creates the tag."""

    def to_representation(self, data: Any) -> list[str]:
        if hasattr(data, "all"):
            return sorted((tag.name for tag in data.all()), key=str.casefold)
        return list(data)


class CategoryCodeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", queryset=IncidentCategory.objects.all(), **kwargs)


class IncidentSerializer(serializers.ModelSerializer):
    category = CategoryCodeField(help_text="A category code of GB/T 20986-2023 (such as NA).")
    subcategory = CategoryCodeField(
        allow_null=True, required=False, help_text="A sub-category code under the category (such as NA-DOS)."
    )
    handler = ScopedRelatedField(queryset=Person.objects.all())
    reported_by = ScopedRelatedField(queryset=Person.objects.all(), allow_null=True, required=False)
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all())
    affected_units = ScopedRelatedField(queryset=OrgUnit.objects.all(), many=True, required=False)
    assets = ScopedRelatedField(queryset=Asset.objects.all(), many=True, required=False)
    suppliers = ScopedRelatedField(
        queryset=Supplier.objects.all(),
        many=True,
        required=False,
        help_text="Affected suppliers in the register (ids of /api/suppliers/suppliers/).",
    )
    affected_suppliers = serializers.ListField(
        child=serializers.CharField(max_length=services.SUPPLIER_NAME_MAX_LENGTH),
        required=False,
        help_text="Other affected suppliers, not in the register, by name.",
    )
    tags = TagNamesField(child=serializers.CharField(max_length=60), required=False)
    handler_name = serializers.CharField(source="handler.full_name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    effective_grade = serializers.CharField(read_only=True)
    obligations = serializers.SerializerMethodField()
    reason = reason_field()

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "title",
            "description",
            "category",
            "subcategory",
            "status",
            "occurred_at",
            "discovered_at",
            "contained_at",
            "handling_ended_at",
            "closed_at",
            "reported_by",
            "handler",
            "handler_name",
            "unit",
            "unit_name",
            "affected_units",
            "assets",
            "suppliers",
            "affected_suppliers",
            "tags",
            "personal_information_people",
            "sensitive_personal_information",
            "personal_information_breach",
            "service_outage_minutes",
            "cii_full_outage_minutes",
            "cii_main_function_outage_minutes",
            "essential_services_people",
            "province_population_percent",
            "direct_loss_cny",
            "proposed_grade",
            "grading_basis",
            "grade",
            "grade_reason",
            "grade_confirmed_at",
            "effective_grade",
            "obligations",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = [
            "reference",
            "status",
            "contained_at",
            "handling_ended_at",
            "closed_at",
            "proposed_grade",
            "grading_basis",
            "grade",
            "grade_reason",
            "grade_confirmed_at",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(ObligationSummarySerializer)
    def get_obligations(self, incident: Incident) -> dict[str, Any]:
        """Reporting obligations: pending, overdue, and the next deadline."""
        if not hasattr(incident, "pending_obligations"):
            fresh = with_obligation_summary(Incident.objects.filter(pk=incident.pk)).first()
            incident = fresh if fresh is not None else incident
        next_due = getattr(incident, "next_report_due", None)
        return {
            "pending": getattr(incident, "pending_obligations", 0),
            "overdue": getattr(incident, "overdue_obligations", 0),
            "next_due": serializers.DateTimeField().to_representation(next_due) if next_due else None,
        }


class TransitionSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(
        choices=[(transition.name, transition.display) for transition in IncidentWorkflow.transitions],
        help_text="The workflow step (triage, contain, eradicate, recover, review, close, …).",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Required by false_positive and reopen.",
    )


class IncidentViewSet(
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
    """Incident cases: facts, status, grade and reporting obligations."""

    queryset = INCIDENT_QUERYSET.select_related("reported_by").prefetch_related(
        "affected_units", "assets", "suppliers", "tags"
    )
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    export_columns = export_columns(list(INCIDENT_EXPORT_COLUMNS))
    export_name = "incidents"
    search_fields = ["reference", "title"]
    ordering_fields = [
        "reference",
        "title",
        "status",
        "grade",
        "discovered_at",
        "occurred_at",
        "next_report_due",
    ]
    ordering = ["-discovered_at", "-id"]

    def get_queryset(self) -> QuerySet[Any]:
        return with_obligation_summary(super().get_queryset())

    create_service = staticmethod(services.create_incident)
    update_service = staticmethod(services.update_incident)
    delete_service = staticmethod(services.delete_incident)

    @extend_schema(request=TransitionSerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Take a workflow step; false_positive and reopen need a reason."""
        incident = self.get_object()
        form = TransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.transition_incident(
            incident, form.validated_data["transition"], by=request.user, reason=form.validated_data["reason"]
        )
        fresh = with_obligation_summary(self.queryset.filter(pk=incident.pk)).get()
        return Response(self.get_serializer(fresh).data)


class IndicatorSerializer(serializers.ModelSerializer):
    incident = ScopedRelatedField(queryset=Incident.objects.all())
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    reason = reason_field()

    class Meta:
        model = Indicator
        fields = [
            "id",
            "incident",
            "incident_reference",
            "kind",
            "value",
            "description",
            "first_seen_at",
            "created_at",
            "reason",
        ]
        read_only_fields = ["created_at"]
        # The service checks uniqueness after normalising the value, and names the field.
        validators: list[Any] = []

    def validate_incident(self, incident: Incident) -> Incident:
        if self.instance is not None and incident.pk != self.instance.incident_id:
            raise serializers.ValidationError(_("An indicator stays with its incident."))
        if not can(self.context["request"].user, Action.CHANGE, incident):
            raise serializers.ValidationError(_("You cannot change this incident."))
        return incident


class IndicatorViewSet(
    ServiceWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """Indicators of compromise seen in the cases (filter by `incident`)."""

    queryset = Indicator.objects.select_related("incident")
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    export_columns = export_columns(list(INDICATOR_COLUMNS))
    export_name = "incident-indicators"
    search_fields = ["value", "description"]
    ordering_fields = ["kind", "value", "first_seen_at", "created_at"]
    ordering = ["incident", "kind", "value"]

    def person_may_add(self, person: Any) -> bool:
        # Whoever may change a case may add its indicators; checked on the case.
        return True

    parent_field = "incident"
    create_service = staticmethod(indicator_services.add_indicator)
    delete_service = staticmethod(indicator_services.remove_indicator)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("incident", None)
        reason = data.pop("reason", "")
        serializer.instance = indicator_services.update_indicator(
            serializer.instance, by=self.request.user, reason=reason, **data
        )


def register_routes(router: BaseRouter) -> None:
    router.register("incidents", IncidentViewSet, basename="incident")
    router.register("indicators", IndicatorViewSet, basename="indicator")
