"""The grading assistant's rule (pure): each threshold of the grading guide, the dates a
threshold is in force, the highest grade winning, and General when nothing is met."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from garrison.incidents import grading
from garrison.incidents.grading import Threshold, propose_grade
from garrison.incidents.models import GRADE_RANK, Grade, GradingMetric
from tests.incidents.grading_support import shipped_thresholds

IN_FORCE = dt.date(2025, 11, 1)
SOURCE = "CAC grading guide"


def guide() -> list[Threshold]:
    return [
        Threshold(
            metric=item.metric,
            threshold=item.threshold,
            grade=item.grade,
            source=item.source,
            effective_from=item.effective_from,
            effective_until=item.effective_until,
        )
        for item in shipped_thresholds()
    ]


def test_a_leak_of_1_2_million_people_proposes_relatively_major() -> None:
    proposal = propose_grade({"personal_information_people": 1_200_000}, guide(), dt.date(2026, 3, 2))
    assert proposal.grade == "relatively_major"
    assert [line.as_data()["metric"] for line in proposal.basis] == ["personal_information_people"]
    line = proposal.basis[0].as_data()
    assert line["value"] == 1_200_000
    assert line["threshold"] == 1_000_000
    assert line["grade"] == "relatively_major"
    assert "国家网络安全事件报告管理办法" in line["source"]


@pytest.mark.parametrize(
    ("metric", "value", "grade"),
    [
        ("personal_information_people", 999_999, "general"),
        ("personal_information_people", 1_000_000, "relatively_major"),
        ("personal_information_people", 10_000_000, "major"),
        ("personal_information_people", 100_000_000, "especially_major"),
        ("direct_loss_cny", Decimal("9999999.99"), "general"),
        ("direct_loss_cny", 10_000_000, "relatively_major"),
        ("direct_loss_cny", 50_000_000, "major"),
        ("direct_loss_cny", 100_000_000, "especially_major"),
        ("cii_full_outage_minutes", 29, "general"),
        ("cii_full_outage_minutes", 30, "relatively_major"),
        ("cii_full_outage_minutes", 120, "major"),
        ("cii_full_outage_minutes", 360, "especially_major"),
        ("cii_main_function_outage_minutes", 119, "general"),
        ("cii_main_function_outage_minutes", 120, "relatively_major"),
        ("cii_main_function_outage_minutes", 360, "major"),
        ("cii_main_function_outage_minutes", 1440, "especially_major"),
        ("essential_services_people", 99_999, "general"),
        ("essential_services_people", 100_000, "relatively_major"),
        ("essential_services_people", 1_000_000, "major"),
        ("essential_services_people", 10_000_000, "especially_major"),
        ("province_population_percent", Decimal("9.99"), "general"),
        ("province_population_percent", 10, "major"),
        ("province_population_percent", Decimal("30.00"), "especially_major"),
    ],
)
def test_each_threshold_of_the_guide_is_met_from_its_value_on(metric: str, value: object, grade: str) -> None:
    proposal = propose_grade({metric: value}, guide(), IN_FORCE)  # type: ignore[dict-item]
    assert proposal.grade == grade
    assert [line.metric for line in proposal.basis] == ([] if grade == "general" else [metric])


def test_nothing_met_proposes_general_with_no_basis() -> None:
    proposal = propose_grade({}, guide(), IN_FORCE)
    assert proposal == grading.Proposal(grade="general", basis=[])


def test_the_highest_grade_wins_and_the_basis_lists_every_threshold_met_at_it() -> None:
    facts = {
        "personal_information_people": 12_000_000,  # major
        "cii_full_outage_minutes": 150,  # major
        "essential_services_people": 200_000,  # relatively major only
    }
    proposal = propose_grade(facts, guide(), IN_FORCE)
    assert proposal.grade == "major"
    assert sorted(line.metric for line in proposal.basis) == [
        "cii_full_outage_minutes",
        "personal_information_people",
    ]
    assert {line.grade for line in proposal.basis} == {"major"}


def test_only_thresholds_in_force_on_the_day_apply() -> None:
    thresholds = [
        Threshold(
            "direct_loss_cny", Decimal(100), "major", SOURCE, dt.date(2026, 1, 1), dt.date(2026, 6, 30)
        ),
        Threshold("direct_loss_cny", Decimal(100), "relatively_major", SOURCE, dt.date(2025, 1, 1), None),
    ]
    facts = {"direct_loss_cny": 150}
    assert propose_grade(facts, thresholds, dt.date(2025, 12, 31)).grade == "relatively_major"
    assert propose_grade(facts, thresholds, dt.date(2026, 1, 1)).grade == "major"
    # The end date is the last day the threshold applies.
    assert propose_grade(facts, thresholds, dt.date(2026, 6, 30)).grade == "major"
    assert propose_grade(facts, thresholds, dt.date(2026, 7, 1)).grade == "relatively_major"
    assert propose_grade(facts, thresholds, dt.date(2024, 12, 31)).grade == "general"


def test_the_shipped_guide_applies_from_1_november_2025() -> None:
    facts = {"personal_information_people": 5_000_000}
    assert propose_grade(facts, guide(), dt.date(2025, 10, 31)).grade == "general"
    assert propose_grade(facts, guide(), IN_FORCE).grade == "relatively_major"


def test_the_pure_grades_and_metrics_match_the_models() -> None:
    assert tuple(Grade.values) == grading.GRADES
    assert {str(grade): rank for grade, rank in GRADE_RANK.items()} == grading.GRADE_RANK
    assert set(grading.METRICS) == set(GradingMetric.values)


def test_basis_values_keep_fractions() -> None:
    proposal = propose_grade({"province_population_percent": Decimal("12.5")}, guide(), IN_FORCE)
    assert proposal.basis_data()[0]["value"] == 12.5
