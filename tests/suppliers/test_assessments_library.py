"""The shipped supplier questionnaires load through the library loader, and a malformed
questionnaire is refused whole."""

from __future__ import annotations

from collections import Counter
from typing import Any

from garrison.library.services import LoadStatus, load_library
from garrison.suppliers import library_format
from garrison.suppliers.models import AnswerType, Dimension, Question, Questionnaire, QuestionnaireKind
from tests.suppliers.assessments_support import SHIPPED_LIBRARY, load_questionnaires


def test_the_format_knows_the_models_choices() -> None:
    assert set(library_format.KINDS) == set(QuestionnaireKind.values)
    assert set(library_format.DIMENSIONS) == set(Dimension.values)
    assert set(library_format.ANSWER_TYPES) == set(AnswerType.values)


def test_the_shipped_questionnaires_load_with_their_questions_per_dimension(db: Any) -> None:
    esg, security = load_questionnaires()
    assert esg.kind == QuestionnaireKind.ESG
    assert Counter(esg.questions.values_list("dimension", flat=True)) == {
        "environment": 4,
        "information_security": 4,
        "labour": 4,
        "health_and_safety": 4,
        "integrity": 4,
    }
    assert security.kind == QuestionnaireKind.SECURITY
    assert Counter(security.questions.values_list("dimension", flat=True)) == {"information_security": 12}
    assert esg.name_zh
    assert all(question.text_zh for question in Question.objects.all())
    assert Question.objects.exclude(urn__startswith="urn:garrison:supplier-question:").count() == 0
    # Every answer type is used, evidence is asked for, and a "no" can be the good answer.
    assert set(Question.objects.values_list("answer_type", flat=True)) == set(AnswerType.values)
    assert Question.objects.filter(evidence_requested=True).count() >= 6
    assert Question.objects.filter(good_answer="no").exists()


def test_the_number_bands_and_choices_are_kept_as_scored(db: Any) -> None:
    _esg, security = load_questionnaires()
    incident_reporting = security.questions.get(code="SEC-06")
    assert incident_reporting.answer_type == AnswerType.NUMBER
    assert incident_reporting.choices[0] == {"min": "0", "score": "100"}
    location = security.questions.get(code="SEC-09")
    assert [choice["value"] for choice in location.choices] == [
        "abroad_unassessed",
        "abroad_assessed",
        "mainland",
    ]


def test_loading_again_changes_nothing(db: Any) -> None:
    load_questionnaires()
    again = load_library(SHIPPED_LIBRARY, by=None)
    assert again.status == LoadStatus.UNCHANGED
    assert Questionnaire.objects.count() == 2


def _library(question: str) -> bytes:
    return f"""
urn: urn:test:library:bad-questionnaire
version: 1
name: Test
objects:
  supplier_questionnaires:
    - urn: urn:test:supplier-questionnaire:one
      kind: esg
      name: One
      questions:
{question}
""".encode()


def test_a_malformed_question_refuses_the_whole_library(db: Any) -> None:
    result = load_library(
        _library(
            """        - urn: urn:test:q:1
          code: Q-1
          dimension: environment
          text: Fine?
          answer_type: choice
          choices:
            - {value: only, label: Only, score: 120}
        - urn: urn:test:q:3
          code: Q-3
          dimension: environment
          text: Which?
          answer_type: choice
          choices:
            - {value: a, label: A, score: 10}
            - {value: b, label: B, score: 120}
        - urn: urn:test:q:2
          code: Q-2
          dimension: weather
          text: Sunny?
          answer_type: yes_no
          weight: 0"""
        ),
        by=None,
    )
    assert result.is_refused
    text = " ".join(result.errors)
    assert "at least two choices" in text
    assert "choice 2: score must be a number from 0 to 100" in text
    assert "dimension 'weather'" in text
    assert "weight must be a number greater than zero" in text
    assert Questionnaire.objects.count() == 0


def test_a_question_urn_of_another_library_is_not_taken_over(db: Any) -> None:
    load_questionnaires()
    result = load_library(
        _library(
            """        - urn: urn:garrison:supplier-question:sec-01
          code: Q-1
          dimension: environment
          text: Taken?
          answer_type: text"""
        ),
        by=None,
    )
    assert result.is_refused
    assert "urn:garrison:supplier-question:sec-01, urn: already used" in " ".join(result.errors)
    assert not Questionnaire.objects.filter(urn="urn:test:supplier-questionnaire:one").exists()
