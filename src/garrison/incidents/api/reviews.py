"""API of post-incident reviews, their corrective actions, and the incident metrics.

Thin: serializers validate shapes, garrison.incidents.services.reviews writes, scoping
decides what exists for the person (an object out of reach is a 404).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.compliance.models import AppliedControl
from garrison.core.api.base import ScopedViewSet, TokenAccessPermission
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import HistoryMixin, reason_field
from garrison.core.models import Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, has_grant, restrict
from garrison.incidents.metrics import Grouping
from garrison.incidents.models import Incident, PostIncidentReview, ReviewAction, ReviewActionStatus
from garrison.incidents.services import reviews as services
from garrison.incidents.services.metrics import metric_lines
from garrison.risks.models import RiskScenario

# Reviews ---------------------------------------------------------------------------------------


class ReviewSerializer(serializers.ModelSerializer):
    incident = ScopedRelatedField(queryset=Incident.objects.all())
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    participants = ScopedRelatedField(queryset=Person.objects.all(), many=True, required=False)
    completed_by_name = serializers.CharField(source="completed_by.full_name", read_only=True, default=None)
    reason = reason_field()

    class Meta:
        model = PostIncidentReview
        fields = [
            "id",
            "incident",
            "incident_reference",
            "status",
            "review_date",
            "participants",
            "summary",
            "root_cause",
            "lessons_learned",
            "what_went_well",
            "what_to_improve",
            "completed_at",
            "completed_by",
            "completed_by_name",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["status", "completed_at", "completed_by", "created_at", "updated_at"]

    def validate_incident(self, incident: Incident) -> Incident:
        if self.instance is not None and incident.pk != self.instance.incident_id:
            raise serializers.ValidationError(_("A review stays with its case."))
        return incident


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ReviewViewSet(
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Post-incident reviews: created (started) for a case in recovery, post-incident
    review or closed; written while a draft; completed with a root cause and lessons learned."""

    queryset = PostIncidentReview.objects.select_related("incident", "completed_by").prefetch_related(
        "participants"
    )
    serializer_class = ReviewSerializer
    filterset_fields = ["incident", "status"]
    ordering_fields = ["created_at", "completed_at"]
    ordering = ["-created_at", "-id"]

    def person_may_add(self, person: Any) -> bool:
        # Whoever may change the case may start its review; checked on the case.
        return True

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        incident = data.pop("incident")
        if not can(self.request.user, Action.CHANGE, incident):
            raise serializers.ValidationError({"incident": [_("You cannot change this case.")]})
        reason = data.pop("reason", "")
        participants = data.pop("participants", None)
        review = services.start_review(incident, by=self.request.user)
        if data or participants:
            review = services.update_review(
                review, by=self.request.user, reason=reason, participants=participants, **data
            )
        serializer.instance = review

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("incident", None)
        reason = data.pop("reason", "")
        participants = data.pop("participants", None)
        serializer.instance = services.update_review(
            serializer.instance, by=self.request.user, reason=reason, participants=participants, **data
        )

    def _fresh(self, review: PostIncidentReview) -> Response:
        return Response(self.get_serializer(self.queryset.get(pk=review.pk)).data)

    @extend_schema(request=None, responses=ReviewSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Complete the review: it must state the root cause and the lessons learned."""
        review = services.complete_review(self.get_object(), by=request.user)
        return self._fresh(review)

    @extend_schema(request=ReopenSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Make a completed review a draft again, saying why (not once the case is closed)."""
        form = ReopenSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        review = services.reopen_review(
            self.get_object(), by=request.user, reason=form.validated_data["reason"]
        )
        return self._fresh(review)


# Corrective actions ----------------------------------------------------------------------------


class ReviewActionSerializer(serializers.ModelSerializer):
    review = ScopedRelatedField(queryset=PostIncidentReview.objects.all())
    incident = serializers.IntegerField(source="review.incident_id", read_only=True)
    owner = ScopedRelatedField(queryset=Person.objects.all())
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    risks = ScopedRelatedField(queryset=RiskScenario.objects.all(), many=True, required=False)
    controls = ScopedRelatedField(queryset=AppliedControl.objects.all(), many=True, required=False)
    reason = reason_field()

    class Meta:
        model = ReviewAction
        fields = [
            "id",
            "review",
            "incident",
            "title",
            "description",
            "owner",
            "owner_name",
            "due_on",
            "status",
            "completed_on",
            "risks",
            "controls",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["completed_on", "created_at", "updated_at"]

    def to_representation(self, instance: ReviewAction) -> dict[str, Any]:
        # Only the linked risks and controls the person may see are shown.
        data = super().to_representation(instance)
        for name in ("risks", "controls"):
            visible = self._visible(name)
            data[name] = [pk for pk in data[name] if pk in visible]
        return data

    def _visible(self, name: str) -> set[int]:
        """Ids of the objects linked to any action the person may see, once per request."""
        # Kept on the root serializer, which serves one request (a list serializes many rows).
        cache: dict[str, set[int]] = self.root.__dict__.setdefault("_visible_links", {})
        if name not in cache:
            model = RiskScenario if name == "risks" else AppliedControl
            user = getattr(self.context.get("request"), "user", None)
            linked = model._default_manager.filter(incident_actions__isnull=False)
            cache[name] = set(restrict(linked, user, Action.VIEW).values_list("pk", flat=True))
        return cache[name]

    def validate_review(self, review: PostIncidentReview) -> PostIncidentReview:
        if self.instance is not None and review.pk != self.instance.review_id:
            raise serializers.ValidationError(_("An action stays with its review."))
        if self.instance is None and not can(self.context["request"].user, Action.CHANGE, review):
            raise serializers.ValidationError(_("You cannot change this review."))
        return review

    def validate_status(self, status: str) -> str:
        if self.instance is None and status != ReviewActionStatus.OPEN:
            raise serializers.ValidationError(_("A new action is open."))
        return status


class CompleteActionSerializer(serializers.Serializer):
    completed_on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ReviewActionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Corrective actions decided in post-incident reviews, linked to risks and controls."""

    queryset = ReviewAction.objects.select_related("review", "owner").prefetch_related("risks", "controls")
    serializer_class = ReviewActionSerializer
    filterset_fields = ["review", "owner", "status"]
    search_fields = ["title", "description"]
    ordering_fields = ["due_on", "status", "created_at"]
    ordering = ["due_on", "id"]

    def person_may_add(self, person: Any) -> bool:
        # Whoever may change the review's case may add actions; checked on the review.
        return True

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("status", None)
        reason = data.pop("reason", "")
        serializer.instance = services.add_action(
            data.pop("review"), by=self.request.user, reason=reason, **data
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("review", None)
        reason = data.pop("reason", "")
        serializer.instance = services.update_action(
            serializer.instance, by=self.request.user, reason=reason, **data
        )

    @extend_schema(request=CompleteActionSerializer, responses=ReviewActionSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the action done (today unless another day is given)."""
        form = CompleteActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        item = services.complete_action(
            self.get_object(),
            by=request.user,
            completed_on=form.validated_data.get("completed_on"),
            reason=form.validated_data["reason"],
        )
        return Response(self.get_serializer(self.queryset.get(pk=item.pk)).data)


# Metrics ---------------------------------------------------------------------------------------


class MetricGroupSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The month (2026-03), category code or grade; empty for the total.")
    # A field named "label" (the group's name), not the Field.label attribute.
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()
    mean_hours_to_detect = serializers.FloatField(allow_null=True)
    mean_hours_to_contain = serializers.FloatField(allow_null=True)
    mean_hours_to_resolve = serializers.FloatField(allow_null=True)


class MetricsSerializer(serializers.Serializer):
    group = serializers.ChoiceField(choices=[item.value for item in Grouping])
    groups = MetricGroupSerializer(many=True)
    total = MetricGroupSerializer()


class MetricsQuerySerializer(serializers.Serializer):
    group = serializers.ChoiceField(
        choices=[item.value for item in Grouping], required=False, default="month"
    )
    start = serializers.DateField(required=False, allow_null=True, default=None)
    end = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start"), attrs.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            raise serializers.ValidationError({"to": [_("The end of the range cannot be before its start.")]})
        return attrs


class MetricsViewSet(viewsets.ViewSet):
    """Incident metrics: count and mean hours to detect, contain and resolve, by month of
    discovery (Asia/Shanghai), category or grade, over the cases the person may see."""

    permission_classes = [permissions.IsAuthenticated, TokenAccessPermission]

    @extend_schema(
        parameters=[
            OpenApiParameter("group", OpenApiTypes.STR, enum=[item.value for item in Grouping]),
            OpenApiParameter("from", OpenApiTypes.DATE, description="Discovered on or after this day."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Discovered on or before this day."),
        ],
        responses=MetricsSerializer,
    )
    def list(self, request: Request) -> Response:
        if not has_grant(request.user, Domain.INCIDENTS, Action.VIEW):
            raise Http404
        query = MetricsQuerySerializer(
            data={
                "group": request.query_params.get("group") or "month",
                "start": request.query_params.get("from") or None,
                "end": request.query_params.get("to") or None,
            }
        )
        if not query.is_valid():
            errors = dict(query.errors)
            renamed = {"start": "from", "end": "to"}
            raise serializers.ValidationError(
                {renamed.get(str(key), str(key)): value for key, value in errors.items()}
            )
        data = query.validated_data
        lines, total = metric_lines(request.user, data["group"], start=data["start"], end=data["end"])
        payload = {"group": data["group"], "groups": lines, "total": total}
        return Response(MetricsSerializer(payload).data)


def register_routes(router: BaseRouter) -> None:
    router.register("reviews", ReviewViewSet, basename="review")
    router.register("review-actions", ReviewActionViewSet, basename="review-action")
    router.register("metrics", MetricsViewSet, basename="metrics")
