"""Assessments through their services: the link's life (sent, answered, submitted, dead),
answers checked per type with nothing kept on refusal, evidence, review and the supplier's
scores, and who may do what."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone, translation

from garrison.core.models import Attachment, AuditEvent, Notification
from garrison.suppliers.models import Answer, AssessmentStatus
from garrison.suppliers.services import assessments as services
from tests.suppliers.assessments_support import (
    SECURITY_GOOD_ANSWERS,
    load_questionnaires,
    make_questionnaire,
    sent_assessment,
)

LINK_GONE = "This link is not valid any more; ask your contact for a new one."


@pytest.fixture
def supplier(make_supplier: Any) -> Any:
    return make_supplier()


@pytest.fixture
def questionnaire(db: Any) -> Any:
    return make_questionnaire()


def test_sending_keeps_only_the_hash_of_the_link(supplier: Any, questionnaire: Any, buyer: Any) -> None:
    assessment, token = sent_assessment(supplier, questionnaire, buyer)
    assessment.refresh_from_db()
    assert assessment.reference.startswith("ASM-")
    assert assessment.status == AssessmentStatus.SENT
    assert assessment.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in assessment.token_hash
    expires = assessment.token_expires_at
    assert expires is not None
    assert timezone.now() + dt.timedelta(days=29) < expires < timezone.now() + dt.timedelta(days=31)
    events = AuditEvent.objects.filter(
        object_id=str(assessment.pk), object_type="suppliers.supplierassessment"
    )
    assert events.count() == 2
    assert all(token not in str(event.changes) and "token_hash" not in event.changes for event in events)
    assert services.resolve_token(token) == assessment


def test_sending_again_kills_the_previous_link(supplier: Any, questionnaire: Any, buyer: Any) -> None:
    assessment, first = sent_assessment(supplier, questionnaire, buyer)
    second = services.send_assessment(assessment, by=buyer, days_valid=5)
    assert services.resolve_token(second) == assessment
    with pytest.raises(services.LinkNotValid):
        services.resolve_token(first)


def test_the_respondent_saves_a_draft_then_submits_and_the_link_dies(
    supplier: Any, questionnaire: Any, buyer: Any
) -> None:
    assessment, token = sent_assessment(supplier, questionnaire, buyer)
    opened = services.resolve_token(token)
    services.save_answers(opened, {"Y": "yes", "N": "12"}, comments={"Y": "Since 2019."})
    opened.refresh_from_db()
    assert opened.status == AssessmentStatus.SENT
    assert dict(opened.answers.values_list("question__code", "value")) == {"Y": "yes", "N": "12"}
    assert opened.answers.get(question__code="Y").comment == "Since 2019."
    event = (
        AuditEvent.objects.filter(object_type="suppliers.supplierassessment").order_by("-sequence").first()
    )
    assert event is not None
    assert event.actor_label == "respondent: Li Wei"
    assert event.actor_id is None

    services.save_answers(services.resolve_token(token), {"C": "all", "T": "We recycle."}, submit=True)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert assessment.submitted_at is not None
    assert assessment.answers.count() == 4
    # Y 100x2, C 100, N 50 (12 >= 10); T awaits the reviewer.
    assert assessment.dimension_scores == {"labour": "100.00", "environment": "50.00"}
    assert assessment.overall_score == Decimal("87.50")
    with pytest.raises(services.LinkNotValid) as refusal:
        services.resolve_token(token)
    assert refusal.value.messages == [LINK_GONE]
    assert Notification.objects.filter(recipient=buyer, kind="suppliers.assessment-submitted").count() == 1


def test_expired_used_and_unknown_links_get_the_same_answer(
    supplier: Any, questionnaire: Any, buyer: Any
) -> None:
    assessment, token = sent_assessment(supplier, questionnaire, buyer)
    later = timezone.now() + dt.timedelta(days=31)
    messages = []
    for attempt in (
        lambda: services.resolve_token(token, now=later),
        lambda: services.resolve_token("not-a-token"),
        lambda: services.resolve_token(""),
        lambda: services.save_answers(assessment, {"Y": "yes"}, now=later),
    ):
        with pytest.raises(services.LinkNotValid) as refusal:
            attempt()
        messages.append(refusal.value.messages)
    assert messages == [[LINK_GONE]] * 4
    assert not Answer.objects.exists()


def test_bad_answers_are_refused_each_by_question_with_nothing_saved(
    supplier: Any, questionnaire: Any, buyer: Any
) -> None:
    assessment, _token = sent_assessment(supplier, questionnaire, buyer)
    events_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refusal:
        services.save_answers(
            assessment,
            {"Y": "maybe", "C": "some", "N": "twelve", "T": "Fine.", "ZZ": "yes"},
            evidence={"C": SimpleUploadedFile("c.pdf", b"%PDF")},
            submit=True,
        )
    errors = refusal.value.message_dict
    assert errors["Y"] == ["Answer yes or no."]
    assert errors["C"] == ["Choose one of the answers offered.", "This question asks for no document."]
    assert errors["N"] == ["Enter a number, such as 12 or 3.5."]
    assert errors["ZZ"] == ["There is no question ZZ in this questionnaire."]
    assert "T" not in errors
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SENT
    assert not Answer.objects.exists()
    assert not Attachment.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_a_negative_number_is_refused(supplier: Any, questionnaire: Any, buyer: Any) -> None:
    assessment, _token = sent_assessment(supplier, questionnaire, buyer)
    with pytest.raises(ValidationError) as refusal:
        services.save_answers(assessment, {"N": "-3"})
    assert refusal.value.message_dict == {"N": ["Enter a number from 0 to 999,999,999,999."]}


def test_refusals_follow_the_respondents_language(supplier: Any, questionnaire: Any, buyer: Any) -> None:
    assessment, _token = sent_assessment(supplier, questionnaire, buyer)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refusal:
        services.save_answers(assessment, {"Y": "maybe"})
    with translation.override("zh-hans"):
        expected = translation.gettext("Answer yes or no.")
    assert refusal.value.message_dict["Y"] == [expected]


def test_evidence_is_kept_against_the_assessment_naming_the_respondent(
    supplier: Any, questionnaire: Any, buyer: Any
) -> None:
    assessment, _token = sent_assessment(supplier, questionnaire, buyer)
    upload = SimpleUploadedFile("iso14001.pdf", b"%PDF-1.7 certificate", content_type="application/pdf")
    services.save_answers(assessment, {"Y": "yes"}, evidence={"Y": upload})
    answer = Answer.objects.get(question__code="Y")
    attachment = answer.evidence
    assert attachment is not None
    assert attachment.filename == "iso14001.pdf"
    assert attachment.uploaded_by == buyer  # the supplier manager
    assert "Li Wei" in attachment.description
    assert attachment.object_id == str(assessment.pk)
    assert attachment.unit == supplier.unit


def test_reviewing_changes_the_scores_and_completing_sets_the_supplier_score(
    supplier: Any, questionnaire: Any, buyer: Any
) -> None:
    assessment, _token = sent_assessment(supplier, questionnaire, buyer)
    services.save_answers(assessment, {"Y": "yes", "C": "none", "N": "30", "T": "A policy."}, submit=True)
    assessment.refresh_from_db()
    assert assessment.overall_score == Decimal("75.00")  # (200 + 0 + 100) / 4; T not yet scored

    with pytest.raises(ValidationError) as refusal:
        services.complete_review(assessment, by=buyer)
    assert "Score every written answer before completing the review: T." in refusal.value.messages[0]

    text = assessment.answers.get(question__code="T")
    services.review_answer(text, by=buyer, score=Decimal(40), comment="Vague.")
    choice = assessment.answers.get(question__code="C")
    services.review_answer(choice, by=buyer, score=Decimal(50))
    assessment.refresh_from_db()
    # labour (200 + 50) / 3 = 83.33; environment (100 + 40) / 2 = 70; overall 390 / 5 = 78.
    assert assessment.dimension_scores == {"labour": "83.33", "environment": "70.00"}
    assert assessment.overall_score == Decimal("78.00")
    assert Answer.objects.get(pk=choice.pk).computed_score == 0

    services.complete_review(assessment, by=buyer, comment="Acceptable.")
    assessment.refresh_from_db()
    supplier.refresh_from_db()
    assert assessment.status == AssessmentStatus.REVIEWED
    assert assessment.reviewer == buyer
    assert supplier.esg_score == Decimal("78.00")
    assert supplier.security_score is None
    with pytest.raises(ValidationError):
        services.review_answer(text, by=buyer, score=Decimal(90))


def test_a_reviewers_score_outside_0_to_100_is_refused(supplier: Any, questionnaire: Any, buyer: Any) -> None:
    assessment, _token = sent_assessment(supplier, questionnaire, buyer)
    services.save_answers(assessment, {"Y": "yes"}, submit=True)
    answer = assessment.answers.get(question__code="Y")
    with pytest.raises(ValidationError) as refusal:
        services.review_answer(answer, by=buyer, score=Decimal(101))
    assert refusal.value.message_dict == {"score": ["Give a score from 0 to 100."]}
    assert Answer.objects.get(pk=answer.pk).reviewer_score is None


def test_the_shipped_security_questionnaire_sets_the_security_score(make_supplier: Any, buyer: Any) -> None:
    _esg, security = load_questionnaires()
    supplier = make_supplier()
    assessment, token = sent_assessment(supplier, security, buyer)
    services.save_answers(services.resolve_token(token), SECURITY_GOOD_ANSWERS, submit=True)
    services.review_answer(assessment.answers.get(question__code="SEC-12"), by=buyer, score=Decimal(50))
    services.complete_review(assessment, by=buyer)
    supplier.refresh_from_db()
    # 11 questions of total weight 27 at 100, SEC-12 (weight 1) at 50: 2750 / 28.
    assert supplier.security_score == Decimal("98.21")
    assert supplier.esg_score is None


def test_cancelling_kills_the_link_and_a_submitted_assessment_cannot_be_sent_again(
    supplier: Any, questionnaire: Any, buyer: Any
) -> None:
    assessment, token = sent_assessment(supplier, questionnaire, buyer)
    services.cancel_assessment(assessment, by=buyer, reason="Wrong contact.")
    with pytest.raises(services.LinkNotValid):
        services.resolve_token(token)
    with pytest.raises(ValidationError) as refusal:
        services.send_assessment(assessment, by=buyer)
    assert "only a draft or sent assessment can be sent" in refusal.value.messages[0]


def test_a_bad_respondent_and_link_lifetime_are_refused(
    supplier: Any, questionnaire: Any, buyer: Any
) -> None:
    with pytest.raises(ValidationError) as refusal:
        services.create_assessment(
            supplier, questionnaire, by=buyer, respondent_name=" ", respondent_email="nope"
        )
    assert set(refusal.value.message_dict) == {"respondent_name", "respondent_email"}
    assessment, _token = sent_assessment(supplier, questionnaire, buyer)
    with pytest.raises(ValidationError) as refusal:
        services.send_assessment(assessment, by=buyer, days_valid=0)
    assert refusal.value.message_dict == {"days_valid": ["The link can stay valid from 1 to 180 days."]}


@pytest.mark.parametrize("person", ["security_reader", "outsider"])
def test_readers_and_outsiders_may_not_create_send_or_review(
    person: str, request: Any, supplier: Any, questionnaire: Any, buyer: Any
) -> None:
    someone = request.getfixturevalue(person)
    with pytest.raises(Http404):
        services.create_assessment(
            supplier, questionnaire, by=someone, respondent_name="Li Wei", respondent_email="li@example.com"
        )
    assessment, _token = sent_assessment(supplier, questionnaire, buyer)
    with pytest.raises(Http404):
        services.send_assessment(assessment, by=someone)
    services.save_answers(assessment, {"Y": "yes"}, submit=True)
    with pytest.raises(Http404):
        services.review_answer(assessment.answers.get(question__code="Y"), by=someone, score=Decimal(1))
    with pytest.raises(Http404):
        services.complete_review(assessment, by=someone)
