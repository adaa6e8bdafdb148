"""API of supplier classification: status changes (creating one proposes it; `approve`,
`reject`, `withdraw`), rectification plans (`complete`, `cancel`) and their actions
(`complete`), and the supplier policy (one row; `current`).

Thin: serializers check shapes, garrison.suppliers.services write, scoping decides what
exists for the person (out of reach is a 404). Refusals of the four-eyes rule are 400s
with the reason, and recorded in the audit trail by the service.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.core.api.base import ScopedViewSet
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import HistoryMixin, ServiceWritesMixin, reason_field
from garrison.core.models import Person
from garrison.core.roles import Action
from garrison.core.scoping import can
from garrison.suppliers.filtersets_classification import PlanFilter, StatusChangeFilter
from garrison.suppliers.models import (
    RectificationAction,
    RectificationPlan,
    StatusChange,
    Supplier,
    SupplierPolicy,
    SupplierStatus,
)
from garrison.suppliers.services import classification as services
from garrison.suppliers.services import rectification as plans
from garrison.suppliers.tables_classification import PLAN_QUERYSET, STATUS_CHANGE_QUERYSET

# Status changes ---------------------------------------------------------------------------------


class StatusChangeSerializer(serializers.ModelSerializer):
    supplier = ScopedRelatedField(queryset=Supplier.objects.all())
    supplier_reference = serializers.CharField(source="supplier.reference", read_only=True)
    to_status = serializers.ChoiceField(choices=SupplierStatus.choices)
    # Blank is let through so that the service answers with its own message.
    reason = serializers.CharField(
        allow_blank=True, max_length=2000, help_text="Why; kept in the supplier's history."
    )
    proposed_by_name = serializers.CharField(source="proposed_by.full_name", read_only=True, default=None)
    decided_by_name = serializers.CharField(source="decided_by.full_name", read_only=True, default=None)

    class Meta:
        model = StatusChange
        fields = [
            "id",
            "supplier",
            "supplier_reference",
            "from_status",
            "to_status",
            "reason",
            "suspended_until",
            "source",
            "state",
            "proposed_by",
            "proposed_by_name",
            "proposed_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = [
            "from_status",
            "source",
            "state",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class StatusChangeDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Required to reject; the proposer is told.",
    )


class StatusChangeWithdrawSerializer(serializers.Serializer):
    reason = reason_field()


class StatusChangeViewSet(
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ScopedViewSet,
):
    """Changes of supplier status. Creating one proposes it; someone other than the
    proposer, with the authority over the supplier's unit, approves or rejects it."""

    queryset = STATUS_CHANGE_QUERYSET
    serializer_class = StatusChangeSerializer
    filterset_class = StatusChangeFilter
    search_fields = ["supplier__reference", "supplier__name", "supplier__name_en", "reason"]
    ordering_fields = ["proposed_at", "decided_at", "state"]
    ordering = ["-proposed_at", "-id"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.propose_status_change(
            data.pop("supplier"),
            data.pop("to_status"),
            by=self.request.user,
            reason=data.pop("reason", ""),
            suspended_until=data.pop("suspended_until", None),
        )

    def _decide(self, request: Request, *, approve: bool) -> Response:
        form = StatusChangeDecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        change = services.decide_status_change(
            self.get_object(), by=request.user, approve=approve, note=form.validated_data.get("note", "")
        )
        return Response(self.get_serializer(change).data)

    @extend_schema(request=StatusChangeDecisionSerializer, responses=StatusChangeSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve the change: the supplier takes the new status at once."""
        return self._decide(request, approve=True)

    @extend_schema(request=StatusChangeDecisionSerializer, responses=StatusChangeSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject the change (a note is required)."""
        return self._decide(request, approve=False)

    @extend_schema(request=StatusChangeWithdrawSerializer, responses=StatusChangeSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """The proposer takes back a change nobody has decided yet."""
        form = StatusChangeWithdrawSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        change = services.withdraw_status_change(
            self.get_object(), by=request.user, reason=form.validated_data.get("reason", "")
        )
        return Response(self.get_serializer(change).data)


# Rectification plans and actions ----------------------------------------------------------------


class RectificationPlanActionSerializer(serializers.ModelSerializer):
    """An action as its plan lists it; on creating a plan, its description and due date."""

    class Meta:
        model = RectificationAction
        fields = ["id", "description", "due_on", "status", "follow_up", "done_at"]
        read_only_fields = ["status", "follow_up", "done_at"]


class RectificationPlanSerializer(serializers.ModelSerializer):
    supplier = ScopedRelatedField(queryset=Supplier.objects.all())
    supplier_reference = serializers.CharField(source="supplier.reference", read_only=True)
    owner = ScopedRelatedField(queryset=Person.objects.all(), help_text="Who follows the plan up.")
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    actions = RectificationPlanActionSerializer(
        many=True, required=False, help_text="The plan's actions; on creation, its first ones."
    )
    reason = reason_field()

    class Meta:
        model = RectificationPlan
        fields = [
            "id",
            "supplier",
            "supplier_reference",
            "title",
            "description",
            "due_on",
            "owner",
            "owner_name",
            "status",
            "completed_at",
            "created_by",
            "created_at",
            "actions",
            "reason",
        ]
        read_only_fields = ["status", "completed_at", "created_by", "created_at"]


class RectificationPlanClosingSerializer(serializers.Serializer):
    reason = reason_field()


class RectificationPlanCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the plan is dropped; kept in the history.")


class RectificationPlanViewSet(
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ScopedViewSet,
):
    """Rectification plans of substandard suppliers; `complete` (every action done) opens
    the way back to qualified, `cancel` drops a plan."""

    queryset = PLAN_QUERYSET.prefetch_related("actions")
    serializer_class = RectificationPlanSerializer
    filterset_class = PlanFilter
    search_fields = ["title", "supplier__reference", "supplier__name", "supplier__name_en"]
    ordering_fields = ["due_on", "created_at", "status"]
    ordering = ["due_on", "id"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        actions = [(item["description"], item["due_on"]) for item in data.pop("actions", [])]
        serializer.instance = plans.create_plan(
            data.pop("supplier"), by=self.request.user, actions=actions, **data
        )

    @extend_schema(request=RectificationPlanClosingSerializer, responses=RectificationPlanSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Complete the plan (every action must be done); the return to qualified is proposed."""
        form = RectificationPlanClosingSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        plan = plans.complete_plan(
            self.get_object(), by=request.user, reason=form.validated_data.get("reason", "")
        )
        return Response(self.get_serializer(RectificationPlan.objects.get(pk=plan.pk)).data)

    @extend_schema(request=RectificationPlanCancelSerializer, responses=RectificationPlanSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Drop the plan; the reason is required."""
        form = RectificationPlanCancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        plan = plans.cancel_plan(self.get_object(), by=request.user, reason=form.validated_data["reason"])
        return Response(self.get_serializer(plan).data)


class RectificationActionSerializer(serializers.ModelSerializer):
    plan = ScopedRelatedField(queryset=RectificationPlan.objects.all())
    reason = reason_field()

    class Meta:
        model = RectificationAction
        fields = [
            "id",
            "plan",
            "description",
            "due_on",
            "status",
            "follow_up",
            "done_at",
            "reminded_on",
            "reason",
        ]
        read_only_fields = ["status", "done_at", "reminded_on"]

    def validate_plan(self, plan: RectificationPlan) -> RectificationPlan:
        if self.instance is not None and plan.pk != self.instance.plan_id:
            raise serializers.ValidationError(_("An action stays with its plan."))
        return plan

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and (attrs.get("follow_up") or "").strip():
            raise serializers.ValidationError(
                {"follow_up": [_("Write follow-up notes once the action exists.")]}
            )
        return attrs


class RectificationActionDoneSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Added to the follow-up notes."
    )


class RectificationActionViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Actions of the rectification plans, with due dates and follow-up notes."""

    queryset = RectificationAction.objects.select_related("plan", "plan__supplier")
    serializer_class = RectificationActionSerializer
    filterset_fields = ["plan", "status"]
    ordering_fields = ["due_on", "status"]
    ordering = ["due_on", "id"]

    parent_field = "plan"
    update_service = staticmethod(plans.update_action)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("follow_up", None)
        serializer.instance = plans.add_action(
            data.pop("plan"),
            by=self.request.user,
            reason=data.pop("reason", ""),
            description=data["description"],
            due_on=data["due_on"],
        )

    @extend_schema(request=RectificationActionDoneSerializer, responses=RectificationActionSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the action done."""
        form = RectificationActionDoneSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        done = plans.complete_action(
            self.get_object(), by=request.user, note=form.validated_data.get("note", "")
        )
        return Response(self.get_serializer(done).data)


# The supplier policy ----------------------------------------------------------------------------


class SupplierPolicySerializer(serializers.ModelSerializer):
    document_reminder_days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=services.POLICY_REMINDER_MAX_DAYS),
        allow_empty=False,
        help_text="Days before a qualification document expires on which its manager is reminded.",
    )
    screening_threshold = serializers.IntegerField(
        min_value=50,
        max_value=100,
        help_text="Name similarity (50 to 100) at which screening proposes a match.",
    )
    reason = reason_field()

    class Meta:
        model = SupplierPolicy
        fields = [
            "id",
            "excellent_from",
            "good_from",
            "acceptable_from",
            "downgrade_below",
            "document_reminder_days",
            "screening_threshold",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["updated_at"]


class SupplierPolicyViewSet(
    ServiceWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    HistoryMixin,
    ScopedViewSet,
):
    """The organisation's supplier policy: one row (the list holds it; `current` returns it).
    Everyone who reads suppliers reads it; whoever may change supplier records over the
    whole organisation changes it."""

    queryset = SupplierPolicy.objects.all()
    serializer_class = SupplierPolicySerializer
    ordering = ["id"]
    update_service = staticmethod(services.update_policy)

    def scope_action(self) -> Action:
        # Readers find the row and are then refused the change (403), rather than told it is missing.
        if self.action in ("update", "partial_update"):
            return Action.VIEW
        return super().scope_action()

    def perform_update(self, serializer: Any) -> None:
        if not can(self.request.user, Action.CHANGE, serializer.instance):
            raise PermissionDenied(
                _("Only whoever may change supplier records over the whole organisation changes the policy.")
            )
        super().perform_update(serializer)

    @extend_schema(responses=SupplierPolicySerializer)
    @action(detail=False, methods=["get"])
    def current(self, request: Request) -> Response:
        """The policy in force."""
        policy = services.current_policy()
        if not self.get_queryset().filter(pk=policy.pk).exists():
            raise PermissionDenied
        return Response(self.get_serializer(policy).data)


def register_routes(router: BaseRouter) -> None:
    router.register("status-changes", StatusChangeViewSet, basename="supplier-status-change")
    router.register("rectification-plans", RectificationPlanViewSet, basename="supplier-rectification-plan")
    router.register(
        "rectification-actions", RectificationActionViewSet, basename="supplier-rectification-action"
    )
    router.register("supplier-policy", SupplierPolicyViewSet, basename="supplier-policy")
