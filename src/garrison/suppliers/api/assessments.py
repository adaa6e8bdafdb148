"""API of supplier questionnaires, assessments, scorecards and scorecard criteria.

Thin: serializers validate shapes, garrison.suppliers.services.assessments and .scorecards
write, scoping decides what exists for the person (out of reach is a 404). The respondent
answers through the web page of the link, not through this API; `send` returns the link
once (only its hash is kept).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import HistoryMixin, reason_field
from garrison.core.roles import Action
from garrison.suppliers.filtersets_assessments import AssessmentFilter, QuestionnaireFilter, ScorecardFilter
from garrison.suppliers.models import (
    Answer,
    Question,
    Questionnaire,
    Scorecard,
    ScorecardCriterion,
    ScorecardLine,
    Supplier,
    SupplierAssessment,
)
from garrison.suppliers.services import assessments as services
from garrison.suppliers.services import scorecards as scorecard_services
from garrison.suppliers.tables_assessments import (
    ASSESSMENT_COLUMNS,
    ASSESSMENT_QUERYSET,
    QUESTIONNAIRE_COLUMNS,
    SCORECARD_COLUMNS,
    SCORECARD_QUERYSET,
)
from garrison.web.lists import export_columns

# Questionnaires ------------------------------------------------------------------------------------


class SupplierQuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = [
            "id",
            "urn",
            "code",
            "order",
            "dimension",
            "text",
            "text_zh",
            "answer_type",
            "choices",
            "good_answer",
            "weight",
            "evidence_requested",
            "evidence_hint",
        ]
        read_only_fields = fields


class SupplierQuestionnaireSerializer(serializers.ModelSerializer):
    questions = SupplierQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Questionnaire
        fields = [
            "id",
            "urn",
            "library_urn",
            "kind",
            "name",
            "name_zh",
            "description",
            "description_zh",
            "version",
            "is_active",
            "questions",
        ]
        read_only_fields = fields


class QuestionnaireViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ExportMixin, ScopedViewSet):
    """The questionnaires (library data, loaded from libraries) with their questions."""

    queryset = Questionnaire.objects.prefetch_related("questions").annotate(question_count=Count("questions"))
    serializer_class = SupplierQuestionnaireSerializer
    filterset_class = QuestionnaireFilter
    export_columns = export_columns(list(QUESTIONNAIRE_COLUMNS))
    export_name = "supplier-questionnaires"
    search_fields = ["name", "name_zh", "urn"]
    ordering_fields = ["kind", "name"]
    ordering = ["kind", "name"]


# Assessments -------------------------------------------------------------------------------------------


class SupplierAnswerSerializer(serializers.ModelSerializer):
    question_code = serializers.CharField(source="question.code", read_only=True)
    dimension = serializers.CharField(source="question.dimension", read_only=True)
    evidence_filename = serializers.CharField(source="evidence.filename", read_only=True, default=None)

    class Meta:
        model = Answer
        fields = [
            "id",
            "question",
            "question_code",
            "dimension",
            "value",
            "comment",
            "evidence",
            "evidence_filename",
            "computed_score",
            "reviewer_score",
            "reviewer_comment",
            "answered_at",
        ]
        read_only_fields = fields


class SupplierAssessmentSerializer(serializers.ModelSerializer):
    supplier = ScopedRelatedField(queryset=Supplier.objects.all())
    questionnaire = ScopedRelatedField(queryset=Questionnaire.objects.all())
    supplier_reference = serializers.CharField(source="supplier.reference", read_only=True)
    questionnaire_kind = serializers.CharField(source="questionnaire.kind", read_only=True)
    answers = SupplierAnswerSerializer(many=True, read_only=True)
    reason = reason_field()

    class Meta:
        model = SupplierAssessment
        fields = [
            "id",
            "reference",
            "supplier",
            "supplier_reference",
            "questionnaire",
            "questionnaire_kind",
            "status",
            "respondent_name",
            "respondent_email",
            "token_expires_at",
            "sent_at",
            "submitted_at",
            "reviewer",
            "reviewed_at",
            "review_comment",
            "dimension_scores",
            "overall_score",
            "created_by",
            "created_at",
            "answers",
            "reason",
        ]
        read_only_fields = [
            "reference",
            "status",
            "token_expires_at",
            "sent_at",
            "submitted_at",
            "reviewer",
            "reviewed_at",
            "review_comment",
            "dimension_scores",
            "overall_score",
            "created_by",
            "created_at",
        ]
        extra_kwargs = {"respondent_name": {"required": True}, "respondent_email": {"required": True}}


class SendSerializer(serializers.Serializer):
    days_valid = serializers.IntegerField(
        min_value=1,
        max_value=services.MAX_DAYS_VALID,
        default=services.DEFAULT_DAYS_VALID,
        help_text="How many days the link works.",
    )
    reason = reason_field()


class ReviewAnswerSerializer(serializers.Serializer):
    answer = serializers.IntegerField(help_text="The id of an answer of this assessment.")
    score = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        allow_null=True,
        help_text="The reviewer's score 0 to 100, replacing the computed one; null clears it.",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    reason = reason_field()


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    reason = reason_field()


class AssessmentViewSet(
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """Questionnaires sent to suppliers, their answers and scores."""

    queryset = ASSESSMENT_QUERYSET.prefetch_related("answers__question", "answers__evidence")
    serializer_class = SupplierAssessmentSerializer
    filterset_class = AssessmentFilter
    export_columns = export_columns(list(ASSESSMENT_COLUMNS))
    export_name = "supplier-assessments"
    search_fields = ["reference", "supplier__name", "supplier__name_en", "respondent_name"]
    ordering_fields = ["reference", "status", "sent_at", "submitted_at", "overall_score", "created_at"]
    ordering = ["-created_at", "-id"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.create_assessment(
            data["supplier"],
            data["questionnaire"],
            by=self.request.user,
            respondent_name=data["respondent_name"],
            respondent_email=data["respondent_email"],
            reason=data.get("reason", ""),
        )

    def _fresh(self, assessment: SupplierAssessment) -> dict[str, Any]:
        return dict(self.get_serializer(self.queryset.get(pk=assessment.pk)).data)

    @extend_schema(
        request=SendSerializer,
        responses=inline_serializer(
            "SupplierAssessmentLink",
            {
                "link": serializers.CharField(help_text="The respondent's link: shown only this once."),
                "expires_at": serializers.DateTimeField(),
                "assessment": SupplierAssessmentSerializer(),
            },
        ),
    )
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def send(self, request: Request, pk: str | None = None) -> Response:
        """Make the respondent's link (a new one each time; the previous one stops working)."""
        assessment = self.get_object()
        form = SendSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        token = services.send_assessment(
            assessment,
            by=request.user,
            days_valid=form.validated_data["days_valid"],
            reason=form.validated_data.get("reason", ""),
        )
        response = Response(
            {
                "link": request.build_absolute_uri(services.respondent_url(token)),
                "expires_at": serializers.DateTimeField().to_representation(assessment.token_expires_at),
                "assessment": self._fresh(assessment),
            }
        )
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(request=ReviewAnswerSerializer, responses=SupplierAssessmentSerializer)
    @action(detail=True, methods=["post"], url_path="review-answer", scope_action_name=Action.CHANGE)
    def review_answer(self, request: Request, pk: str | None = None) -> Response:
        """Score and comment one answer as the reviewer."""
        assessment = self.get_object()
        form = ReviewAnswerSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        answer = Answer.objects.filter(assessment=assessment, pk=form.validated_data["answer"]).first()
        if answer is None:
            raise serializers.ValidationError({"answer": ["This assessment has no such answer."]})
        services.review_answer(
            answer,
            by=request.user,
            score=form.validated_data["score"],
            comment=form.validated_data["comment"],
            reason=form.validated_data.get("reason", ""),
        )
        return Response(self._fresh(assessment))

    @extend_schema(request=CommentSerializer, responses=SupplierAssessmentSerializer)
    @action(detail=True, methods=["post"], url_path="complete-review", scope_action_name=Action.CHANGE)
    def complete_review(self, request: Request, pk: str | None = None) -> Response:
        """Complete the review; the overall score becomes the supplier's ESG or security score."""
        assessment = self.get_object()
        form = CommentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.complete_review(
            assessment,
            by=request.user,
            comment=form.validated_data["comment"],
            reason=form.validated_data.get("reason", ""),
        )
        return Response(self._fresh(assessment))

    @extend_schema(request=CommentSerializer, responses=SupplierAssessmentSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel the assessment before its review is complete; the link stops working."""
        assessment = self.get_object()
        form = CommentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        reason = form.validated_data.get("reason") or form.validated_data["comment"]
        services.cancel_assessment(assessment, by=request.user, reason=reason)
        return Response(self._fresh(assessment))


# Scorecards ----------------------------------------------------------------------------------------------


class ScorecardLineSerializer(serializers.ModelSerializer):
    criterion_code = serializers.CharField(source="criterion.code", read_only=True)

    class Meta:
        model = ScorecardLine
        fields = ["criterion", "criterion_code", "weight", "score", "comment"]
        read_only_fields = fields


class ScorecardSerializer(serializers.ModelSerializer):
    supplier = ScopedRelatedField(queryset=Supplier.objects.all())
    supplier_reference = serializers.CharField(source="supplier.reference", read_only=True)
    scores = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2),
        write_only=True,
        help_text="A score 0 to 100 for every active criterion, by criterion code.",
    )
    comments = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=500),
        write_only=True,
        required=False,
        help_text="Optional comments by criterion code.",
    )
    lines = ScorecardLineSerializer(many=True, read_only=True)
    reason = reason_field()

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "supplier",
            "supplier_reference",
            "period_start",
            "period_end",
            "overall_score",
            "band",
            "comment",
            "created_by",
            "created_at",
            "scores",
            "comments",
            "lines",
            "reason",
        ]
        read_only_fields = ["overall_score", "band", "created_by", "created_at"]
        # The service checks that a period is scored once and names the field.
        validators: list[Any] = []


class ScorecardViewSet(
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """Periodic performance scorecards of suppliers (filter by `band` for the standings)."""

    queryset = SCORECARD_QUERYSET.prefetch_related("lines__criterion")
    serializer_class = ScorecardSerializer
    filterset_class = ScorecardFilter
    export_columns = export_columns(list(SCORECARD_COLUMNS))
    export_name = "supplier-scorecards"
    search_fields = ["supplier__reference", "supplier__name", "supplier__name_en"]
    ordering_fields = ["period_end", "overall_score", "band", "created_at"]
    ordering = ["-period_end", "-id"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        scorecard = scorecard_services.create_scorecard(
            data["supplier"],
            by=self.request.user,
            period_start=data["period_start"],
            period_end=data["period_end"],
            scores=data["scores"],
            comments=data.get("comments") or {},
            comment=data.get("comment", ""),
            reason=data.get("reason", ""),
        )
        serializer.instance = self.queryset.get(pk=scorecard.pk)


class ScorecardCriterionSerializer(serializers.ModelSerializer):
    reason = reason_field()

    class Meta:
        model = ScorecardCriterion
        fields = ["id", "code", "name", "name_zh", "weight", "order", "is_active", "reason"]
        read_only_fields = ["code", "name", "name_zh", "order"]


class ScorecardCriterionViewSet(
    HistoryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """The scorecard criteria; their weights are changed by whoever may change suppliers
    across the whole organisation."""

    queryset = ScorecardCriterion.objects.all()
    serializer_class = ScorecardCriterionSerializer
    ordering = ["order", "code"]

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = scorecard_services.update_criterion(
            serializer.instance,
            by=self.request.user,
            weight=data.get("weight"),
            is_active=data.get("is_active"),
            reason=data.get("reason", ""),
        )


def register_routes(router: BaseRouter) -> None:
    router.register("questionnaires", QuestionnaireViewSet, basename="supplier-questionnaire")
    router.register("assessments", AssessmentViewSet, basename="supplier-assessment")
    router.register("scorecards", ScorecardViewSet, basename="supplier-scorecard")
    router.register("scorecard-criteria", ScorecardCriterionViewSet, basename="scorecard-criterion")
