"""Supplier assessment: ESG and information-security questionnaires answered by the
supplier through a tokenised link, and periodic performance scorecards."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.scoping import Scope
from garrison.suppliers.models.master import SUPPLIER_LIBRARY_SCOPE, SUPPLIER_RECORD_SCOPE, Supplier


class QuestionnaireKind(models.TextChoices):
    ESG = "esg", _("ESG")
    SECURITY = "security", _("Information security")


class Dimension(models.TextChoices):
    """The seed's five ESG risk dimensions (information security is one of them, and the
    whole of the security questionnaire)."""

    ENVIRONMENT = "environment", _("Environmental protection and low carbon")
    INFORMATION_SECURITY = "information_security", _("Information security")
    LABOUR = "labour", _("Labour rights and interests")
    HEALTH_AND_SAFETY = "health_and_safety", _("Occupational health and safety")
    INTEGRITY = "integrity", _("Honesty and integrity")


class AnswerType(models.TextChoices):
    YES_NO = "yes_no", _("Yes or no")
    CHOICE = "choice", _("One of several choices")
    NUMBER = "number", _("Number")
    TEXT = "text", _("Free text")


class Questionnaire(models.Model):
    """A questionnaire as data (library kind `supplier_questionnaires`)."""

    scope: ClassVar[Scope] = SUPPLIER_LIBRARY_SCOPE

    urn = models.CharField(_("URN"), max_length=200, unique=True)
    library_urn = models.CharField(_("library"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionnaireKind.choices)
    name = models.CharField(_("name"), max_length=300)
    name_zh = models.CharField(_("Chinese name"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_zh = models.TextField(_("Chinese description"), blank=True)
    version = models.CharField(_("version"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """One question: its dimension, answer type, weight, and whether evidence is asked for.

    `choices` lists {"value", "label", "label_zh", "score"} for CHOICE questions; a YES_NO
    question scores 100 for `good_answer` ("yes" unless stated) and 0 otherwise; a NUMBER
    question scores by `choices` bands [{"min", "score"}] and a TEXT question is scored by
    the reviewer."""

    scope: ClassVar[Scope] = SUPPLIER_LIBRARY_SCOPE

    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("questionnaire"), on_delete=models.CASCADE, related_name="questions"
    )
    urn = models.CharField(_("URN"), max_length=200, unique=True)
    code = models.CharField(_("code"), max_length=50)
    order = models.PositiveIntegerField(_("order"), default=0)
    dimension = models.CharField(_("dimension"), max_length=30, choices=Dimension.choices)
    text = models.TextField(_("question"))
    text_zh = models.TextField(_("Chinese question"), blank=True)
    answer_type = models.CharField(_("answer type"), max_length=20, choices=AnswerType.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    good_answer = models.CharField(_("good answer"), max_length=20, blank=True, default="yes")
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=1)
    evidence_requested = models.BooleanField(_("evidence requested"), default=False)
    evidence_hint = models.CharField(_("evidence asked for"), max_length=300, blank=True)

    class Meta:
        ordering = ["questionnaire", "order", "code"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [models.UniqueConstraint(fields=["questionnaire", "code"], name="question_code_once")]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:80]}"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent to the supplier")
    SUBMITTED = "submitted", _("Submitted by the supplier")
    REVIEWED = "reviewed", _("Reviewed")
    CANCELLED = "cancelled", _("Cancelled")


class SupplierAssessment(models.Model):
    """A questionnaire sent to a supplier (ASM-000001 …).

    The respondent answers through a link carrying a secret token; only its SHA-256 is
    kept (`token_hash`), and the link stops working at `token_expires_at` or once the
    answers are submitted. `dimension_scores` maps each dimension to a 0 to 100 score and
    `overall_score` is their weighted mean, recomputed whenever an answer or a reviewer's
    score changes."""

    scope: ClassVar[Scope] = SUPPLIER_RECORD_SCOPE

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="assessments"
    )
    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("questionnaire"), on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    respondent_name = models.CharField(_("respondent"), max_length=200, blank=True)
    respondent_email = models.EmailField(_("respondent's e-mail"), blank=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    token_expires_at = models.DateTimeField(_("link expires at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewer = models.ForeignKey(
        "core.Person",
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    dimension_scores = models.JSONField(_("scores by dimension"), default=dict, blank=True)
    overall_score = models.DecimalField(
        _("overall score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    created_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("supplier assessment")
        verbose_name_plural = _("supplier assessments")

    def __str__(self) -> str:
        return f"{self.reference} {self.questionnaire}"


ASSESSMENT_RECORD_SCOPE = Scope(
    domain=SUPPLIER_RECORD_SCOPE.domain,
    unit_path="assessment__supplier__unit__path",
    owner="assessment__supplier__manager",
    owner_actions=SUPPLIER_RECORD_SCOPE.owner_actions,
)


class Answer(models.Model):
    """The supplier's answer to one question, with the reviewer's score and comment."""

    scope: ClassVar[Scope] = ASSESSMENT_RECORD_SCOPE

    assessment = models.ForeignKey(
        SupplierAssessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.JSONField(_("answer"), null=True, blank=True)
    comment = models.TextField(_("respondent's comment"), blank=True)
    evidence = models.ForeignKey(
        "core.Attachment",
        verbose_name=_("evidence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    computed_score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    reviewer_score = models.DecimalField(
        _("reviewer's score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    reviewer_comment = models.TextField(_("reviewer's comment"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["question__order", "question__code"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question"], name="answer_once_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.question.code}: {self.value}"


class ScorecardCriterion(models.Model):
    """A criterion of the periodic performance scorecard and its weight (configuration)."""

    scope: ClassVar[Scope] = SUPPLIER_LIBRARY_SCOPE

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("scorecard criterion")
        verbose_name_plural = _("scorecard criteria")

    def __str__(self) -> str:
        return self.name


class StandingBand(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    ACCEPTABLE = "acceptable", _("Acceptable")
    POOR = "poor", _("Poor")


class Scorecard(models.Model):
    """A supplier's performance over one period: a score 0 to 100 per criterion, weighted
    into `overall_score`, and the standing band the overall score falls in."""

    scope: ClassVar[Scope] = SUPPLIER_RECORD_SCOPE

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="scorecards"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    overall_score = models.DecimalField(_("overall score"), max_digits=5, decimal_places=2)
    band = models.CharField(_("standing"), max_length=20, choices=StandingBand.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("scored by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "period_start", "period_end"], name="scorecard_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.supplier.reference} {self.period_start} to {self.period_end}"


class ScorecardLine(models.Model):
    """One criterion's score on a scorecard, with the weight in force when it was scored."""

    scope: ClassVar[Scope] = Scope(
        domain=SUPPLIER_RECORD_SCOPE.domain,
        unit_path="scorecard__supplier__unit__path",
        owner="scorecard__supplier__manager",
        owner_actions=SUPPLIER_RECORD_SCOPE.owner_actions,
    )

    scorecard = models.ForeignKey(
        Scorecard, verbose_name=_("scorecard"), on_delete=models.CASCADE, related_name="lines"
    )
    criterion = models.ForeignKey(
        ScorecardCriterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+"
    )
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        ordering = ["criterion__order", "criterion__code"]
        verbose_name = _("scorecard line")
        verbose_name_plural = _("scorecard lines")
        constraints = [models.UniqueConstraint(fields=["scorecard", "criterion"], name="scorecard_line_once")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"
