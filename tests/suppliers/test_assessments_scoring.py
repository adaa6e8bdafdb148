"""Scoring answers, dimensions and the overall score, and scorecard bands (pure: no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from garrison.suppliers.scoring import (
    AnswerInput,
    BandThresholds,
    QuestionRule,
    answer_score,
    band_for,
    computed_score,
    is_below,
    period_label,
    score_assessment,
    weighted_mean,
)

YES = QuestionRule("Y", "labour", "yes_no", Decimal(2))
NO_IS_GOOD = QuestionRule("N", "integrity", "yes_no", Decimal(1), good_answer="no")
CHOICE = QuestionRule(
    "C",
    "labour",
    "choice",
    Decimal(1),
    choices=[
        {"value": "none", "score": "0"},
        {"value": "some", "score": "40"},
        {"value": "all", "score": "100"},
    ],
)
# Lower is better: 0 days scores 100, 8 or more 70, 15 or more 40, 31 or more 0.
DAYS = QuestionRule(
    "D",
    "information_security",
    "number",
    Decimal(3),
    choices=[
        {"min": "0", "score": "100"},
        {"min": "8", "score": "70"},
        {"min": "15", "score": "40"},
        {"min": "31", "score": "0"},
    ],
)
TEXT = QuestionRule("T", "labour", "text", Decimal(1))


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        (YES, "yes", 100),
        (YES, "no", 0),
        (NO_IS_GOOD, "no", 100),
        (NO_IS_GOOD, "yes", 0),
        (CHOICE, "some", 40),
        (CHOICE, "all", 100),
        (CHOICE, "unknown", 0),
        (DAYS, "0", 100),
        (DAYS, "7.9", 100),
        (DAYS, "8", 70),
        (DAYS, 20, 40),
        (DAYS, "31", 0),
        (DAYS, "400", 0),
    ],
)
def test_it_scores_each_answer_type(rule: QuestionRule, value: object, expected: int) -> None:
    assert computed_score(rule, value, submitted=True) == Decimal(expected)


def test_a_number_below_every_band_scores_zero() -> None:
    rule = QuestionRule("R", "environment", "number", Decimal(1), choices=[{"min": "10", "score": "40"}])
    assert computed_score(rule, "5", submitted=True) == 0
    assert computed_score(rule, "10", submitted=True) == 40


def test_free_text_has_only_the_reviewers_score() -> None:
    assert computed_score(TEXT, "We recycle.", submitted=True) is None
    assert answer_score(TEXT, AnswerInput("We recycle.", Decimal(60)), submitted=True) == 60


def test_an_unanswered_question_scores_nothing_before_submission_and_zero_after() -> None:
    assert computed_score(YES, None, submitted=False) is None
    assert computed_score(YES, "  ", submitted=False) is None
    assert computed_score(YES, None, submitted=True) == 0
    assert computed_score(TEXT, None, submitted=True) == 0


def test_the_reviewers_score_overrides_the_computed_one() -> None:
    assert answer_score(YES, AnswerInput("yes", Decimal(50)), submitted=True) == 50
    assert answer_score(YES, AnswerInput("no", Decimal(0)), submitted=True) == 0
    assert answer_score(YES, AnswerInput("no", None), submitted=True) == 0


def test_dimensions_are_weighted_means_of_their_questions_and_overall_of_all_questions() -> None:
    rules = [YES, CHOICE, TEXT, DAYS]
    answers = {
        "Y": AnswerInput("yes"),  # 100 x 2
        "C": AnswerInput("some"),  # 40 x 1
        "T": AnswerInput("We pay overtime.", Decimal(70)),  # 70 x 1
        "D": AnswerInput("10"),  # 70 x 3
    }
    scores = score_assessment(rules, answers, submitted=True)
    # labour: (200 + 40 + 70) / 4 = 77.5; security: 70.
    assert scores.dimensions == {"labour": Decimal("77.50"), "information_security": Decimal("70.00")}
    # overall over all questions: (200 + 40 + 70 + 210) / 7 = 74.2857… (not the mean of 77.5 and 70)
    assert scores.overall == Decimal("74.29")
    assert scores.answers == {"Y": 100, "C": 40, "T": 70, "D": 70}


def test_an_unscored_text_answer_is_left_out_until_the_reviewer_scores_it() -> None:
    scores = score_assessment(
        [YES, TEXT], {"Y": AnswerInput("yes"), "T": AnswerInput("A policy.")}, submitted=True
    )
    assert scores.answers["T"] is None
    assert scores.dimensions == {"labour": Decimal("100.00")}
    assert scores.overall == Decimal("100.00")


def test_unanswered_questions_pull_the_score_down_once_submitted() -> None:
    draft = score_assessment([YES, CHOICE], {"Y": AnswerInput("yes")}, submitted=False)
    submitted = score_assessment([YES, CHOICE], {"Y": AnswerInput("yes")}, submitted=True)
    assert draft.overall == Decimal("100.00")
    assert submitted.overall == Decimal("66.67")


def test_nothing_scored_gives_no_overall_score() -> None:
    scores = score_assessment([TEXT], {}, submitted=False)
    assert scores.overall is None
    assert scores.dimensions == {}


def test_weighted_mean_rounds_half_up() -> None:
    assert weighted_mean([(Decimal("0.005"), Decimal(1))]) == Decimal("0.01")
    assert weighted_mean([]) is None


THRESHOLDS = BandThresholds(Decimal(90), Decimal(75), Decimal(60))


@pytest.mark.parametrize(
    ("score", "band"),
    [
        ("100", "excellent"),
        ("90", "excellent"),
        ("89.99", "good"),
        ("75", "good"),
        ("60", "acceptable"),
        ("59.99", "poor"),
    ],
)
def test_bands_start_at_the_policy_thresholds(score: str, band: str) -> None:
    assert band_for(Decimal(score), THRESHOLDS) == band


def test_only_a_worse_band_is_below() -> None:
    assert is_below("poor", "acceptable")
    assert not is_below("acceptable", "acceptable")
    assert not is_below("good", "acceptable")
    assert is_below("acceptable", "good")


def test_periods_are_named_by_quarter_or_year_when_they_are_one() -> None:
    assert period_label(dt.date(2026, 7, 1), dt.date(2026, 9, 30)) == "2026-Q3"
    assert period_label(dt.date(2026, 10, 1), dt.date(2026, 12, 31)) == "2026-Q4"
    assert period_label(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == "2026"
    assert period_label(dt.date(2026, 7, 1), dt.date(2026, 9, 29)) == "2026-07-01/2026-09-29"
