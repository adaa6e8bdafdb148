"""Scoring a supplier's answers and a performance scorecard. Pure module: no Django.

Each answer scores 0 to 100:
- yes/no: 100 for the question's good answer ("yes" unless it says "no"), else 0;
- choice: the score the chosen choice carries;
- number: the score of the highest band whose `min` the value reaches (bands lowest first);
  a value below every band scores 0;
- free text: only the reviewer's score; until the reviewer gives one it has no score.
A reviewer's score, when given, replaces the computed one whatever the answer type. Before
the answers are submitted an unanswered question has no score; once submitted it scores 0.

A dimension's score is the weighted mean of the scores of its questions; the overall score
is the weighted mean over *all* questions (not the mean of the dimension scores), so a
dimension with more or heavier questions counts for more. Questions without a score (free
text awaiting the reviewer) are left out of both means until they have one. Scores are
rounded half up to two decimals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

YES_NO, CHOICE, NUMBER, TEXT = "yes_no", "choice", "number", "text"
ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class QuestionRule:
    """What scoring needs of a question (garrison.suppliers.models.Question)."""

    code: str
    dimension: str
    answer_type: str
    weight: Decimal
    choices: Sequence[Mapping[str, Any]] = ()
    good_answer: str = "yes"


@dataclass(frozen=True)
class AnswerInput:
    """An answer as stored: its value (None when unanswered) and the reviewer's score."""

    value: Any = None
    reviewer_score: Decimal | None = None


@dataclass(frozen=True)
class AssessmentScores:
    """Each question's score (None: no score yet), each dimension's, and the overall one."""

    answers: dict[str, Decimal | None]
    dimensions: dict[str, Decimal]
    overall: Decimal | None


def round_score(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def as_decimal(value: Any) -> Decimal | None:
    """A number given as int, float, Decimal or text; None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def is_answered(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def computed_score(rule: QuestionRule, value: Any, *, submitted: bool) -> Decimal | None:
    """The score the answer earns by itself (the reviewer's score aside)."""
    if not is_answered(value):
        return ZERO if submitted else None
    if rule.answer_type == YES_NO:
        return HUNDRED if value == (rule.good_answer or "yes") else ZERO
    if rule.answer_type == CHOICE:
        for choice in rule.choices:
            if choice.get("value") == value:
                return as_decimal(choice.get("score")) or ZERO
        return ZERO
    if rule.answer_type == NUMBER:
        number = as_decimal(value)
        if number is None:
            return ZERO
        reached = [
            as_decimal(band.get("score")) or ZERO
            for band in rule.choices
            if (minimum := as_decimal(band.get("min"))) is not None and minimum <= number
        ]
        return reached[-1] if reached else ZERO
    return None  # free text: the reviewer scores it


def answer_score(rule: QuestionRule, answer: AnswerInput, *, submitted: bool) -> Decimal | None:
    """The answer's score: the reviewer's when given, else the computed one."""
    if answer.reviewer_score is not None:
        return answer.reviewer_score
    return computed_score(rule, answer.value, submitted=submitted)


def weighted_mean(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal | None:
    """The mean of (score, weight) pairs weighted by weight; None when there is none."""
    total = ZERO
    weights = ZERO
    for score, weight in pairs:
        total += score * weight
        weights += weight
    if weights <= 0:
        return None
    return round_score(total / weights)


def score_assessment(
    rules: Sequence[QuestionRule], answers: Mapping[str, AnswerInput], *, submitted: bool
) -> AssessmentScores:
    """Every question's score, each dimension's weighted mean and the overall weighted mean."""
    scores: dict[str, Decimal | None] = {}
    by_dimension: dict[str, list[tuple[Decimal, Decimal]]] = {}
    scored: list[tuple[Decimal, Decimal]] = []
    for rule in rules:
        score = answer_score(rule, answers.get(rule.code, AnswerInput()), submitted=submitted)
        scores[rule.code] = score
        by_dimension.setdefault(rule.dimension, [])
        if score is not None:
            by_dimension[rule.dimension].append((score, rule.weight))
            scored.append((score, rule.weight))
    dimensions = {
        dimension: mean
        for dimension, pairs in by_dimension.items()
        if (mean := weighted_mean(pairs)) is not None
    }
    return AssessmentScores(answers=scores, dimensions=dimensions, overall=weighted_mean(scored))


# Scorecards ---------------------------------------------------------------------------------------

# Standing bands, best first (the values of garrison.suppliers.models.StandingBand).
BANDS = ("excellent", "good", "acceptable", "poor")


@dataclass(frozen=True)
class BandThresholds:
    """Where the bands start (the supplier policy's excellent_from, good_from, acceptable_from)."""

    excellent_from: Decimal
    good_from: Decimal
    acceptable_from: Decimal


def band_for(score: Decimal, thresholds: BandThresholds) -> str:
    if score >= thresholds.excellent_from:
        return "excellent"
    if score >= thresholds.good_from:
        return "good"
    if score >= thresholds.acceptable_from:
        return "acceptable"
    return "poor"


def is_below(band: str, limit: str) -> bool:
    """Whether `band` is a worse standing than `limit`."""
    return BANDS.index(band) > BANDS.index(limit)


def period_label(start: dt.date, end: dt.date) -> str:
    """ "2026-Q3" for a calendar quarter, "2026" for a year, otherwise "start/end" (an ISO 8601 interval)."""
    if start.month == 1 and start.day == 1 and end == dt.date(start.year, 12, 31):
        return str(start.year)
    if start.day == 1 and start.month in (1, 4, 7, 10):
        last_month = start.month + 2
        next_month = dt.date(start.year + (last_month == 12), last_month % 12 + 1, 1)
        if end == next_month - dt.timedelta(days=1):
            return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.isoformat()}/{end.isoformat()}"
