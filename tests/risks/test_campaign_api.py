"""The campaign and review-task API with the owner, colleague, outsider and auditor."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from garrison.core.models import AuditEvent, Person
from garrison.risks.models import (
    AssessmentCampaign,
    CampaignStatus,
    RatingSnapshot,
    ReviewTask,
    RiskScenario,
    TaskStatus,
)
from garrison.risks.services import campaigns as campaign_services
from tests.risks.campaign_support import make_campaign

pytestmark = pytest.mark.django_db

CAMPAIGNS = "/api/risks/campaigns/"
TASKS = "/api/risks/review-tasks/"
MISSING_ID = 987654


def campaign_url(campaign: AssessmentCampaign, action: str = "") -> str:
    return f"{CAMPAIGNS}{campaign.pk}/{action + '/' if action else ''}"


def new_campaign(organisation: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "name": "Spring review",
        "unit": organisation.beijing.pk,
        "scope_units": [organisation.beijing_ops.pk],
        "scope_asset_types": ["server"],
        "critical_systems_only": False,
        "participants": [],
        "starts_on": "2026-03-02",
        "ends_on": "2026-04-30",
        "recurrence": "quarterly",
    }
    data.update(changes)
    return data


@pytest.fixture
def scenarios(make_scenario: Any, organisation: Any) -> list[RiskScenario]:
    return [
        make_scenario("Power loss in hall A"),
        make_scenario("Cooling failure", unit=organisation.beijing_ops),
    ]


@pytest.fixture
def running(organisation: Any, owner: Person, scenarios: list[RiskScenario]) -> AssessmentCampaign:
    return campaign_services.start_campaign(make_campaign(organisation.beijing, by=owner), by=owner)


# Campaigns ---------------------------------------------------------------------------------


def test_the_owner_drafts_a_campaign_through_the_service(api: Any, owner: Person, organisation: Any) -> None:
    response = api.as_(owner).post(CAMPAIGNS, new_campaign(organisation), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    campaign = AssessmentCampaign.objects.get(pk=body["id"])
    assert body["status"] == "draft"
    assert body["unit_name"] == "Beijing site"
    assert body["scope_units"] == [organisation.beijing_ops.pk]
    assert (body["task_count"], body["done_count"], body["next_round"]) == (0, 0, None)
    assert (
        AuditEvent.objects.filter(object_type="risks.assessmentcampaign", object_id=str(campaign.pk)).count()
        == 1
    )


def test_bad_input_answers_400_naming_each_field_and_writes_nothing(
    api: Any, owner: Person, organisation: Any
) -> None:
    events = AuditEvent.objects.count()
    response = api.as_(owner).post(
        CAMPAIGNS,
        new_campaign(
            organisation,
            unit=organisation.beijing_ops.pk,
            ends_on="2026-03-01",
            scope_units=[organisation.beijing.pk],
        ),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "ends_on": ["The campaign must end after it starts."],
        "scope_units": ["Beijing site lies outside the organising unit Beijing Operations."],
    }
    out_of_reach = api.post(CAMPAIGNS, new_campaign(organisation, scope_units=[organisation.shanghai.pk]))
    assert out_of_reach.status_code == 400
    assert list(out_of_reach.json()) == ["scope_units"]
    unknown_type = api.post(
        CAMPAIGNS, new_campaign(organisation, scope_asset_types=["rocket"]), format="json"
    )
    assert unknown_type.status_code == 400
    assert set(unknown_type.json()) == {"scope_asset_types"}
    assert AssessmentCampaign.objects.count() == 0
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(("persona", "status"), [("colleague", 403), ("auditor", 403), ("outsider", 400)])
def test_people_without_reach_over_the_unit_cannot_draft_there(
    api: Any, organisation: Any, persona: str, status: int, request: Any
) -> None:
    person = request.getfixturevalue(persona)
    response = api.as_(person).post(CAMPAIGNS, new_campaign(organisation), format="json")
    assert response.status_code == status
    assert AssessmentCampaign.objects.count() == 0


@pytest.mark.parametrize(
    ("persona", "sees"), [("owner", True), ("auditor", True), ("colleague", False), ("outsider", False)]
)
def test_who_sees_a_campaign(
    api: Any, organisation: Any, owner: Person, persona: str, sees: bool, request: Any
) -> None:
    campaign = make_campaign(organisation.beijing, by=owner)
    api.as_(request.getfixturevalue(persona))
    listed = [row["id"] for row in api.get(CAMPAIGNS).json()["results"]]
    detail = api.get(campaign_url(campaign))
    missing = api.get(f"{CAMPAIGNS}{MISSING_ID}/")
    assert listed == ([campaign.pk] if sees else [])
    assert detail.status_code == (200 if sees else 404)
    if not sees:
        assert detail.json() == missing.json()


@pytest.mark.parametrize("persona", ["auditor", "colleague", "outsider"])
def test_only_those_who_may_change_it_edit_start_or_delete_a_campaign(
    api: Any, organisation: Any, owner: Person, scenarios: list[RiskScenario], persona: str, request: Any
) -> None:
    campaign = make_campaign(organisation.beijing, by=owner)
    person = request.getfixturevalue(persona)
    events = AuditEvent.objects.count()
    api.as_(person)
    assert api.patch(campaign_url(campaign), {"name": "Mine"}, format="json").status_code == 404
    assert api.post(campaign_url(campaign, "start")).status_code == 404
    assert api.delete(campaign_url(campaign)).status_code == 404
    campaign.refresh_from_db()
    assert (campaign.name, campaign.status) == ("Annual risk review", CampaignStatus.DRAFT)
    assert AuditEvent.objects.count() == events


def test_the_owner_edits_starts_follows_and_closes_a_campaign(
    api: Any, organisation: Any, owner: Person, risk_owner: Person, scenarios: list[RiskScenario]
) -> None:
    campaign = make_campaign(organisation.beijing, by=owner)
    api.as_(owner)
    edited = api.patch(campaign_url(campaign), {"name": "Spring review"}, format="json")
    assert edited.json()["name"] == "Spring review"

    started = api.post(campaign_url(campaign, "start"))
    assert started.status_code == 200
    assert (started.json()["status"], started.json()["task_count"]) == ("running", 2)
    fixed_scope = api.patch(campaign_url(campaign), {"critical_systems_only": True}, format="json")
    assert fixed_scope.status_code == 400
    assert set(fixed_scope.json()) == {"critical_systems_only"}

    task = ReviewTask.objects.get(campaign=campaign, scenario=scenarios[0])
    api.as_(risk_owner).post(f"{TASKS}{task.pk}/complete/", {"current_likelihood": 1, "current_impact": 2})
    progress = api.as_(owner).get(campaign_url(campaign, "progress")).json()
    assert progress == {
        "done": 1,
        "pending": 1,
        "total": 2,
        "percent": 50,
        "by_unit": [
            {
                "unit": organisation.beijing_ops.pk,
                "unit_name": "Beijing Operations",
                "done": 0,
                "pending": 1,
                "total": 1,
            },
            {
                "unit": organisation.beijing.pk,
                "unit_name": "Beijing site",
                "done": 1,
                "pending": 0,
                "total": 1,
            },
        ],
    }

    closed = api.post(campaign_url(campaign, "close"))
    assert closed.status_code == 200
    assert closed.json()["snapshot_count"] == 2
    assert closed.json()["pending_count"] == 1
    assert closed.json()["campaign"]["status"] == "closed"
    assert RatingSnapshot.objects.filter(campaign=campaign).count() == 2
    assert api.delete(campaign_url(campaign)).status_code == 400
    assert api.post(campaign_url(campaign, "close")).status_code == 400


def test_the_trend_compares_the_rounds_of_a_series_and_any_closed_campaigns(
    api: Any, organisation: Any, owner: Person, risk_owner: Person, scenarios: list[RiskScenario]
) -> None:
    first = make_campaign(organisation.beijing, by=owner, name="Round 1", recurrence="quarterly")
    campaign_services.start_campaign(first, by=owner)
    campaign_services.close_campaign(first, by=owner)
    (second_round,) = campaign_services.open_due_rounds(
        first.starts_on.replace(month=first.starts_on.month + 3)
    )
    second = second_round.campaign
    task = ReviewTask.objects.get(campaign=second, scenario=scenarios[0])
    campaign_services.complete_review(task, by=risk_owner, current_likelihood=5, current_impact=5)
    api.as_(owner)
    running = api.get(campaign_url(second, "trend")).json()
    assert [item["campaign"] for item in running["rounds"]] == [first.pk]
    campaign_services.close_campaign(second, by=owner)

    series = api.get(campaign_url(second, "trend"))
    compared = api.get(f"{CAMPAIGNS}trend/?campaigns={second.pk}&campaigns={first.pk}")
    assert series.status_code == compared.status_code == 200
    body = series.json()
    assert body == compared.json()
    assert [item["name"] for item in body["rounds"]] == ["Round 1", "Round 1 (2026-04-05)"]
    assert [level["key"] for level in body["levels"]] == ["low", "medium", "high", "critical"]
    assert body["rounds"][0]["current"] == [
        {"level": 1, "count": 0},
        {"level": 2, "count": 2},
        {"level": 3, "count": 0},
        {"level": 4, "count": 0},
    ]
    assert body["rounds"][1]["current"] == [
        {"level": 1, "count": 0},
        {"level": 2, "count": 1},
        {"level": 3, "count": 0},
        {"level": 4, "count": 1},
    ]
    assert body["rounds"][1]["inherent"][2] == {"level": 3, "count": 2}
    assert (body["raised"], body["lowered"], body["unchanged"]) == (1, 0, 1)
    assert body["changes"] == [
        {
            "scenario": scenarios[0].pk,
            "reference": scenarios[0].reference,
            "title": "Power loss in hall A",
            "inherent_levels": [3, 3],
            "current_levels": [2, 4],
            "direction": "raised",
        }
    ]


def test_comparing_needs_closed_campaigns_within_reach(
    api: Any, organisation: Any, owner: Person, outsider: Person, running: AssessmentCampaign
) -> None:
    api.as_(owner)
    not_closed = api.get(f"{CAMPAIGNS}trend/?campaigns={running.pk}")
    assert not_closed.status_code == 400
    assert list(not_closed.json()) == ["campaigns"]
    assert api.get(f"{CAMPAIGNS}trend/").status_code == 400
    assert api.get(f"{CAMPAIGNS}trend/?campaigns=x").status_code == 400
    hidden = api.as_(outsider).get(f"{CAMPAIGNS}trend/?campaigns={running.pk}")
    missing = api.get(f"{CAMPAIGNS}trend/?campaigns={MISSING_ID}")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()


# Review tasks ------------------------------------------------------------------------------


def test_the_review_list_shows_my_reviews_unless_asked_for_more(
    api: Any, owner: Person, risk_owner: Person, running: AssessmentCampaign, scenarios: list[RiskScenario]
) -> None:
    mine = api.as_(risk_owner).get(TASKS).json()["results"]
    assert [row["scenario_title"] for row in mine] == ["Power loss in hall A", "Cooling failure"]
    assert mine[0]["campaign_name"] == "Annual risk review"
    assert mine[0]["current_level"] == 2
    assert api.as_(owner).get(TASKS).json()["results"] == []
    everyone = api.get(f"{TASKS}?assignee=any&campaign={running.pk}&status=pending").json()["results"]
    assert len(everyone) == 2
    by_id = api.get(f"{TASKS}?assignee={risk_owner.pk}").json()["results"]
    assert len(by_id) == 2
    assert api.get(f"{TASKS}?assignee=nobody").status_code == 400
    one = ReviewTask.objects.filter(campaign=running).first()
    assert one is not None
    assert api.get(f"{TASKS}{one.pk}/").status_code == 200


@pytest.mark.parametrize(("persona", "sees"), [("auditor", True), ("colleague", False), ("outsider", False)])
def test_others_see_review_tasks_only_within_reach(
    api: Any, running: AssessmentCampaign, persona: str, sees: bool, request: Any
) -> None:
    task = ReviewTask.objects.filter(campaign=running).first()
    assert task is not None
    api.as_(request.getfixturevalue(persona))
    assert len(api.get(f"{TASKS}?assignee=any").json()["results"]) == (2 if sees else 0)
    assert api.get(f"{TASKS}{task.pk}/").status_code == (200 if sees else 404)


def test_the_assignee_completes_a_review_and_bad_ratings_answer_400(
    api: Any, risk_owner: Person, running: AssessmentCampaign, scenarios: list[RiskScenario]
) -> None:
    task = ReviewTask.objects.get(campaign=running, scenario=scenarios[0])
    url = f"{TASKS}{task.pk}/complete/"
    api.as_(risk_owner)
    bad = api.post(url, {"current_likelihood": 6, "current_impact": 1}, format="json")
    assert bad.status_code == 400
    assert list(bad.json()) == ["current_likelihood"]
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.PENDING

    done = api.post(url, {"current_likelihood": 1, "current_impact": 2, "comment": "Fixed"}, format="json")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["current_level"], done.json()["comment"]) == (
        "done",
        1,
        "Fixed",
    )
    again = api.post(url, {"current_likelihood": 1, "current_impact": 2}, format="json")
    assert again.status_code == 400


@pytest.mark.parametrize("persona", ["auditor", "colleague", "outsider"])
def test_a_person_neither_assignee_nor_allowed_to_change_gets_404_on_complete(
    api: Any, running: AssessmentCampaign, scenarios: list[RiskScenario], persona: str, request: Any
) -> None:
    task = ReviewTask.objects.get(campaign=running, scenario=scenarios[0])
    person = request.getfixturevalue(persona)
    events = AuditEvent.objects.count()
    response = api.as_(person).post(
        f"{TASKS}{task.pk}/complete/", {"current_likelihood": 1, "current_impact": 1}, format="json"
    )
    missing = api.post(f"{TASKS}{MISSING_ID}/complete/", {"current_likelihood": 1, "current_impact": 1})
    assert response.status_code == 404
    assert response.json() == missing.json()
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.PENDING
    assert RiskScenario.objects.get(pk=scenarios[0].pk).current_level == 2
    assert AuditEvent.objects.count() == events


# Query counts ------------------------------------------------------------------------------


def queries_for(api: Any, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(captured), len(response.json()["results"])


@pytest.fixture
def many(organisation: Any, owner: Person, risk_owner: Person, make_scenario: Any) -> None:
    for number in range(12):
        make_scenario(
            f"Scenario {number}", unit=organisation.beijing_ops if number % 2 else organisation.beijing
        )
    for number in range(11):
        make_campaign(organisation.beijing, by=owner, name=f"Draft {number}", participants=[risk_owner])
    campaign_services.start_campaign(make_campaign(organisation.beijing, by=owner), by=owner)


@pytest.mark.parametrize(
    ("url", "persona"),
    [
        (CAMPAIGNS, "owner"),
        (CAMPAIGNS, "auditor"),
        (f"{TASKS}?assignee=any", "owner"),
        (TASKS, "riskowner"),
        (f"{TASKS}?assignee=any&status=pending&ordering=-campaign__ends_on", "auditor"),
    ],
)
def test_the_lists_cost_the_same_queries_for_a_page_of_two_and_a_page_of_ten(
    api: Any, many: None, url: str, persona: str, request: Any, django_assert_max_num_queries: Any
) -> None:
    person = (
        Person.objects.get(username=persona) if persona == "riskowner" else request.getfixturevalue(persona)
    )
    api.as_(person)
    separator = "&" if "?" in url else "?"
    api.get(f"{url}{separator}page_size=1")
    small_queries, small_rows = queries_for(api, f"{url}{separator}page_size=2")
    with django_assert_max_num_queries(12):
        large_queries, large_rows = queries_for(api, f"{url}{separator}page_size=10")
    assert (small_rows, large_rows) == (2, 10)
    assert small_queries == large_queries
