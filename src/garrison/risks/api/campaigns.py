"""API of assessment campaigns and their review tasks.

`campaigns`: drafted, changed and deleted while a draft (a running one changes only
its name, description, end date and participants), `start` and `close` steps, and the
`progress` and `trend` reports; `campaigns/trend/?campaigns=…` compares any closed
campaigns. `review-tasks`: the person's own reviews by default, `complete` re-rates.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from garrison.assets.models import AssetType
from garrison.core.api.base import ScopedViewSet, is_database_id
from garrison.core.api.exports import ExportMixin
from garrison.core.api.org import ScopedRelatedField
from garrison.core.filters import ScopedFilterSet
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action
from garrison.core.scoping import restrict, scoped_choices
from garrison.risks.forms_campaigns import reviewed_campaigns
from garrison.risks.models import (
    AssessmentCampaign,
    CampaignStatus,
    RatingSnapshot,
    ReviewTask,
)
from garrison.risks.services import campaign_reports
from garrison.risks.services import campaigns as campaign_services
from garrison.risks.tables_campaigns import CAMPAIGN_COLUMNS, REVIEW_TASK_COLUMNS
from garrison.web.lists import export_columns

# Campaigns ---------------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string"},
        "description": "Asset type codes, as the assets API names them: " + ", ".join(AssetType.values),
    }
)
class AssetTypesField(serializers.ListField):
    """Asset types in scope. Described without an enum of its own in the schema: the assets
    API already publishes the same choices as its AssetTypeEnum."""


class CampaignSerializer(serializers.ModelSerializer):
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all())
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    scope_units = ScopedRelatedField(queryset=OrgUnit.objects.all(), many=True, required=False)
    scope_asset_types = AssetTypesField(
        child=serializers.ChoiceField(choices=AssetType.choices), required=False
    )
    participants = ScopedRelatedField(queryset=Person.objects.all(), many=True, required=False)
    task_count = serializers.SerializerMethodField()
    done_count = serializers.SerializerMethodField()
    next_round = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentCampaign
        fields = [
            "id",
            "name",
            "description",
            "unit",
            "unit_name",
            "scope_units",
            "scope_asset_types",
            "critical_systems_only",
            "participants",
            "starts_on",
            "ends_on",
            "recurrence",
            "status",
            "previous",
            "next_round",
            "started_at",
            "closed_at",
            "task_count",
            "done_count",
        ]
        read_only_fields = ["status", "previous", "started_at", "closed_at"]

    # Counts come from the list's annotations; a campaign read without them is a fresh draft.
    @extend_schema_field(OpenApiTypes.INT)
    def get_task_count(self, campaign: AssessmentCampaign) -> int:
        return int(getattr(campaign, "task_count", 0) or 0)

    @extend_schema_field(OpenApiTypes.INT)
    def get_done_count(self, campaign: AssessmentCampaign) -> int:
        return int(getattr(campaign, "done_count", 0) or 0)

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_next_round(self, campaign: AssessmentCampaign) -> int | None:
        return getattr(campaign, "next_round_pk", None)


class CampaignFilter(ScopedFilterSet):
    within = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit), method="filter_within", label=gettext_lazy("Within unit")
    )

    class Meta:
        model = AssessmentCampaign
        fields = ["status", "recurrence", "unit", "previous"]

    def filter_within(self, queryset: models.QuerySet[AssessmentCampaign], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)


class UnitProgressSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit_id")
    unit_name = serializers.CharField()
    done = serializers.IntegerField()
    pending = serializers.IntegerField()
    total = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    pending = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    by_unit = UnitProgressSerializer(many=True)


class ClosureSerializer(serializers.Serializer):
    campaign = CampaignSerializer()
    snapshot_count = serializers.IntegerField()
    pending_count = serializers.IntegerField()


class LevelSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()
    colour = serializers.CharField()


class LevelCountSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    count = serializers.IntegerField()


class RoundSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    name = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    scenario_count = serializers.IntegerField()
    inherent = LevelCountSerializer(many=True)
    current = LevelCountSerializer(many=True)


class ScenarioChangeSerializer(serializers.Serializer):
    scenario = serializers.IntegerField(source="scenario_id")
    reference = serializers.CharField()
    title = serializers.CharField()
    inherent_levels = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    current_levels = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    direction = serializers.ChoiceField(choices=["raised", "lowered", "unchanged"])


class TrendSerializer(serializers.Serializer):
    rounds = RoundSerializer(many=True)
    levels = LevelSerializer(many=True)
    changes = ScenarioChangeSerializer(many=True)
    raised = serializers.IntegerField()
    lowered = serializers.IntegerField()
    unchanged = serializers.IntegerField()


def trend_data(trend: campaign_reports.CampaignTrend) -> dict[str, Any]:
    """The trend as the API shows it: counts as lists over every level rank."""
    ranks = sorted(
        {level.rank for level in trend.levels}
        | {rank for item in trend.rounds for rank in (*item.inherent, *item.current)}
    )
    return {
        "rounds": [
            {
                "campaign": item.campaign.pk,
                "name": item.campaign.name,
                "starts_on": item.campaign.starts_on,
                "ends_on": item.campaign.ends_on,
                "scenario_count": item.scenario_count,
                "inherent": [{"level": rank, "count": item.inherent.get(rank, 0)} for rank in ranks],
                "current": [{"level": rank, "count": item.current.get(rank, 0)} for rank in ranks],
            }
            for item in trend.rounds
        ],
        "levels": trend.levels,
        "changes": trend.changes,
        "raised": trend.raised,
        "lowered": trend.lowered,
        "unchanged": trend.unchanged,
    }


class CampaignViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """Assessment campaigns over the units the person may see risks in."""

    queryset = campaign_reports.with_task_counts(
        AssessmentCampaign.objects.select_related("unit").prefetch_related("scope_units", "participants")
    )
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    export_columns = export_columns(CAMPAIGN_COLUMNS)
    export_name = "campaigns"
    search_fields = ["name", "description"]
    ordering_fields = ["name", "starts_on", "ends_on", "status", "unit__name", "task_count", "done_count"]

    def _fresh(self, campaign: AssessmentCampaign) -> AssessmentCampaign:
        """The campaign as the list reads it, counts included."""
        return self.queryset.get(pk=campaign.pk)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        self.require_unit_in_scope(data["unit"], Action.ADD)
        campaign = campaign_services.create_campaign(by=self.request.user, **data)
        serializer.instance = self._fresh(campaign)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        if "unit" in data:
            self.require_unit_in_scope(data["unit"], Action.CHANGE)
        campaign = campaign_services.update_campaign(serializer.instance, by=self.request.user, **data)
        serializer.instance = self._fresh(campaign)

    def perform_destroy(self, instance: AssessmentCampaign) -> None:
        campaign_services.delete_campaign(instance, by=self.request.user)

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def start(self, request: Request, pk: str | None = None) -> Response:
        """Start the campaign: a review task for each scenario in scope, to its owner."""
        campaign = campaign_services.start_campaign(self.get_object(), by=request.user)
        return Response(self.get_serializer(self._fresh(campaign)).data)

    @extend_schema(request=None, responses=ClosureSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close the campaign and snapshot every reviewed scenario's ratings."""
        closure = campaign_services.close_campaign(self.get_object(), by=request.user)
        data = {
            "campaign": self._fresh(closure.campaign),
            "snapshot_count": closure.snapshot_count,
            "pending_count": closure.pending_count,
        }
        return Response(ClosureSerializer(data, context=self.get_serializer_context()).data)

    @extend_schema(responses=ProgressSerializer)
    @action(detail=True, methods=["get"], scope_action_name=Action.VIEW)
    def progress(self, request: Request, pk: str | None = None) -> Response:
        """Reviews done and pending, in all and by unit."""
        tasks = restrict(ReviewTask.objects.all(), request.user, Action.VIEW)
        progress = campaign_reports.campaign_progress(self.get_object(), tasks=tasks)
        return Response(ProgressSerializer(progress).data)

    @extend_schema(responses=TrendSerializer)
    @action(detail=True, methods=["get"], scope_action_name=Action.VIEW)
    def trend(self, request: Request, pk: str | None = None) -> Response:
        """Ratings across the closed rounds of this campaign's series, up to this one."""
        series = [
            campaign
            for campaign in campaign_reports.campaign_series(self.get_object())
            if campaign.status == CampaignStatus.CLOSED
        ]
        return Response(TrendSerializer(trend_data(self._trend(series))).data)

    @extend_schema(
        operation_id="risks_campaigns_compare",
        parameters=[
            OpenApiParameter(
                "campaigns",
                {"type": "array", "items": {"type": "integer"}},
                description="Ids of closed campaigns to compare (repeat the parameter).",
                required=True,
                explode=True,
            )
        ],
        responses=TrendSerializer,
    )
    @action(
        detail=False, methods=["get"], url_path="trend", url_name="compare", scope_action_name=Action.VIEW
    )
    def compare(self, request: Request) -> Response:
        """Ratings compared across any closed campaigns."""
        wanted = request.query_params.getlist("campaigns")
        if not wanted or not all(is_database_id(value) for value in wanted):
            raise serializers.ValidationError({"campaigns": [_("Name the campaigns to compare by id.")]})
        found = list(self.get_queryset().filter(pk__in=wanted))
        if len(found) != len(set(wanted)):
            raise serializers.ValidationError({"campaigns": [_("Campaign not found.")]})
        return Response(TrendSerializer(trend_data(self._trend(found))).data)

    def _trend(self, campaigns: list[AssessmentCampaign]) -> campaign_reports.CampaignTrend:
        snapshots = restrict(RatingSnapshot.objects.all(), self.request.user, Action.VIEW)
        return campaign_reports.campaign_trend(campaigns, snapshots=snapshots)


# Review tasks ------------------------------------------------------------------------------

ASSIGNEE_ME = "me"
ASSIGNEE_ANY = "any"


class ReviewTaskSerializer(serializers.ModelSerializer):
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    campaign_status = serializers.CharField(source="campaign.status", read_only=True)
    due_on = serializers.DateField(source="campaign.ends_on", read_only=True)
    scenario_reference = serializers.CharField(source="scenario.reference", read_only=True)
    scenario_title = serializers.CharField(source="scenario.title", read_only=True)
    unit = serializers.IntegerField(source="scenario.unit_id", read_only=True)
    unit_name = serializers.CharField(source="scenario.unit.name", read_only=True)
    assignee_name = serializers.CharField(source="assignee.full_name", read_only=True)
    current_likelihood = serializers.IntegerField(source="scenario.current_likelihood", read_only=True)
    current_impact = serializers.IntegerField(source="scenario.current_impact", read_only=True)
    current_level = serializers.IntegerField(source="scenario.current_level", read_only=True)
    target_likelihood = serializers.IntegerField(
        source="scenario.target_likelihood", read_only=True, allow_null=True
    )
    target_impact = serializers.IntegerField(source="scenario.target_impact", read_only=True, allow_null=True)

    class Meta:
        model = ReviewTask
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "campaign_status",
            "due_on",
            "scenario",
            "scenario_reference",
            "scenario_title",
            "unit",
            "unit_name",
            "assignee",
            "assignee_name",
            "status",
            "comment",
            "completed_at",
            "current_likelihood",
            "current_impact",
            "current_level",
            "target_likelihood",
            "target_impact",
        ]
        read_only_fields = fields


class ReviewCompletionSerializer(serializers.Serializer):
    current_likelihood = serializers.IntegerField(min_value=1, max_value=100)
    current_impact = serializers.IntegerField(min_value=1, max_value=100)
    target_likelihood = serializers.IntegerField(min_value=1, max_value=100, required=False, allow_null=True)
    target_impact = serializers.IntegerField(min_value=1, max_value=100, required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ReviewTaskFilter(ScopedFilterSet):
    assignee = django_filters.CharFilter(
        method="filter_assignee",
        label=gettext_lazy("Assignee"),
        help_text=gettext_lazy("“me” (the default), “any”, or a person's id."),
    )
    campaign = django_filters.ModelChoiceFilter(
        queryset=reviewed_campaigns,
        label=gettext_lazy("Campaign"),
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit),
        method="filter_unit",
        label=gettext_lazy("Unit"),
        help_text=gettext_lazy("Includes its sub-units."),
    )

    class Meta:
        model = ReviewTask
        fields = ["campaign", "status", "scenario"]

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        # Without an assignee the list is the person's own reviews.
        if data is not None and not data.get("assignee"):
            data = data.copy()
            data["assignee"] = ASSIGNEE_ME
        super().__init__(data, *args, **kwargs)

    def filter_assignee(self, queryset: models.QuerySet[ReviewTask], name: str, value: str) -> Any:
        value = value.strip().lower()
        if value == ASSIGNEE_ANY:
            return queryset
        if value == ASSIGNEE_ME:
            return queryset.filter(assignee=getattr(self.request, "user", None))
        if is_database_id(value):
            return queryset.filter(assignee_id=int(value))
        raise serializers.ValidationError({"assignee": [_("Use “me”, “any” or a person's id.")]})

    def filter_unit(self, queryset: models.QuerySet[ReviewTask], name: str, value: OrgUnit) -> Any:
        return queryset.filter(scenario__unit__path__startswith=value.path)


class ReviewTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ExportMixin, ScopedViewSet):
    """Review tasks of campaigns: a person's own, or any within their reach."""

    queryset = ReviewTask.objects.select_related("campaign", "scenario", "scenario__unit", "assignee")
    serializer_class = ReviewTaskSerializer
    filterset_class = ReviewTaskFilter
    export_columns = export_columns(REVIEW_TASK_COLUMNS)
    export_name = "review-tasks"
    search_fields = ["scenario__reference", "scenario__title"]
    ordering_fields = ["scenario__reference", "status", "completed_at", "campaign__ends_on"]

    def filter_queryset(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        # The list filters (and their "my reviews" default) choose rows of a list; one
        # task is found by its id alone, as far as the person's reach goes.
        if self.action in ("list", "export"):
            return super().filter_queryset(queryset)
        return queryset

    @extend_schema(request=ReviewCompletionSerializer, responses=ReviewTaskSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Re-rate the scenario and mark the review done (its assignee, or whoever may
        change the scenario; anyone else is answered as if the task did not exist)."""
        task = self.get_object()
        if not campaign_services.may_complete(task, request.user):
            # Seen but not theirs to complete: answered exactly as a missing task is.
            get_object_or_404(self.get_queryset().none(), pk=pk)
        form = ReviewCompletionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        task = campaign_services.complete_review(task, by=request.user, **form.validated_data)
        return Response(ReviewTaskSerializer(self.queryset.get(pk=task.pk)).data)


def register_routes(router: DefaultRouter) -> None:
    router.register("campaigns", CampaignViewSet, basename="risk-campaign")
    router.register("review-tasks", ReviewTaskViewSet, basename="risk-review-task")
