"""API of sourcing events (with their workflow, invitations, criteria, timeline and
evaluation matrix), invitations, bids, evaluators (with `declare`), bid scores and
purchase orders.

Thin: serializers check shapes, garrison.suppliers.services.sourcing, .evaluation and
.orders write, scoping decides what exists for the person (out of reach is a 404). Bids
are listed only as `evaluation.visible_bids` allows: an evaluator who has not signed the
declaration (or declared a conflict) sees none, and asking for one event's bids answers
403 with the reason, recorded in the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.core.api.base import ScopedViewSet, is_database_id
from garrison.core.api.exports import ExportMixin
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import HistoryMixin, ServiceWritesMixin, reason_field
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.suppliers.filtersets_sourcing import (
    BidFilter,
    BidScoreFilter,
    EvaluatorFilter,
    InvitationFilter,
    PurchaseOrderFilter,
    SourcingEventFilter,
)
from garrison.suppliers.models import (
    Bid,
    BidScore,
    EvaluationCriterion,
    Evaluator,
    Invitation,
    PurchaseOrder,
    SourcingEvent,
    SourcingStep,
    Supplier,
    SupplierCategory,
)
from garrison.suppliers.services import evaluation as evaluation_services
from garrison.suppliers.services import orders as order_services
from garrison.suppliers.services import sourcing as services
from garrison.suppliers.tables_sourcing import (
    EVENT_EXPORT_COLUMNS,
    EVENT_QUERYSET,
    ORDER_EXPORT_COLUMNS,
    ORDER_QUERYSET,
)
from garrison.web.lists import export_columns


def _split(serializer: Any) -> tuple[dict[str, Any], str]:
    data = dict(serializer.validated_data)
    return data, data.pop("reason", "")


# Serializers -------------------------------------------------------------------------------------


class SourcingEventSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=SupplierCategory.objects.all(),
        allow_null=True,
        required=False,
        help_text="A supplier category code (such as hardware).",
    )
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all())
    buyer_name = serializers.CharField(source="buyer.full_name", read_only=True)
    reason = reason_field()

    class Meta:
        model = SourcingEvent
        fields = [
            "id",
            "reference",
            "title",
            "kind",
            "description",
            "category",
            "status",
            "unit",
            "buyer",
            "buyer_name",
            "estimated_value_cny",
            "bid_deadline",
            "publicity_ends_at",
            "awarded_supplier",
            "awarded_at",
            "award_reason",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = [
            "reference",
            "status",
            "buyer",
            "publicity_ends_at",
            "awarded_supplier",
            "awarded_at",
            "award_reason",
            "created_at",
            "updated_at",
        ]


class StepReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Required to cancel, and to close bidding before the deadline.",
    )


class ShortlistSerializer(serializers.Serializer):
    bids = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the bids on the shortlist."
    )
    publicity_days = serializers.IntegerField(
        required=False, default=services.DEFAULT_PUBLICITY_DAYS, help_text="Days of publicity (1 to 90)."
    )
    reason = reason_field()


class AwardSerializer(serializers.Serializer):
    supplier = serializers.IntegerField(help_text="Id of the shortlisted supplier.")
    reason = serializers.CharField(max_length=2000, help_text="Why this supplier; kept on the timeline.")


class InviteSerializer(serializers.Serializer):
    supplier = ScopedRelatedField(queryset=Supplier.objects.all())
    reason = reason_field()


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationCriterion
        fields = ["id", "name", "weight", "order"]
        read_only_fields = ["order"]
        validators: list[Any] = []


class SourcingStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = SourcingStep
        fields = ["id", "kind", "description", "actor", "actor_label", "at"]


class InvitationSerializer(serializers.ModelSerializer):
    event = ScopedRelatedField(queryset=SourcingEvent.objects.all())
    supplier = ScopedRelatedField(queryset=Supplier.objects.all())
    supplier_name = serializers.CharField(source="supplier.display_name", read_only=True)
    event_reference = serializers.CharField(source="event.reference", read_only=True)
    reason = reason_field()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "event",
            "event_reference",
            "supplier",
            "supplier_name",
            "status",
            "invited_by",
            "invited_at",
            "reason",
        ]
        read_only_fields = ["status", "invited_by", "invited_at"]
        validators: list[Any] = []


class BidSerializer(serializers.ModelSerializer):
    event = ScopedRelatedField(queryset=SourcingEvent.objects.all())
    supplier = ScopedRelatedField(queryset=Supplier.objects.all())
    supplier_name = serializers.CharField(source="supplier.display_name", read_only=True)
    reason = reason_field()

    class Meta:
        model = Bid
        fields = [
            "id",
            "event",
            "supplier",
            "supplier_name",
            "price_cny",
            "delivery_days",
            "terms",
            "attachment",
            "submitted_at",
            "recorded_by",
            "total_score",
            "rank",
            "is_shortlisted",
            "reason",
        ]
        read_only_fields = [
            "attachment",
            "submitted_at",
            "recorded_by",
            "total_score",
            "rank",
            "is_shortlisted",
        ]
        validators: list[Any] = []


class EvaluatorSerializer(serializers.ModelSerializer):
    event = ScopedRelatedField(queryset=SourcingEvent.objects.all())
    person = ScopedRelatedField(queryset=Person.objects.all())
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    may_see_bids = serializers.BooleanField(read_only=True)
    reason = reason_field()

    class Meta:
        model = Evaluator
        fields = [
            "id",
            "event",
            "person",
            "person_name",
            "declared_at",
            "has_conflict",
            "conflict_details",
            "may_see_bids",
            "added_by",
            "added_at",
            "reason",
        ]
        read_only_fields = ["declared_at", "has_conflict", "conflict_details", "added_by", "added_at"]
        validators: list[Any] = []


class DeclarationSerializer(serializers.Serializer):
    has_conflict = serializers.BooleanField(
        help_text="False: I have no conflict of interest with the invited suppliers."
    )
    details = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="Required with a conflict."
    )


class BidScoreSerializer(serializers.ModelSerializer):
    bid = ScopedRelatedField(queryset=Bid.objects.all())
    criterion = ScopedRelatedField(queryset=EvaluationCriterion.objects.all())

    class Meta:
        model = BidScore
        fields = ["id", "bid", "criterion", "evaluator", "score", "comment", "scored_at"]
        read_only_fields = ["evaluator", "scored_at"]
        validators: list[Any] = []


class MatrixScoreSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    evaluator = serializers.IntegerField()
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    comment = serializers.CharField()


class MatrixEvaluatorTotalSerializer(serializers.Serializer):
    evaluator = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class MatrixRowSerializer(serializers.Serializer):
    bid = serializers.IntegerField()
    supplier = serializers.IntegerField()
    supplier_name = serializers.CharField()
    price_cny = serializers.DecimalField(max_digits=16, decimal_places=2)
    total = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    evaluator_totals = MatrixEvaluatorTotalSerializer(many=True)
    scores = MatrixScoreSerializer(many=True)


class MatrixEvaluatorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.IntegerField()
    name = serializers.CharField()


class MatrixSerializer(serializers.Serializer):
    criteria = CriterionSerializer(many=True)
    evaluators = MatrixEvaluatorSerializer(many=True)
    rows = MatrixRowSerializer(many=True)
    is_complete = serializers.BooleanField()


def _matrix_data(matrix: evaluation_services.EvaluationMatrix) -> dict[str, Any]:
    return {
        "criteria": matrix.criteria,
        "evaluators": [
            {"id": evaluator.pk, "person": evaluator.person_id, "name": evaluator.person.full_name}
            for evaluator in matrix.evaluators
        ],
        "rows": [
            {
                "bid": row.bid.pk,
                "supplier": row.bid.supplier_id,
                "supplier_name": row.bid.supplier.display_name,
                "price_cny": row.bid.price_cny,
                "total": row.total,
                "rank": row.rank,
                "evaluator_totals": [
                    {"evaluator": evaluator_id, "total": total}
                    for evaluator_id, total in row.evaluator_totals.items()
                ],
                "scores": [
                    {
                        "criterion": score.criterion_id,
                        "evaluator": score.evaluator_id,
                        "score": score.score,
                        "comment": score.comment,
                    }
                    for score in row.scores.values()
                ],
            }
            for row in matrix.rows
        ],
        "is_complete": matrix.is_complete,
    }


class PurchaseOrderSerializer(serializers.ModelSerializer):
    supplier = ScopedRelatedField(queryset=Supplier.objects.all())
    event = ScopedRelatedField(queryset=SourcingEvent.objects.all(), allow_null=True, required=False)
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all(), allow_null=True, required=False)
    supplier_name = serializers.CharField(source="supplier.display_name", read_only=True)
    reason = reason_field()

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "reference",
            "supplier",
            "supplier_name",
            "event",
            "unit",
            "title",
            "amount_cny",
            "status",
            "placed_by",
            "placed_at",
            "reason",
        ]
        read_only_fields = ["reference", "status", "placed_by", "placed_at"]


# Viewsets ----------------------------------------------------------------------------------------


class SourcingEventViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """Sourcing events (RFQs and tenders) and their workflow; an event is cancelled, never deleted."""

    queryset = EVENT_QUERYSET
    serializer_class = SourcingEventSerializer
    filterset_class = SourcingEventFilter
    export_columns = export_columns(list(EVENT_EXPORT_COLUMNS))
    export_name = "sourcing-events"
    search_fields = ["reference", "title", "description"]
    ordering_fields = ["reference", "title", "status", "bid_deadline", "created_at"]
    ordering = ["-created_at", "-id"]

    create_service = staticmethod(services.create_event)
    update_service = staticmethod(services.update_event)

    def _fresh(self, event: SourcingEvent) -> Response:
        return Response(self.get_serializer(self.queryset.get(pk=event.pk)).data)

    def _step(self, request: Request, service: Any) -> Response:
        event = self.get_object()
        form = StepReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        service(event, by=request.user, reason=form.validated_data["reason"])
        return self._fresh(event)

    @extend_schema(request=StepReasonSerializer, responses=SourcingEventSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def open(self, request: Request, pk: str | None = None) -> Response:
        """Open for bids: at least one invited supplier, weighted criteria, a bid deadline ahead."""
        return self._step(request, services.open_event)

    @extend_schema(request=StepReasonSerializer, responses=SourcingEventSerializer)
    @action(detail=True, methods=["post"], url_path="close-bidding", scope_action_name=Action.CHANGE)
    def close_bidding(self, request: Request, pk: str | None = None) -> Response:
        """Close bidding and start the evaluation; before the deadline a reason is required."""
        return self._step(request, services.close_bidding)

    @extend_schema(request=StepReasonSerializer, responses=SourcingEventSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel the event, with a reason, before the award."""
        return self._step(request, services.cancel_event)

    @extend_schema(request=ShortlistSerializer, responses=SourcingEventSerializer)
    @action(detail=True, methods=["post"], url_path="announce-shortlist", scope_action_name=Action.CHANGE)
    def announce_shortlist(self, request: Request, pk: str | None = None) -> Response:
        """Rank the bids by weighted score and announce the shortlist for its publicity period."""
        event = self.get_object()
        form = ShortlistSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        wanted = set(form.validated_data["bids"])
        bids = list(event.bids.filter(pk__in=wanted))
        if len(bids) != len(wanted):
            raise serializers.ValidationError({"bids": ["Choose bids of this event."]})
        services.announce_shortlist(
            event,
            by=request.user,
            bids=bids,
            publicity_days=form.validated_data["publicity_days"],
            reason=form.validated_data.get("reason", ""),
        )
        return self._fresh(event)

    @extend_schema(request=AwardSerializer, responses=SourcingEventSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def award(self, request: Request, pk: str | None = None) -> Response:
        """Award to a shortlisted bidder whose status allows it, after the publicity period."""
        event = self.get_object()
        form = AwardSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        bid = (
            event.bids.select_related("supplier").filter(supplier_id=form.validated_data["supplier"]).first()
        )
        if bid is None:
            raise serializers.ValidationError({"supplier": ["This supplier did not bid."]})
        services.award(event, bid.supplier, by=request.user, reason=form.validated_data["reason"])
        return self._fresh(event)

    @extend_schema(request=InviteSerializer, responses={201: InvitationSerializer})
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def invite(self, request: Request, pk: str | None = None) -> Response:
        """Invite a supplier; one whose status closes the gate is refused (400) and the refusal recorded."""
        event = self.get_object()
        form = InviteSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        invitation = services.invite_supplier(
            event,
            form.validated_data["supplier"],
            by=request.user,
            reason=form.validated_data.get("reason", ""),
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=CriterionSerializer(many=True))
    @extend_schema(methods=["post"], request=CriterionSerializer, responses={201: CriterionSerializer})
    @action(detail=True, methods=["get", "post"])
    def criteria(self, request: Request, pk: str | None = None) -> Response:
        """The evaluation criteria; POST adds one (in the draft)."""
        if request.method == "POST":
            event = (
                restrict(self.queryset.all(), request.user, Action.CHANGE)
                .filter(pk=self.get_object().pk)
                .first()
            )
            if event is None:
                return Response(status=status.HTTP_404_NOT_FOUND)
            form = CriterionSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            criterion = services.add_criterion(
                event, by=request.user, name=form.validated_data["name"], weight=form.validated_data["weight"]
            )
            return Response(CriterionSerializer(criterion).data, status=status.HTTP_201_CREATED)
        return Response(CriterionSerializer(self.get_object().criteria.all(), many=True).data)

    @extend_schema(request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"criteria/(?P<criterion_id>[0-9]+)",
        scope_action_name=Action.CHANGE,
    )
    def remove_criterion(self, request: Request, pk: str | None = None, criterion_id: str = "") -> Response:
        """Remove a criterion (in the draft)."""
        event = self.get_object()
        criterion = event.criteria.filter(pk=criterion_id).first() if is_database_id(criterion_id) else None
        if criterion is None:
            return Response(status=status.HTTP_404_NOT_FOUND)
        services.remove_criterion(criterion, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=SourcingStepSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        """Every step of the event, oldest first, with the person who took it."""
        return Response(SourcingStepSerializer(self.get_object().steps.all(), many=True).data)

    @extend_schema(responses=MatrixSerializer)
    @action(detail=True, methods=["get"])
    def matrix(self, request: Request, pk: str | None = None) -> Response:
        """The evaluation matrix (criteria by bids with each evaluator's scores and weighted
        totals); 403 for someone who may not see the bids, and the refusal is recorded."""
        event = self.get_object()
        evaluation_services.ensure_bids_visible(event, request.user)
        matrix = evaluation_services.evaluation_matrix(
            event, evaluation_services.bids_visible_to(event, request.user)
        )
        return Response(MatrixSerializer(_matrix_data(matrix)).data)


class InvitationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Suppliers invited to events; creating one invites (gates enforced, refusals recorded)."""

    queryset = Invitation.objects.select_related("event", "supplier")
    serializer_class = InvitationSerializer
    filterset_class = InvitationFilter
    ordering = ["invited_at", "id"]

    def person_may_add(self, person: Any) -> bool:
        # Whoever may change the event invites; the service checks the event.
        return True

    def perform_create(self, serializer: Any) -> None:
        data, reason = _split(serializer)
        serializer.instance = services.invite_supplier(
            data["event"], data["supplier"], by=self.request.user, reason=reason
        )


class BidViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Bids, as the person may see them (never to an evaluator without a signed declaration);
    `?event=<id>` answers 403 with the reason to someone who may not see that event's bids.
    Creating one records the bid an invited supplier sent."""

    queryset = Bid.objects.select_related("event", "supplier")
    serializer_class = BidSerializer
    filterset_class = BidFilter
    ordering = ["event", "rank", "submitted_at", "id"]

    def person_may_add(self, person: Any) -> bool:
        return True

    def get_queryset(self) -> QuerySet[Any]:
        if self.action in ("list", "retrieve"):
            return evaluation_services.visible_bids(self.request.user).select_related("event", "supplier")
        return super().get_queryset()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        event_id = request.query_params.get("event", "")
        if is_database_id(event_id):
            event = (
                restrict(SourcingEvent.objects.all(), request.user, Action.VIEW).filter(pk=event_id).first()
            )
            if event is not None:
                evaluation_services.ensure_bids_visible(event, request.user)
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer: Any) -> None:
        data, reason = _split(serializer)
        serializer.instance = services.record_bid(
            data["event"],
            data["supplier"],
            by=self.request.user,
            price_cny=data["price_cny"],
            delivery_days=data.get("delivery_days"),
            terms=data.get("terms", ""),
            reason=reason,
        )


class EvaluatorViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Evaluators of events and their conflict-of-interest declarations (`declare`)."""

    queryset = Evaluator.objects.select_related("event", "person")
    serializer_class = EvaluatorSerializer
    filterset_class = EvaluatorFilter
    ordering = ["added_at", "id"]

    def person_may_add(self, person: Any) -> bool:
        return True

    def perform_create(self, serializer: Any) -> None:
        data, reason = _split(serializer)
        serializer.instance = evaluation_services.add_evaluator(
            data["event"], data["person"], by=self.request.user, reason=reason
        )

    def perform_destroy(self, instance: Evaluator) -> None:
        evaluation_services.remove_evaluator(instance, by=self.request.user)

    @extend_schema(request=DeclarationSerializer, responses=EvaluatorSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def declare(self, request: Request, pk: str | None = None) -> Response:
        """Sign your own declaration: no conflict lets you see and score the bids; a conflict recuses you."""
        evaluator = self.get_object()
        form = DeclarationSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        signed = evaluation_services.sign_declaration(
            evaluator,
            by=request.user,
            has_conflict=form.validated_data["has_conflict"],
            details=form.validated_data["details"],
        )
        return Response(self.get_serializer(signed).data)


class BidScoreViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Evaluators' scores (0 to 100) of bids on criteria; posting one again corrects it."""

    queryset = BidScore.objects.select_related("bid", "criterion", "evaluator")
    serializer_class = BidScoreSerializer
    filterset_class = BidScoreFilter
    ordering = ["bid", "criterion__order", "evaluator"]

    def person_may_add(self, person: Any) -> bool:
        return True

    def get_queryset(self) -> QuerySet[Any]:
        if self.action == "create":
            # The evaluator scores; the service checks the declaration, not a grant.
            return self.queryset.all()
        visible = evaluation_services.visible_bids(self.request.user)
        return restrict(self.queryset.all(), self.request.user, Action.VIEW).filter(bid__in=visible)

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = evaluation_services.score_bid(
            data["bid"],
            data["criterion"],
            by=self.request.user,
            score=data["score"],
            comment=data.get("comment", ""),
        )


class PurchaseOrderViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """Purchase orders; a supplier whose status closes the gate receives none (400, recorded)."""

    queryset = ORDER_QUERYSET
    serializer_class = PurchaseOrderSerializer
    filterset_class = PurchaseOrderFilter
    export_columns = export_columns(list(ORDER_EXPORT_COLUMNS))
    export_name = "purchase-orders"
    search_fields = ["reference", "title"]
    ordering_fields = ["reference", "placed_at", "amount_cny", "status"]
    ordering = ["-placed_at", "-id"]

    def perform_create(self, serializer: Any) -> None:
        data, reason = _split(serializer)
        supplier = data.pop("supplier")
        serializer.instance = order_services.place_order(
            supplier, by=self.request.user, reason=reason, **data
        )

    def _finish(self, request: Request, service: Any) -> Response:
        order = self.get_object()
        form = StepReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        finished = service(order, by=request.user, reason=form.validated_data["reason"])
        return Response(self.get_serializer(finished).data)

    @extend_schema(request=StepReasonSerializer, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def deliver(self, request: Request, pk: str | None = None) -> Response:
        """Record the order delivered."""
        return self._finish(request, order_services.mark_delivered)

    @extend_schema(request=StepReasonSerializer, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel the order, with a reason."""
        return self._finish(request, order_services.cancel_order)


def register_routes(router: BaseRouter) -> None:
    router.register("sourcing-events", SourcingEventViewSet, basename="sourcing-event")
    router.register("invitations", InvitationViewSet, basename="invitation")
    router.register("bids", BidViewSet, basename="bid")
    router.register("evaluators", EvaluatorViewSet, basename="evaluator")
    router.register("bid-scores", BidScoreViewSet, basename="bid-score")
    router.register("purchase-orders", PurchaseOrderViewSet, basename="purchase-order")
