"""Helpers of the assessment and scorecard tests: the shipped questionnaires
loaded through the library loader, and an assessment taken to a given status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from garrison.library.services import load_library
from garrison.suppliers.models import Question, Questionnaire, Supplier, SupplierAssessment
from garrison.suppliers.services import assessments as services

SHIPPED_LIBRARY = (
    Path(__file__).resolve().parents[2] / "src/garrison/suppliers/data/supplier-questionnaires.yaml"
)
ESG_URN = "urn:garrison:supplier-questionnaire:esg"
SECURITY_URN = "urn:garrison:supplier-questionnaire:security"

# Good answers to the security questionnaire, each scoring 100 (SEC-12 is free text).
SECURITY_GOOD_ANSWERS: dict[str, Any] = {
    "SEC-01": "certified",
    "SEC-02": "yes",
    "SEC-03": "yes",
    "SEC-04": "continuous",
    "SEC-05": "3",
    "SEC-06": "2",
    "SEC-07": "yes",
    "SEC-08": "yes",
    "SEC-09": "mainland",
    "SEC-10": "yes",
    "SEC-11": "365",
    "SEC-12": "Nightly copies in a second data center; restores tested every quarter.",
}


def load_questionnaires() -> tuple[Questionnaire, Questionnaire]:
    """The shipped ESG and security questionnaires, loaded as the system."""
    result = load_library(SHIPPED_LIBRARY, by=None)
    assert not result.is_refused, result.errors
    return Questionnaire.objects.get(urn=ESG_URN), Questionnaire.objects.get(urn=SECURITY_URN)


def sent_assessment(
    supplier: Supplier, questionnaire: Questionnaire, by: Any
) -> tuple[SupplierAssessment, str]:
    """An assessment created and sent by `by`, and the respondent's secret token."""
    assessment = services.create_assessment(
        supplier, questionnaire, by=by, respondent_name="Li Wei", respondent_email="li.wei@example.com"
    )
    token = services.send_assessment(assessment, by=by)
    return assessment, token


def make_questionnaire(kind: str = "esg") -> Questionnaire:
    """A small questionnaire with one question of each answer type over two dimensions:
    Y (yes/no, labour, weight 2, asks for a document), C (choice, labour), N (number,
    environment: 0 → 0, 10 → 50, 30 → 100) and T (free text, environment)."""
    questionnaire = Questionnaire.objects.create(
        urn=f"urn:test:supplier-questionnaire:{kind}", kind=kind, name="Test"
    )
    questions: list[dict[str, Any]] = [
        dict(code="Y", dimension="labour", answer_type="yes_no", weight=2, evidence_requested=True),
        dict(
            code="C",
            dimension="labour",
            answer_type="choice",
            choices=[
                {"value": "none", "label": "None", "label_zh": "无", "score": "0"},
                {"value": "all", "label": "All", "label_zh": "全部", "score": "100"},
            ],
        ),
        dict(
            code="N",
            dimension="environment",
            answer_type="number",
            choices=[{"min": "0", "score": "0"}, {"min": "10", "score": "50"}, {"min": "30", "score": "100"}],
        ),
        dict(code="T", dimension="environment", answer_type="text"),
    ]
    for order, fields in enumerate(questions, start=1):
        Question.objects.create(
            questionnaire=questionnaire,
            urn=f"urn:test:supplier-question:{kind}-{fields['code'].lower()}",
            order=order,
            text=f"Question {fields['code']}?",
            **fields,
        )
    return questionnaire
