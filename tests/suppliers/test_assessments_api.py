"""The assessment API: questionnaires read, assessments created, sent (the link once),
reviewed and cancelled, all scoped; scorecards are covered in test_scorecards.py."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.suppliers.models import AssessmentStatus, SupplierAssessment
from garrison.suppliers.services import assessments as services
from tests.suppliers.assessments_support import make_questionnaire, sent_assessment

BASE = "/api/suppliers/assessments/"


@pytest.fixture
def questionnaire(db: Any) -> Any:
    return make_questionnaire()


def test_questionnaires_are_read_with_their_questions(
    api: Any, questionnaire: Any, security_reader: Any, outsider: Any
) -> None:
    listing = api.as_(security_reader).get("/api/suppliers/questionnaires/?kind=esg")
    assert listing.status_code == 200
    item = listing.json()["results"][0]
    assert [question["code"] for question in item["questions"]] == ["Y", "C", "N", "T"]
    assert item["questions"][1]["choices"][1]["score"] == "100"
    assert api.as_(None).get("/api/suppliers/questionnaires/").status_code in (401, 403)
    assert api.as_(security_reader).post("/api/suppliers/questionnaires/", {}).status_code == 405
    # Library data is shared: whoever reads suppliers reads it.
    assert api.as_(outsider).get("/api/suppliers/questionnaires/").json()["count"] == 1


def test_the_buyer_creates_and_sends_and_gets_the_link_once(
    api: Any, make_supplier: Any, questionnaire: Any, buyer: Any
) -> None:
    supplier = make_supplier()
    created = api.as_(buyer).post(
        BASE,
        {
            "supplier": supplier.pk,
            "questionnaire": questionnaire.pk,
            "respondent_name": "Li Wei",
            "respondent_email": "li.wei@example.com",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assessment_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    sent = api.as_(buyer).post(f"{BASE}{assessment_id}/send/", {"days_valid": 7}, format="json")
    assert sent.status_code == 200
    assert sent["Cache-Control"] == "no-store"
    link = sent.json()["link"]
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert services.resolve_token(token).pk == assessment_id
    retrieved = api.as_(buyer).get(f"{BASE}{assessment_id}/").content.decode()
    assert token not in retrieved
    assert "token_hash" not in retrieved


def test_bad_input_is_refused_field_by_field(
    api: Any, make_supplier: Any, questionnaire: Any, buyer: Any
) -> None:
    supplier = make_supplier()
    for field, payload in (
        ("respondent_email", {"respondent_name": "Li", "respondent_email": "x"}),
        ("respondent_name", {"respondent_name": " ", "respondent_email": "li@example.com"}),
    ):
        refused = api.as_(buyer).post(
            BASE, {"supplier": supplier.pk, "questionnaire": questionnaire.pk, **payload}, format="json"
        )
        assert refused.status_code == 400
        assert field in refused.json()
    assessment, _token = sent_assessment(supplier, questionnaire, buyer)
    too_long = api.as_(buyer).post(f"{BASE}{assessment.pk}/send/", {"days_valid": 999}, format="json")
    assert too_long.status_code == 400
    assert not SupplierAssessment.objects.exclude(pk=assessment.pk).exists()


def test_the_review_scores_an_answer_and_completes(
    api: Any, make_supplier: Any, questionnaire: Any, buyer: Any
) -> None:
    assessment, _token = sent_assessment(make_supplier(), questionnaire, buyer)
    services.save_answers(assessment, {"Y": "no", "C": "all", "N": "5", "T": "We try."}, submit=True)
    text = assessment.answers.get(question__code="T")
    early = api.as_(buyer).post(f"{BASE}{assessment.pk}/complete-review/", {}, format="json")
    assert early.status_code == 400
    assert "T" in early.json()["status"][0]
    scored = api.as_(buyer).post(
        f"{BASE}{assessment.pk}/review-answer/",
        {"answer": text.pk, "score": "80", "comment": "OK"},
        format="json",
    )
    assert scored.status_code == 200
    # labour (0 x 2 + 100) / 3 = 33.33, environment (0 + 80) / 2 = 40
    assert scored.json()["dimension_scores"] == {"labour": "33.33", "environment": "40.00"}
    done = api.as_(buyer).post(f"{BASE}{assessment.pk}/complete-review/", {"comment": "Weak."}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == AssessmentStatus.REVIEWED
    assert done.json()["overall_score"] == "36.00"
    other = make_questionnaire("security")
    foreign, _token = sent_assessment(make_supplier(), other, buyer)
    wrong_answer = api.as_(buyer).post(
        f"{BASE}{foreign.pk}/review-answer/", {"answer": text.pk, "score": "1"}, format="json"
    )
    assert wrong_answer.status_code == 400


def test_readers_read_and_outsiders_see_nothing(
    api: Any, make_supplier: Any, questionnaire: Any, buyer: Any, security_reader: Any, outsider: Any
) -> None:
    assessment, _token = sent_assessment(make_supplier(), questionnaire, buyer)
    assert api.as_(security_reader).get(f"{BASE}{assessment.pk}/").status_code == 200
    assert api.as_(security_reader).post(f"{BASE}{assessment.pk}/send/", {}, format="json").status_code == 404
    assert (
        api.as_(security_reader).post(f"{BASE}{assessment.pk}/cancel/", {}, format="json").status_code == 404
    )
    assert api.as_(outsider).get(f"{BASE}{assessment.pk}/").status_code == 404
    assert api.as_(outsider).get(BASE).json()["count"] == 0
    cancelled = api.as_(buyer).post(f"{BASE}{assessment.pk}/cancel/", {"reason": "Duplicate."}, format="json")
    assert cancelled.json()["status"] == AssessmentStatus.CANCELLED


def test_the_list_filters_and_exports(api: Any, make_supplier: Any, questionnaire: Any, buyer: Any) -> None:
    supplier = make_supplier()
    assessment, _token = sent_assessment(supplier, questionnaire, buyer)
    assert api.as_(buyer).get(f"{BASE}?supplier={supplier.reference}&status=sent").json()["count"] == 1
    assert api.as_(buyer).get(f"{BASE}?kind=security").json()["count"] == 0
    export = api.as_(buyer).get(f"{BASE}export/?file_format=csv")
    assert export.status_code == 200
    assert assessment.reference in b"".join(export.streaming_content).decode("utf-8-sig")
