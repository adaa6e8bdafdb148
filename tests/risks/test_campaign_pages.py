"""The campaign web pages: list, form, campaign page with its steps, My reviews, the
review page with its re-rating form, and the trend page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from garrison.core.models import AuditEvent, Notification, Person
from garrison.core.roles import Role
from garrison.risks.models import AssessmentCampaign, CampaignStatus, ReviewTask, RiskScenario, TaskStatus
from garrison.risks.services import campaigns as campaign_services
from tests.risks.campaign_support import make_campaign

pytestmark = pytest.mark.django_db


def form_data(organisation: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "name": "Spring review",
        "description": "",
        "unit": organisation.beijing.pk,
        "scope_units": [organisation.beijing_ops.pk],
        "scope_asset_types": ["server", "data_set"],
        "starts_on": "2026-03-02",
        "ends_on": "2026-04-30",
        "recurrence": "yearly",
        "participants": "colleague\nriskowner",
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


def url(name: str, *args: Any) -> str:
    return reverse(f"risks:{name}", args=args or None)


# Campaign list and form --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees", "may_create"),
    [("owner", True, True), ("auditor", True, False), ("colleague", False, False), ("outsider", False, True)],
)
def test_the_campaign_list_shows_what_the_person_may_see(
    client: Any, organisation: Any, owner: Person, persona: str, sees: bool, may_create: bool, request: Any
) -> None:
    make_campaign(organisation.beijing, by=owner, name="Beijing spring review")
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url("campaign-list"))
    assert response.status_code == 200
    assert [row.object.name for row in response.context["rows"]] == (
        ["Beijing spring review"] if sees else []
    )
    assert (response.context["create_url"] == url("campaign-create")) is may_create


def test_the_owner_drafts_a_campaign_with_the_form(
    client: Any, organisation: Any, owner: Person, risk_owner: Person, colleague: Person
) -> None:
    client.force_login(owner)
    assert client.get(url("campaign-create")).status_code == 200
    response = client.post(url("campaign-create"), form_data(organisation))
    campaign = AssessmentCampaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("campaign-detail", campaign.pk)
    assert list(campaign.scope_units.all()) == [organisation.beijing_ops]
    assert campaign.scope_asset_types == ["server", "data_set"]
    assert sorted(campaign.participants.values_list("username", flat=True)) == ["colleague", "riskowner"]
    assert campaign.recurrence == "yearly"


def test_bad_form_input_shows_field_errors_and_writes_nothing(
    client: Any, organisation: Any, owner: Person, colleague: Person
) -> None:
    client.force_login(owner)
    events = AuditEvent.objects.count()
    response = client.post(
        url("campaign-create"),
        form_data(
            organisation,
            ends_on="2026-03-01",
            scope_units=[organisation.shanghai.pk],
            participants="colleague nobody",
        ),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"scope_units", "participants"}
    assert errors["participants"] == ["No person with these usernames: nobody."]
    dates = client.post(
        url("campaign-create"), form_data(organisation, ends_on="2026-03-01", participants="colleague")
    )
    assert dates.context["form"].errors == {"ends_on": ["The campaign must end after it starts."]}
    assert AssessmentCampaign.objects.count() == 0
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("persona", ["colleague", "auditor"])
def test_people_who_may_not_add_risks_get_no_campaign_form(client: Any, persona: str, request: Any) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url("campaign-create")).status_code == 404


def test_a_draft_changes_its_scope_with_the_form_and_the_change_is_audited(
    client: Any, organisation: Any, owner: Person, colleague: Person
) -> None:
    campaign = make_campaign(organisation.beijing, by=owner, participants=[colleague])
    client.force_login(owner)
    page = client.get(url("campaign-edit", campaign.pk))
    assert page.context["form"]["participants"].value() == "colleague"
    assert "colleague" in page.content.decode()
    response = client.post(
        url("campaign-edit", campaign.pk),
        form_data(organisation, participants="", critical_systems_only="on", reason="Critical systems first"),
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert list(campaign.scope_units.all()) == [organisation.beijing_ops]
    assert (campaign.critical_systems_only, list(campaign.participants.all())) == (True, [])
    event = AuditEvent.objects.filter(object_type="risks.assessmentcampaign").latest("sequence")
    assert event.reason == "Critical systems first"
    assert event.changes["participant_usernames"] == ["colleague", None]
    assert event.changes["scope_unit_names"] == [None, "Beijing Operations"]


def test_a_running_campaign_edits_only_what_may_still_change(
    client: Any, organisation: Any, owner: Person, running: AssessmentCampaign
) -> None:
    client.force_login(owner)
    page = client.get(url("campaign-edit", running.pk))
    assert page.context["form"].fields["scope_units"].disabled
    assert not page.context["form"].fields["name"].disabled
    response = client.post(
        url("campaign-edit", running.pk),
        {
            "name": "Renamed",
            "description": "",
            "ends_on": "2026-03-31",
            "participants": "",
            "recurrence": "quarterly",
            "reason": "Later",
        },
    )
    assert response.status_code == 302
    running.refresh_from_db()
    assert (running.name, str(running.ends_on), running.starts_on.isoformat(), running.recurrence) == (
        "Renamed",
        "2026-03-31",
        "2026-01-05",
        "quarterly",
    )


# Campaign page and steps -------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), [("colleague", 404), ("outsider", 404), ("auditor", 200)])
def test_the_campaign_page_is_for_those_who_may_see_it(
    client: Any, organisation: Any, owner: Person, persona: str, status: int, request: Any
) -> None:
    campaign = make_campaign(organisation.beijing, by=owner)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url("campaign-detail", campaign.pk))
    assert response.status_code == status
    if status == 200:
        assert not response.context["may_start"]
        assert response.context["edit_url"] is None


def test_the_owner_starts_and_closes_a_campaign_from_its_page(
    client: Any, organisation: Any, owner: Person, risk_owner: Person, scenarios: list[RiskScenario]
) -> None:
    campaign = make_campaign(organisation.beijing, by=owner)
    client.force_login(owner)
    draft = client.get(url("campaign-detail", campaign.pk))
    assert draft.context["may_start"]
    assert url("campaign-start", campaign.pk) in draft.content.decode()
    assert client.get(url("campaign-start", campaign.pk)).status_code == 200  # the confirmation

    started = client.post(url("campaign-start", campaign.pk))
    assert started.status_code == 302
    page = client.get(url("campaign-detail", campaign.pk))
    assert page.context["progress"].total == 2
    assert [task.scenario.title for task, _level in page.context["task_rows"]] == [
        "Power loss in hall A",
        "Cooling failure",
    ]
    assert '<progress class="w-100 campaign-progress" max="100" value="0"' in page.content.decode()

    task = ReviewTask.objects.get(campaign=campaign, scenario=scenarios[0])
    campaign_services.complete_review(task, by=risk_owner, current_likelihood=1, current_impact=1)
    done_only = client.get(url("campaign-detail", campaign.pk), {"status": "done"})
    assert [row[0].pk for row in done_only.context["task_rows"]] == [task.pk]

    client.post(url("campaign-close", campaign.pk))
    closed = client.get(url("campaign-detail", campaign.pk))
    assert AssessmentCampaign.objects.get(pk=campaign.pk).status == CampaignStatus.CLOSED
    assert [row["round"].scenario_count for row in closed.context["trend_table"]] == [2]
    assert closed.context["trend_table"][0]["current"] == [1, 1, 0, 0]
    assert closed.context["edit_url"] is None
    assert "Ratings at closing" in closed.content.decode()


@pytest.mark.parametrize("persona", ["auditor", "colleague", "outsider"])
def test_only_those_who_may_change_it_start_a_campaign_from_the_web(
    client: Any, organisation: Any, owner: Person, scenarios: list[RiskScenario], persona: str, request: Any
) -> None:
    campaign = make_campaign(organisation.beijing, by=owner)
    client.force_login(request.getfixturevalue(persona))
    assert client.post(url("campaign-start", campaign.pk)).status_code == 404
    assert client.post(url("campaign-delete", campaign.pk)).status_code == 404
    assert AssessmentCampaign.objects.get(pk=campaign.pk).status == CampaignStatus.DRAFT


def test_a_closed_round_is_compared_with_the_previous_one_on_its_page(
    client: Any, organisation: Any, owner: Person, risk_owner: Person, scenarios: list[RiskScenario]
) -> None:
    first = make_campaign(organisation.beijing, by=owner, name="Round 1", recurrence="quarterly")
    campaign_services.start_campaign(first, by=owner)
    campaign_services.close_campaign(first, by=owner)
    (opened,) = campaign_services.open_due_rounds(first.starts_on.replace(month=4))
    second = opened.campaign
    task = ReviewTask.objects.get(campaign=second, scenario=scenarios[1])
    campaign_services.complete_review(task, by=risk_owner, current_likelihood=1, current_impact=1)
    campaign_services.close_campaign(second, by=owner)

    client.force_login(owner)
    page = client.get(url("campaign-detail", second.pk))
    assert [row["round"].campaign.pk for row in page.context["trend_table"]] == [first.pk, second.pk]
    assert [row["current"] for row in page.context["trend_table"]] == [[0, 2, 0, 0], [1, 1, 0, 0]]
    assert [change["title"] for change in page.context["trend_changes"]] == ["Cooling failure"]
    assert page.context["trend_changes"][0]["direction"] == "lowered"
    trend = client.get(page.context["trend_url"])
    assert trend.status_code == 200
    assert [row["current"] for row in trend.context["trend_table"]] == [[0, 2, 0, 0], [1, 1, 0, 0]]
    assert "rose for 0 scenarios, fell for 1 and stayed the same for 1" in trend.content.decode()
    assert client.get(url("campaign-detail", first.pk)).context["next_round"] == second


def test_the_trend_page_offers_only_closed_campaigns(
    client: Any, owner: Person, running: AssessmentCampaign
) -> None:
    client.force_login(owner)
    empty = client.get(url("campaign-trend"))
    assert empty.status_code == 200
    assert "trend" not in empty.context
    refused = client.get(url("campaign-trend"), {"campaigns": running.pk})
    assert refused.status_code == 400
    assert list(refused.context["form"].errors) == ["campaigns"]


# Reviews -----------------------------------------------------------------------------------


def test_my_reviews_lists_the_persons_pending_reviews(
    client: Any, owner: Person, risk_owner: Person, running: AssessmentCampaign, scenarios: list[RiskScenario]
) -> None:
    client.force_login(risk_owner)
    pending = client.get(url("review-task-list"))
    assert [row.object.scenario.title for row in pending.context["rows"]] == [
        "Power loss in hall A",
        "Cooling failure",
    ]
    task = ReviewTask.objects.get(campaign=running, scenario=scenarios[0])
    campaign_services.complete_review(task, by=risk_owner, current_likelihood=1, current_impact=1)
    assert [row.object.pk for row in client.get(url("review-task-list")).context["rows"]] == [
        ReviewTask.objects.get(campaign=running, scenario=scenarios[1]).pk
    ]
    done = client.get(url("review-task-list"), {"status": "done"})
    assert [row.object.pk for row in done.context["rows"]] == [task.pk]
    client.force_login(owner)
    assert list(client.get(url("review-task-list")).context["rows"]) == []


def test_the_review_page_rates_on_the_matrix_steps_by_name_and_completes_the_review(
    client: Any, risk_owner: Person, running: AssessmentCampaign, scenarios: list[RiskScenario]
) -> None:
    task = ReviewTask.objects.get(campaign=running, scenario=scenarios[0])
    client.force_login(risk_owner)
    page = client.get(url("review-task-detail", task.pk))
    assert page.status_code == 200
    form = page.context["form"]
    assert list(form.fields["current_likelihood"].choices) == [
        (1, "1 · Rare"),
        (2, "2 · Unlikely"),
        (3, "3 · Possible"),
        (4, "4 · Likely"),
        (5, "5 · Almost certain"),
    ]
    assert list(form.fields["target_impact"].choices)[:2] == [("", "No target"), (1, "1 · Negligible")]
    assert '<option value="3" selected>3 · Possible</option>' in page.content.decode()

    bad = client.post(url("review-task-detail", task.pk), {"current_likelihood": 9, "current_impact": 1})
    assert bad.status_code == 400
    assert "current_likelihood" in bad.context["form"].errors
    response = client.post(
        url("review-task-detail", task.pk),
        {
            "current_likelihood": 2,
            "current_impact": 1,
            "target_likelihood": "",
            "target_impact": "",
            "comment": "ok",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("review-task-list")
    task.refresh_from_db()
    assert (task.status, task.comment) == (TaskStatus.DONE, "ok")
    assert RiskScenario.objects.get(pk=scenarios[0].pk).current_level == 1
    assert client.get(url("review-task-detail", task.pk)).context["form"] is None


@pytest.mark.parametrize(("persona", "sees"), [("auditor", True), ("colleague", False), ("outsider", False)])
def test_others_cannot_complete_a_review_from_the_web(
    client: Any,
    running: AssessmentCampaign,
    scenarios: list[RiskScenario],
    persona: str,
    sees: bool,
    request: Any,
) -> None:
    task = ReviewTask.objects.get(campaign=running, scenario=scenarios[0])
    client.force_login(request.getfixturevalue(persona))
    page = client.get(url("review-task-detail", task.pk))
    assert page.status_code == (200 if sees else 404)
    if sees:
        assert page.context["form"] is None
    response = client.post(url("review-task-detail", task.pk), {"current_likelihood": 1, "current_impact": 1})
    assert response.status_code == 404
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.PENDING


# Query counts ------------------------------------------------------------------------------


def count_queries(client: Any, address: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured)


def test_the_list_pages_cost_the_same_queries_for_few_and_many_rows(
    client: Any,
    organisation: Any,
    owner: Person,
    risk_owner: Person,
    make_scenario: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for number in range(2):
        make_scenario(f"Scenario {number}")
        make_campaign(organisation.beijing, by=owner, name=f"Draft {number}")
    first = campaign_services.start_campaign(make_campaign(organisation.beijing, by=owner), by=owner)
    client.force_login(risk_owner)
    client.get(url("review-task-list"))
    few_reviews = count_queries(client, url("review-task-list"))
    client.force_login(owner)
    few_campaigns = count_queries(client, url("campaign-list"))
    # The first page that names the campaign's type loads it into the content-type cache.
    client.get(url("campaign-detail", first.pk))
    few_detail = count_queries(client, url("campaign-detail", first.pk))

    for number in range(2, 14):
        make_scenario(f"Scenario {number}", unit=organisation.beijing_ops)
        make_campaign(organisation.beijing, by=owner, name=f"Draft {number}")
    second = campaign_services.start_campaign(make_campaign(organisation.beijing, by=owner), by=owner)
    with django_assert_max_num_queries(20):
        many_campaigns = count_queries(client, url("campaign-list"))
    many_detail = count_queries(client, url("campaign-detail", second.pk))
    client.force_login(risk_owner)
    with django_assert_max_num_queries(20):
        many_reviews = count_queries(client, url("review-task-list"))
    assert (many_campaigns, many_reviews, many_detail) == (few_campaigns, few_reviews, few_detail)


def test_an_owner_reviewing_in_a_campaign_organised_above_their_units_follows_the_notification_link(
    client: Any,
    api: Any,
    organisation: Any,
    make_person: Any,
    risk_owner: Person,
    scenarios: list[RiskScenario],
) -> None:
    group_officer = make_person("groupofficer", organisation.root, (Role.SECURITY_OFFICER, organisation.root))
    campaign = campaign_services.start_campaign(
        make_campaign(organisation.root, by=group_officer), by=group_officer
    )
    notice = Notification.objects.get(recipient=risk_owner, kind="risks.review-assigned")
    assert notice.link == f"{url('review-task-list')}?campaign={campaign.pk}"

    client.force_login(risk_owner)
    listed = client.get(notice.link)
    assert [row.object.scenario.title for row in listed.context["rows"]] == [
        "Power loss in hall A",
        "Cooling failure",
    ]
    assert client.get(url("campaign-detail", campaign.pk)).status_code == 404
    task = listed.context["rows"][0].object
    page = client.get(url("review-task-detail", task.pk))
    assert page.context["form"] is not None
    assert not page.context["may_see_campaign"]
    filtered = api.as_(risk_owner).get(f"/api/risks/review-tasks/?campaign={campaign.pk}")
    assert [row["id"] for row in filtered.json()["results"]] == [
        row.object.pk for row in listed.context["rows"]
    ]
