"""Trends across closed campaigns, read from their rating snapshots."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from garrison.core.roles import Action, Role
from garrison.core.scoping import restrict
from garrison.risks.models import AssessmentCampaign, RatingSnapshot, ReviewTask, RiskScenario
from garrison.risks.services import campaigns as campaign_services
from garrison.risks.services.campaign_reports import campaign_series, campaign_trend
from tests.risks.campaign_support import make_campaign

pytestmark = pytest.mark.django_db


def review(
    campaign: AssessmentCampaign, scenario: RiskScenario, by: Any, likelihood: int, impact: int
) -> None:
    task = ReviewTask.objects.get(campaign=campaign, scenario=scenario)
    campaign_services.complete_review(task, by=by, current_likelihood=likelihood, current_impact=impact)


@pytest.fixture
def two_rounds(
    organisation: Any, owner: Any, risk_owner: Any, make_scenario: Any
) -> tuple[AssessmentCampaign, AssessmentCampaign, dict[str, RiskScenario]]:
    """Round 1 reviews three scenarios; round 2 (the next quarter) also a fourth, new one.

    Current levels: hall 4 → 1 (lowered), cooling 1 → 4 (raised), ops 2 → 2, new (round 2 only) 1.
    """
    scenarios = {
        "hall": make_scenario("Power loss in hall A"),
        "cooling": make_scenario("Cooling failure", current=(2, 2)),
        "ops": make_scenario("Database leak", unit=organisation.beijing_ops),
    }
    first = make_campaign(organisation.beijing, by=owner, name="Q1 review", recurrence="quarterly")
    campaign_services.start_campaign(first, by=owner)
    review(first, scenarios["hall"], risk_owner, 4, 5)
    campaign_services.close_campaign(first, by=owner)

    scenarios["new"] = make_scenario("Ransomware on backups", current=(1, 1))
    (opened,) = campaign_services.open_due_rounds(dt.date(2026, 4, 5))
    second = opened.campaign
    review(second, scenarios["hall"], risk_owner, 2, 2)
    review(second, scenarios["cooling"], risk_owner, 5, 5)
    campaign_services.close_campaign(second, by=owner)
    return first, second, scenarios


def test_the_trend_counts_each_round_per_level_and_compares_each_scenario(
    two_rounds: tuple[AssessmentCampaign, AssessmentCampaign, dict[str, RiskScenario]],
) -> None:
    first, second, scenarios = two_rounds
    trend = campaign_trend(campaign_series(second))

    assert [item.campaign for item in trend.rounds] == [first, second]
    assert [(item.scenario_count, item.inherent, item.current) for item in trend.rounds] == [
        (3, {3: 3}, {1: 1, 2: 1, 4: 1}),
        (4, {3: 4}, {1: 2, 2: 1, 4: 1}),
    ]
    assert [(level.rank, level.key, level.name) for level in trend.levels] == [
        (1, "low", "Low"),
        (2, "medium", "Medium"),
        (3, "high", "High"),
        (4, "critical", "Critical"),
    ]
    assert (trend.raised, trend.lowered, trend.unchanged) == (1, 1, 1)
    assert [(change.title, change.current_levels, change.direction) for change in trend.changes] == [
        ("Power loss in hall A", [4, 1], "lowered"),
        ("Cooling failure", [1, 4], "raised"),
    ]
    assert RatingSnapshot.objects.filter(campaign=second, scenario=scenarios["new"]).get().current_level == 1


def test_any_set_of_closed_campaigns_compares_oldest_first(
    two_rounds: tuple[AssessmentCampaign, AssessmentCampaign, dict[str, RiskScenario]],
) -> None:
    first, second, _scenarios = two_rounds
    assert [item.campaign for item in campaign_trend([second, first, second]).rounds] == [first, second]
    single = campaign_trend([second])
    assert (single.raised, single.lowered, single.unchanged, single.changes) == (0, 0, 0, [])


def test_the_trend_counts_only_the_snapshots_the_person_may_see(
    two_rounds: tuple[AssessmentCampaign, AssessmentCampaign, dict[str, RiskScenario]],
    organisation: Any,
    make_person: Any,
) -> None:
    first, second, _scenarios = two_rounds
    operations_officer = make_person("opsofficer", organisation.beijing_ops, Role.SECURITY_OFFICER)
    visible = restrict(RatingSnapshot.objects.all(), operations_officer, Action.VIEW)
    trend = campaign_trend([first, second], snapshots=visible)
    assert [(item.scenario_count, item.current) for item in trend.rounds] == [(1, {2: 1}), (1, {2: 1})]
    assert (trend.raised, trend.lowered, trend.unchanged, trend.changes) == (0, 0, 1, [])


def test_a_campaign_not_closed_has_nothing_to_compare(
    organisation: Any, owner: Any, make_scenario: Any
) -> None:
    make_scenario()
    running = campaign_services.start_campaign(make_campaign(organisation.beijing, by=owner), by=owner)
    with pytest.raises(ValidationError) as caught:
        campaign_trend([running])
    assert caught.value.message_dict == {
        "campaigns": ["Not closed yet, so nothing to compare: Annual risk review."]
    }
