"""Supplier assessments: a questionnaire sent to a supplier, answered by the supplier's
respondent through a tokenised link, scored by reviewers, and its scores kept on the
supplier. Every write to an assessment or its answers goes through here.

The flow: `create_assessment` (draft) → `send_assessment` (a secret link; only its
SHA-256 is kept, so the link is shown once) → the respondent `save_answers`, as drafts
and finally with `submit=True` (the link dies) → reviewers `review_answer` → a reviewer
`complete_review` (status reviewed; the overall score becomes the supplier's ESG or
security score). `cancel_assessment` ends it at any point before the review.

The respondent has no account: their writes are audited under the actor label
"respondent: <name>". Evidence they upload is kept in the evidence store as an attachment
of the assessment; the store needs a Person as uploader, so the supplier manager (or, when
the supplier has none, the assessment's creator) is recorded as uploader, and the
attachment's description names the respondent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import audit
from garrison.core.models import Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scoping import is_system, require
from garrison.core.services import files as file_services
from garrison.core.services.notifications import notify
from garrison.core.services.references import save_numbered
from garrison.suppliers import notifications_assessments as kinds
from garrison.suppliers import scoring
from garrison.suppliers.models import (
    Answer,
    AnswerType,
    AssessmentStatus,
    Question,
    Questionnaire,
    QuestionnaireKind,
    Supplier,
    SupplierAssessment,
)

REFERENCE_PREFIX = "ASM-"
TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 200
DEFAULT_DAYS_VALID = 30
MAX_DAYS_VALID = 180
TEXT_ANSWER_MAX_LENGTH = 5000
COMMENT_MAX_LENGTH = 2000
NUMBER_LIMIT = Decimal("1000000000000")
RESPONDENT_LABEL_MAX_LENGTH = 200
YES_NO_VALUES = ("yes", "no")
# Which supplier field the overall score of a reviewed assessment is kept in.
SUPPLIER_SCORE_FIELD = {QuestionnaireKind.ESG: "esg_score", QuestionnaireKind.SECURITY: "security_score"}
MAY_BE_SENT = (AssessmentStatus.DRAFT, AssessmentStatus.SENT)
MAY_BE_CANCELLED = (AssessmentStatus.DRAFT, AssessmentStatus.SENT, AssessmentStatus.SUBMITTED)


class LinkNotValid(ValidationError):
    """The respondent's link is unknown, expired or already used: one answer for all three,
    so the page tells nothing about which links exist."""

    def __init__(self) -> None:
        super().__init__(_("This link is not valid any more; ask your contact for a new one."))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def respondent_url(token: str) -> str:
    return reverse("suppliers:respond", args=[token])


def respondent_label(assessment: SupplierAssessment) -> str:
    """The actor the audit trail records for the respondent, who has no account."""
    return f"respondent: {assessment.respondent_name}"[:RESPONDENT_LABEL_MAX_LENGTH]


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _lock(assessment: SupplierAssessment) -> None:
    """Lock the assessment's row and read it again: the caller's copy may be stale (a
    respondent may have submitted since), and two reviewers may act at once."""
    SupplierAssessment.objects.select_for_update().filter(pk=assessment.pk).values_list("pk").first()
    assessment.refresh_from_db()


# Scores ------------------------------------------------------------------------------------------


def questions_of(assessment: SupplierAssessment) -> list[Question]:
    return list(assessment.questionnaire.questions.order_by("order", "code"))


def rule_of(question: Question) -> scoring.QuestionRule:
    return scoring.QuestionRule(
        code=question.code,
        dimension=question.dimension,
        answer_type=question.answer_type,
        weight=Decimal(question.weight),
        choices=list(question.choices or []),
        good_answer=question.good_answer or "yes",
    )


def recompute_scores(assessment: SupplierAssessment) -> scoring.AssessmentScores:
    """Score every answer again and set the assessment's dimension and overall scores (the
    caller saves the assessment; answers whose computed score changed are saved here)."""
    submitted = assessment.status in (AssessmentStatus.SUBMITTED, AssessmentStatus.REVIEWED)
    questions = questions_of(assessment)
    answers = {answer.question_id: answer for answer in assessment.answers.all()}
    inputs = {}
    changed = []
    for question in questions:
        answer = answers.get(question.pk)
        if answer is None:
            continue
        inputs[question.code] = scoring.AnswerInput(answer.value, answer.reviewer_score)
        computed = scoring.computed_score(rule_of(question), answer.value, submitted=submitted)
        if answer.computed_score != computed:
            answer.computed_score = computed
            changed.append(answer)
    if changed:
        Answer.objects.bulk_update(changed, ["computed_score"])
    result = scoring.score_assessment(
        [rule_of(question) for question in questions], inputs, submitted=submitted
    )
    assessment.dimension_scores = {dimension: str(score) for dimension, score in result.dimensions.items()}
    assessment.overall_score = result.overall
    return result


# Creating and sending ----------------------------------------------------------------------------


@transaction.atomic
def create_assessment(
    supplier: Supplier,
    questionnaire: Questionnaire,
    *,
    by: Any,
    respondent_name: str,
    respondent_email: str,
    reason: str = "",
) -> SupplierAssessment:
    """A draft assessment of `supplier` with `questionnaire` (ASM-000001 …), to be answered
    by the named person at the supplier."""
    require(by, Action.CHANGE, supplier)
    errors: dict[str, list[str]] = {}
    if not questionnaire.is_active:
        errors["questionnaire"] = [_("This questionnaire is retired; choose an active one.")]
    elif not questionnaire.questions.exists():
        errors["questionnaire"] = [_("This questionnaire has no questions.")]
    name = (respondent_name or "").strip()
    email = (respondent_email or "").strip()
    if not name:
        errors["respondent_name"] = [_("Name the person at the supplier who will answer.")]
    if not email:
        errors["respondent_email"] = [_("Give the respondent's e-mail address.")]
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["respondent_email"] = [_("Enter a valid e-mail address, such as name@example.com.")]
    assessment = SupplierAssessment(
        supplier=supplier,
        questionnaire=questionnaire,
        respondent_name=name,
        respondent_email=email,
        created_by=by if isinstance(by, Person) else None,
    )
    try:
        assessment.full_clean(exclude=["reference"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    save_numbered(assessment, REFERENCE_PREFIX)
    audit.record(assessment, AuditAction.CREATE, by=by, changes=_changes({}, assessment), reason=reason)
    return assessment


def _changes(before: dict[str, Any], assessment: SupplierAssessment) -> dict[str, Any]:
    changes = audit.diff(before, audit.snapshot(assessment))
    # The hash of the secret is not history anyone needs; that a link was made is.
    changes.pop("token_hash", None)
    return changes


@transaction.atomic
def send_assessment(
    assessment: SupplierAssessment,
    *,
    by: Any,
    days_valid: int = DEFAULT_DAYS_VALID,
    reason: str = "",
    now: dt.datetime | None = None,
) -> str:
    """Make the respondent's link and return its secret token, which is not kept (only its
    SHA-256): show it once. Sending again makes a new link and the old one stops working."""
    require(by, Action.CHANGE, assessment)
    _lock(assessment)
    moment = _now(now)
    errors: dict[str, list[str]] = {}
    if assessment.status not in MAY_BE_SENT:
        errors["status"] = [
            _("%(assessment)s is %(status)s; only a draft or sent assessment can be sent.")
            % {"assessment": assessment.reference, "status": assessment.get_status_display()}
        ]
    if (
        isinstance(days_valid, bool)
        or not isinstance(days_valid, int)
        or not 1 <= days_valid <= MAX_DAYS_VALID
    ):
        errors["days_valid"] = [
            _("The link can stay valid from 1 to %(limit)d days.") % {"limit": MAX_DAYS_VALID}
        ]
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    before = audit.snapshot(assessment)
    assessment.token_hash = hash_token(token)
    assessment.token_expires_at = moment + dt.timedelta(days=days_valid)
    assessment.sent_at = moment
    assessment.status = AssessmentStatus.SENT
    assessment.save()
    changes = _changes(before, assessment)
    changes["link"] = [None, _("new link, valid for %(days)d days") % {"days": days_valid}]
    audit.record(assessment, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    return token


def resolve_token(token: str, *, now: dt.datetime | None = None) -> SupplierAssessment:
    """The assessment a respondent's link opens; LinkNotValid when the link is unknown,
    expired or already used (the same refusal for each)."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX_LENGTH:
        raise LinkNotValid
    assessment = (
        SupplierAssessment.objects.select_related("supplier", "questionnaire")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if assessment is None or not _is_open(assessment, _now(now)):
        raise LinkNotValid
    return assessment


def _is_open(assessment: SupplierAssessment, now: dt.datetime) -> bool:
    return (
        assessment.status == AssessmentStatus.SENT
        and bool(assessment.token_hash)
        and assessment.token_expires_at is not None
        and assessment.token_expires_at > now
    )


# Answering -------------------------------------------------------------------------------------------


def _normalise(question: Question, value: Any) -> tuple[Any, str | None]:
    """The value as stored (None: unanswered), or the refusal in the respondent's language."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if question.answer_type == AnswerType.YES_NO:
        if isinstance(value, bool):
            value = "yes" if value else "no"
        if value not in YES_NO_VALUES:
            return None, _("Answer yes or no.")
        return value, None
    if question.answer_type == AnswerType.CHOICE:
        offered = [choice.get("value") for choice in question.choices or []]
        if not isinstance(value, str) or value not in offered:
            return None, _("Choose one of the answers offered.")
        return value, None
    if question.answer_type == AnswerType.NUMBER:
        number = scoring.as_decimal(value)
        if number is None:
            return None, _("Enter a number, such as 12 or 3.5.")
        if number < 0 or number >= NUMBER_LIMIT:
            return None, _("Enter a number from 0 to 999,999,999,999.")
        return format(number.normalize(), "f"), None
    if not isinstance(value, str):
        return None, _("Write the answer as text.")
    if len(value) > TEXT_ANSWER_MAX_LENGTH:
        return None, _("Keep the answer under %(limit)d characters.") % {"limit": TEXT_ANSWER_MAX_LENGTH}
    return value.strip(), None


def _uploader(assessment: SupplierAssessment) -> Person | None:
    """Who the evidence store records as uploader (see the module docstring)."""
    supplier = assessment.supplier
    for person in (supplier.manager, assessment.created_by):
        if person is not None and person.is_active:
            return person
    return None


def _check_answers(
    assessment: SupplierAssessment,
    questions: dict[str, Question],
    answers: Mapping[str, Any],
    comments: Mapping[str, Any],
    evidence: Mapping[str, Any],
) -> dict[str, Any]:
    """The normalised values by code; every refusal at once, keyed by question code."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for code in {*answers, *comments, *evidence}:
        if code not in questions:
            errors.setdefault(code, []).append(
                _("There is no question %(code)s in this questionnaire.") % {"code": code}
            )
    for code, value in answers.items():
        if code not in questions:
            continue
        normalised, problem = _normalise(questions[code], value)
        if problem:
            errors.setdefault(code, []).append(problem)
        else:
            values[code] = normalised
    for code, comment in comments.items():
        if not isinstance(comment, str) or len(comment) > COMMENT_MAX_LENGTH:
            errors.setdefault(code, []).append(
                _("Keep the comment under %(limit)d characters.") % {"limit": COMMENT_MAX_LENGTH}
            )
    limit = file_services.upload_limit_bytes()
    for code, upload in evidence.items():
        question = questions.get(code)
        if question is None:
            continue
        if not question.evidence_requested:
            errors.setdefault(code, []).append(_("This question asks for no document."))
        elif not getattr(upload, "size", 0):
            errors.setdefault(code, []).append(_("The file is empty."))
        elif upload.size > limit:
            errors.setdefault(code, []).append(
                _("The file is larger than the upload limit of %(limit)s MB.")
                % {"limit": limit // (1024 * 1024)}
            )
        elif _uploader(assessment) is None:
            errors.setdefault(code, []).append(
                _("Documents cannot be received for this questionnaire; send them to your contact.")
            )
    if errors:
        raise ValidationError(errors)
    return values


def save_answers(
    assessment: SupplierAssessment,
    answers: Mapping[str, Any],
    *,
    by: Any = None,
    comments: Mapping[str, Any] | None = None,
    evidence: Mapping[str, Any] | None = None,
    submit: bool = False,
    now: dt.datetime | None = None,
) -> SupplierAssessment:
    """Keep the respondent's answers (by question code), comments and documents; with
    `submit` the answers are final, the link stops working and the supplier manager is told.

    Every answer is checked before anything is kept, so a refused answer keeps none.
    A blank answer clears the question. `by` is the respondent's label by default."""
    moment = _now(now)
    by = by if by is not None else respondent_label(assessment)
    if not is_system(by):
        require(by, Action.CHANGE, assessment)
    if not _is_open(assessment, moment):
        raise LinkNotValid
    questions = {question.code: question for question in questions_of(assessment)}
    comments = comments or {}
    evidence = evidence or {}
    values = _check_answers(assessment, questions, answers, comments, evidence)
    with transaction.atomic():
        # Two tabs submitting at once: the second finds the link used.
        _lock(assessment)
        if not _is_open(assessment, moment):
            raise LinkNotValid
        return _save_answers(
            assessment, questions, values, comments, evidence, by=by, submit=submit, now=moment
        )


def _save_answers(
    assessment: SupplierAssessment,
    questions: dict[str, Question],
    values: dict[str, Any],
    comments: Mapping[str, Any],
    evidence: Mapping[str, Any],
    *,
    by: Any,
    submit: bool,
    now: dt.datetime,
) -> SupplierAssessment:
    existing = {answer.question_id: answer for answer in assessment.answers.select_for_update()}
    touched: list[str] = []
    for code in sorted({*values, *comments, *evidence}):
        question = questions[code]
        answer = existing.get(question.pk) or Answer(assessment=assessment, question=question)
        before = (answer.value, answer.comment, answer.evidence_id)
        if code in values:
            if answer.value != values[code]:
                answer.answered_at = now
            answer.value = values[code]
        if code in comments:
            answer.comment = comments[code].strip()
        if code in evidence:
            upload = evidence[code]
            answer.evidence = file_services.store_file(
                upload,
                filename=getattr(upload, "name", "") or code,
                by=_uploader(assessment),  # type: ignore[arg-type]  # checked in _check_answers
                unit=assessment.supplier.unit,
                target=assessment,
                content_type=getattr(upload, "content_type", "") or "",
                description=_(
                    "%(code)s of %(assessment)s, uploaded by the supplier's respondent %(name)s "
                    "through the questionnaire link."
                )
                % {"code": code, "assessment": assessment.reference, "name": assessment.respondent_name},
            )
        if answer.pk is None or before != (answer.value, answer.comment, answer.evidence_id):
            answer.save()
            existing[question.pk] = answer
            touched.append(code)
    before_assessment = audit.snapshot(assessment)
    if submit:
        for question in questions.values():
            if question.pk not in existing:
                existing[question.pk] = Answer.objects.create(assessment=assessment, question=question)
        assessment.status = AssessmentStatus.SUBMITTED
        assessment.submitted_at = now
        assessment.token_hash = ""
    recompute_scores(assessment)
    assessment.save()
    changes = _changes(before_assessment, assessment)
    if touched:
        changes["answers"] = [None, touched]
    if changes:
        audit.record(assessment, AuditAction.UPDATE, by=by, changes=changes)
    if submit:
        _notify_submitted(assessment)
    return assessment


def _notify_submitted(assessment: SupplierAssessment) -> None:
    recipients: dict[int, Person] = {}
    for person in (assessment.supplier.manager, assessment.created_by):
        if person is not None:
            recipients.setdefault(person.pk, person)
    for person in recipients.values():
        notify(
            person,
            kinds.ASSESSMENT_SUBMITTED.code,
            title=format_lazy(
                gettext_lazy("{supplier} answered {assessment}: ready for review"),
                supplier=assessment.supplier.display_name,
                assessment=assessment.reference,
            ),
            link=reverse("suppliers:assessment-detail", args=[assessment.pk]),
            target=assessment,
        )


# Reviewing ---------------------------------------------------------------------------------------------


def _check_under_review(assessment: SupplierAssessment) -> None:
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise ValidationError(
            {
                "status": [
                    _(
                        "%(assessment)s is %(status)s; answers are scored once the supplier has "
                        "submitted them and until the review is completed."
                    )
                    % {"assessment": assessment.reference, "status": assessment.get_status_display()}
                ]
            }
        )


@transaction.atomic
def review_answer(
    answer: Answer, *, by: Any, score: Decimal | None, comment: str = "", reason: str = ""
) -> Answer:
    """Give the reviewer's score (0 to 100, replacing the computed one; None clears it) and
    comment to one answer; the assessment's scores follow."""
    assessment = answer.assessment
    require(by, Action.CHANGE, assessment)
    _lock(assessment)
    _check_under_review(assessment)
    errors: dict[str, list[str]] = {}
    number = scoring.as_decimal(score) if score is not None and score != "" else None
    if score is not None and score != "" and (number is None or not 0 <= number <= 100):
        errors["score"] = [_("Give a score from 0 to 100.")]
    elif number is not None and number != number.quantize(scoring.CENT):
        errors["score"] = [_("Give the score with at most two decimals.")]
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = [
            _("Keep the comment under %(limit)d characters.") % {"limit": COMMENT_MAX_LENGTH}
        ]
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(answer)
    answer.reviewer_score = number
    answer.reviewer_comment = comment
    answer.save(update_fields=["reviewer_score", "reviewer_comment"])
    changes = audit.diff(before, audit.snapshot(answer))
    if changes:
        audit.record(answer, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
        before_assessment = audit.snapshot(assessment)
        recompute_scores(assessment)
        assessment.save()
        score_changes = _changes(before_assessment, assessment)
        if score_changes:
            audit.record(assessment, AuditAction.UPDATE, by=by, changes=score_changes, reason=reason)
    return answer


@transaction.atomic
def complete_review(
    assessment: SupplierAssessment,
    *,
    by: Any,
    comment: str = "",
    reason: str = "",
    now: dt.datetime | None = None,
) -> SupplierAssessment:
    """Close the review: every free-text answer must be scored; the overall score becomes
    the supplier's ESG or security score (by the questionnaire's kind)."""
    require(by, Action.CHANGE, assessment)
    _lock(assessment)
    _check_under_review(assessment)
    unscored = [
        answer.question.code
        for answer in assessment.answers.select_related("question").order_by(
            "question__order", "question__code"
        )
        if answer.question.answer_type == AnswerType.TEXT
        and scoring.is_answered(answer.value)
        and answer.reviewer_score is None
    ]
    comment = (comment or "").strip()
    errors: dict[str, list[str]] = {}
    if unscored:
        errors["status"] = [
            _("Score every written answer before completing the review: %(codes)s.")
            % {"codes": ", ".join(unscored)}
        ]
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = [
            _("Keep the comment under %(limit)d characters.") % {"limit": COMMENT_MAX_LENGTH}
        ]
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(assessment)
    assessment.status = AssessmentStatus.REVIEWED
    assessment.reviewer = by if isinstance(by, Person) else None
    assessment.reviewed_at = _now(now)
    assessment.review_comment = comment
    recompute_scores(assessment)
    assessment.save()
    audit.record(assessment, AuditAction.UPDATE, by=by, changes=_changes(before, assessment), reason=reason)
    _copy_score_to_supplier(assessment, by=by)
    return assessment


def _copy_score_to_supplier(assessment: SupplierAssessment, *, by: Any) -> None:
    """The supplier keeps the overall score of its latest reviewed assessment of each kind."""
    field = SUPPLIER_SCORE_FIELD.get(QuestionnaireKind(assessment.questionnaire.kind))
    if field is None:
        return
    supplier = Supplier.objects.select_for_update().get(pk=assessment.supplier_id)
    if getattr(supplier, field) == assessment.overall_score:
        return
    before = audit.snapshot(supplier)
    setattr(supplier, field, assessment.overall_score)
    supplier.save(update_fields=[field, "updated_at"])
    assessment.supplier = supplier
    audit.record(
        supplier,
        AuditAction.UPDATE,
        by=by,
        changes=audit.diff(before, audit.snapshot(supplier)),
        reason=_("Review of %(assessment)s completed.") % {"assessment": assessment.reference},
    )


@transaction.atomic
def cancel_assessment(assessment: SupplierAssessment, *, by: Any, reason: str = "") -> SupplierAssessment:
    """Stop an assessment before its review is complete; its link stops working."""
    require(by, Action.CHANGE, assessment)
    _lock(assessment)
    if assessment.status not in MAY_BE_CANCELLED:
        raise ValidationError(
            {
                "status": [
                    _("%(assessment)s is %(status)s and cannot be cancelled.")
                    % {"assessment": assessment.reference, "status": assessment.get_status_display()}
                ]
            }
        )
    before = audit.snapshot(assessment)
    assessment.status = AssessmentStatus.CANCELLED
    assessment.token_hash = ""
    assessment.save()
    audit.record(assessment, AuditAction.UPDATE, by=by, changes=_changes(before, assessment), reason=reason)
    return assessment
