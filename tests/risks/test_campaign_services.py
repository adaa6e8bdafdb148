"""Assessment campaigns through their services: scope, start, reviews, closing, changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from garrison.assets.models import AssetType
from garrison.core.models import AuditEvent, Notification, Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Role
from garrison.risks.models import (
    AssessmentCampaign,
    CampaignStatus,
    RatingSnapshot,
    ReviewTask,
    RiskScenario,
    ScenarioStatus,
    TaskStatus,
)
from garrison.risks.services import campaigns as campaign_services
from tests.risks.campaign_support import make_asset, make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_owner(organisation: Any, make_person: Any) -> Person:
    return make_person("opsowner", organisation.beijing_ops, Role.RISK_OWNER)


@pytest.fixture
def shanghai_owner(organisation: Any, make_person: Any) -> Person:
    return make_person("showner", organisation.shanghai, Role.RISK_OWNER)


@pytest.fixture
def register(
    organisation: Any, make_scenario: Any, risk_owner: Person, ops_owner: Person, shanghai_owner: Person
) -> dict[str, RiskScenario]:
    """Four scenarios: two in Beijing (one touching a critical server), one in Beijing
    Operations (touching a database), one in Shanghai, and a closed one in Beijing."""
    server = make_asset(organisation.beijing, risk_owner, AssetType.SERVER, is_critical_system=True)
    database = make_asset(organisation.beijing_ops, ops_owner, AssetType.DATA_SET)
    return {
        "hall": make_scenario("Power loss in hall A", assets=[server]),
        "cooling": make_scenario("Cooling failure", current=(2, 2)),
        "ops": make_scenario(
            "Database leak", unit=organisation.beijing_ops, owner=ops_owner, assets=[database]
        ),
        "shanghai": make_scenario("DDoS on the portal", unit=organisation.shanghai, owner=shanghai_owner),
        "closed": make_scenario("Retired tape library", status=ScenarioStatus.CLOSED),
    }


def titles(campaign: AssessmentCampaign) -> list[str]:
    return sorted(campaign_services.selected_scenarios(campaign).values_list("title", flat=True))


# Scope ---------------------------------------------------------------------------------------


def test_without_scope_units_it_selects_every_open_scenario_under_the_organising_unit(
    organisation: Any, register: dict[str, RiskScenario]
) -> None:
    assert titles(make_campaign(organisation.root)) == [
        "Cooling failure",
        "DDoS on the portal",
        "Database leak",
        "Power loss in hall A",
    ]
    assert titles(make_campaign(organisation.beijing)) == [
        "Cooling failure",
        "Database leak",
        "Power loss in hall A",
    ]


def test_scope_units_select_the_scenarios_under_any_of_them(
    organisation: Any, register: dict[str, RiskScenario]
) -> None:
    campaign = make_campaign(organisation.root, scope_units=[organisation.beijing_ops, organisation.shanghai])
    assert titles(campaign) == ["DDoS on the portal", "Database leak"]


def test_asset_types_keep_the_scenarios_touching_an_asset_of_those_types(
    organisation: Any, register: dict[str, RiskScenario]
) -> None:
    assert titles(make_campaign(organisation.root, scope_asset_types=[AssetType.SERVER])) == [
        "Power loss in hall A"
    ]
    both = make_campaign(organisation.root, scope_asset_types=[AssetType.SERVER, AssetType.DATA_SET])
    assert titles(both) == ["Database leak", "Power loss in hall A"]


def test_critical_systems_only_keeps_the_scenarios_touching_a_critical_information_system(
    organisation: Any, register: dict[str, RiskScenario]
) -> None:
    assert titles(make_campaign(organisation.root, critical_systems_only=True)) == ["Power loss in hall A"]
    combined = make_campaign(
        organisation.root, critical_systems_only=True, scope_asset_types=[AssetType.DATA_SET]
    )
    assert titles(combined) == []


# Drafting ------------------------------------------------------------------------------------


def test_creating_a_campaign_is_audited_with_its_scope_and_participants(
    organisation: Any, owner: Person, colleague: Person
) -> None:
    campaign = make_campaign(
        organisation.beijing,
        by=owner,
        scope_units=[organisation.beijing_ops],
        scope_asset_types=[AssetType.SERVER, AssetType.SERVER],
        participants=[colleague],
    )
    event = AuditEvent.objects.get(object_type="risks.assessmentcampaign", object_id=str(campaign.pk))
    assert event.action == AuditAction.CREATE
    assert event.actor == owner
    assert event.changes["scope_unit_names"] == [None, "Beijing Operations"]
    assert event.changes["participant_usernames"] == [None, "colleague"]
    assert campaign.scope_asset_types == ["server"]
    assert campaign.status == CampaignStatus.DRAFT


def test_bad_campaign_fields_are_all_named_and_nothing_is_written(organisation: Any, owner: Person) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        make_campaign(
            organisation.beijing,
            by=owner,
            starts_on=dt.date(2026, 3, 1),
            ends_on=dt.date(2026, 3, 1),
            scope_units=[organisation.shanghai],
            scope_asset_types=["spaceship"],
        )
    assert set(caught.value.message_dict) == {"ends_on", "scope_units", "scope_asset_types"}
    assert caught.value.message_dict["scope_units"] == [
        "Shanghai site lies outside the organising unit Beijing site."
    ]
    assert AssessmentCampaign.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_a_person_cannot_organise_a_campaign_outside_their_units(
    organisation: Any, outsider: Person, colleague: Person
) -> None:
    for person in (outsider, colleague):
        with pytest.raises(ValidationError) as caught:
            make_campaign(organisation.beijing, by=person)
        assert caught.value.message_dict == {"unit": ["Unit not found."]}
    assert AssessmentCampaign.objects.count() == 0


def test_a_running_campaign_changes_only_its_name_description_end_and_participants(
    organisation: Any, owner: Person, register: dict[str, RiskScenario]
) -> None:
    campaign = make_campaign(organisation.beijing, by=owner)
    campaign_services.start_campaign(campaign, by=owner)
    campaign_services.update_campaign(campaign, by=owner, name="Renamed", ends_on=dt.date(2026, 3, 31))
    with pytest.raises(ValidationError) as caught:
        campaign_services.update_campaign(
            campaign, by=owner, scope_units=[organisation.beijing_ops], critical_systems_only=True
        )
    assert set(caught.value.message_dict) == {"scope_units", "critical_systems_only"}
    campaign.refresh_from_db()
    assert (campaign.name, campaign.ends_on, campaign.critical_systems_only) == (
        "Renamed",
        dt.date(2026, 3, 31),
        False,
    )
    assert list(campaign.scope_units.all()) == []


def test_a_closed_campaign_no_longer_changes_and_only_drafts_are_deleted(
    organisation: Any, owner: Person, register: dict[str, RiskScenario]
) -> None:
    campaign = make_campaign(organisation.beijing, by=owner)
    campaign_services.start_campaign(campaign, by=owner)
    with pytest.raises(ValidationError):
        campaign_services.delete_campaign(campaign, by=owner)
    campaign_services.close_campaign(campaign, by=owner)
    with pytest.raises(ValidationError) as caught:
        campaign_services.update_campaign(campaign, by=owner, name="Too late")
    assert caught.value.messages == ["A closed campaign can no longer change."]
    assert AssessmentCampaign.objects.get(pk=campaign.pk).name == "Annual risk review"


def test_deleting_a_draft_is_audited(organisation: Any, owner: Person) -> None:
    campaign = make_campaign(organisation.beijing, by=owner)
    campaign_services.delete_campaign(campaign, by=owner, reason="Entered twice")
    assert not AssessmentCampaign.objects.exists()
    event = AuditEvent.objects.filter(object_type="risks.assessmentcampaign").latest("sequence")
    assert (event.action, event.reason) == (AuditAction.DELETE, "Entered twice")


# Starting ------------------------------------------------------------------------------------


def test_starting_creates_one_task_per_scenario_for_its_owner_and_tells_each_owner_once(
    organisation: Any,
    owner: Person,
    colleague: Person,
    risk_owner: Person,
    ops_owner: Person,
    register: dict[str, RiskScenario],
) -> None:
    campaign = make_campaign(organisation.beijing, by=owner, participants=[colleague])
    campaign_services.start_campaign(campaign, by=owner)

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING
    assert campaign.started_at is not None
    tasks = ReviewTask.objects.filter(campaign=campaign)
    assert sorted((task.scenario.title, task.assignee.username, task.status) for task in tasks) == [
        ("Cooling failure", "riskowner", TaskStatus.PENDING),
        ("Database leak", "opsowner", TaskStatus.PENDING),
        ("Power loss in hall A", "riskowner", TaskStatus.PENDING),
    ]
    notices = Notification.objects.filter(kind="risks.review-assigned").order_by("recipient__username")
    assert [(notice.recipient.username, notice.title) for notice in notices] == [
        ("opsowner", "Review 1 risk scenario in “Annual risk review”"),
        ("riskowner", "Review 2 risk scenarios in “Annual risk review”"),
    ]
    assert sorted(campaign.participants.values_list("username", flat=True)) == [
        "colleague",
        "opsowner",
        "riskowner",
    ]
    task_events = AuditEvent.objects.filter(object_type="risks.reviewtask", action=AuditAction.CREATE)
    assert task_events.count() == 3
    assert set(task_events.values_list("scope_path", flat=True)) == {
        organisation.beijing.path,
        organisation.beijing_ops.path,
    }
    transition = AuditEvent.objects.get(object_type="risks.assessmentcampaign", action=AuditAction.TRANSITION)
    assert transition.changes == {"status": ["draft", "running"], "transition": "start"}


def test_a_campaign_starts_once(organisation: Any, owner: Person, register: dict[str, RiskScenario]) -> None:
    campaign = make_campaign(organisation.beijing, by=owner)
    campaign_services.start_campaign(campaign, by=owner)
    with pytest.raises(ValidationError):
        campaign_services.start_campaign(AssessmentCampaign.objects.get(pk=campaign.pk), by=owner)
    assert ReviewTask.objects.count() == 3
    assert Notification.objects.filter(kind="risks.review-assigned").count() == 2


def test_a_campaign_with_nothing_in_scope_does_not_start(organisation: Any, owner: Person) -> None:
    campaign = make_campaign(organisation.beijing, by=owner)
    with pytest.raises(ValidationError) as caught:
        campaign_services.start_campaign(campaign, by=owner)
    assert caught.value.messages == [
        "Nothing to review: no open risk scenario lies in this campaign's scope."
    ]
    assert AssessmentCampaign.objects.get(pk=campaign.pk).status == CampaignStatus.DRAFT


@pytest.mark.parametrize("persona", ["colleague", "outsider", "auditor"])
def test_only_someone_who_may_change_the_campaign_starts_it(
    organisation: Any, owner: Person, register: dict[str, RiskScenario], persona: str, request: Any
) -> None:
    campaign = make_campaign(organisation.beijing, by=owner)
    person = request.getfixturevalue(persona)
    events = AuditEvent.objects.count()
    with pytest.raises(Http404):
        campaign_services.start_campaign(campaign, by=person)
    assert AssessmentCampaign.objects.get(pk=campaign.pk).status == CampaignStatus.DRAFT
    assert not ReviewTask.objects.exists()
    assert AuditEvent.objects.count() == events


# Reviewing -----------------------------------------------------------------------------------


@pytest.fixture
def running(organisation: Any, owner: Person, register: dict[str, RiskScenario]) -> AssessmentCampaign:
    campaign = make_campaign(organisation.beijing, by=owner)
    return campaign_services.start_campaign(campaign, by=owner)


def task_for(campaign: AssessmentCampaign, scenario: RiskScenario) -> ReviewTask:
    return ReviewTask.objects.get(campaign=campaign, scenario=scenario)


def test_the_assignee_re_rates_the_scenario_through_the_register_with_audit(
    running: AssessmentCampaign, risk_owner: Person, register: dict[str, RiskScenario]
) -> None:
    task = task_for(running, register["hall"])
    campaign_services.complete_review(
        task,
        by=risk_owner,
        current_likelihood=2,
        current_impact=2,
        target_likelihood=1,
        target_impact=2,
        comment="New UPS installed",
    )
    scenario = RiskScenario.objects.get(pk=register["hall"].pk)
    assert (scenario.current_likelihood, scenario.current_impact, scenario.current_level) == (2, 2, 1)
    assert (scenario.target_likelihood, scenario.target_impact, scenario.target_level) == (1, 2, 1)
    assert scenario.last_reviewed_at is not None
    task.refresh_from_db()
    assert (task.status, task.comment) == (TaskStatus.DONE, "New UPS installed")
    assert task.completed_at is not None
    event = AuditEvent.objects.filter(object_type="risks.riskscenario", object_id=str(scenario.pk)).latest(
        "sequence"
    )
    assert event.actor == risk_owner
    assert event.reason == "Review in campaign “Annual risk review”: New UPS installed"
    assert event.changes["current_level"] == [2, 1]
    assert event.changes["current_likelihood"] == [3, 2]


def test_targets_left_out_are_kept_and_a_scenario_waiting_for_review_opens_again(
    running: AssessmentCampaign, risk_owner: Person, register: dict[str, RiskScenario]
) -> None:
    scenario = register["cooling"]
    RiskScenario.objects.filter(pk=scenario.pk).update(
        status=ScenarioStatus.NEEDS_REVIEW, target_likelihood=1, target_impact=1, target_level=1
    )
    campaign_services.complete_review(
        task_for(running, scenario), by=risk_owner, current_likelihood=2, current_impact=3
    )
    scenario.refresh_from_db()
    assert (scenario.target_likelihood, scenario.target_impact) == (1, 1)
    assert scenario.status == ScenarioStatus.OPEN
    assert scenario.current_level == 2


def test_someone_who_may_change_the_scenario_completes_a_review_assigned_to_another(
    running: AssessmentCampaign, owner: Person, register: dict[str, RiskScenario]
) -> None:
    task = campaign_services.complete_review(
        task_for(running, register["hall"]), by=owner, current_likelihood=1, current_impact=1
    )
    assert task.status == TaskStatus.DONE
    assert RiskScenario.objects.get(pk=register["hall"].pk).current_level == 1


@pytest.mark.parametrize("persona", ["colleague", "outsider", "auditor", "opsowner"])
def test_a_person_neither_assignee_nor_allowed_to_change_the_scenario_gets_404(
    running: AssessmentCampaign, register: dict[str, RiskScenario], persona: str, request: Any
) -> None:
    person = (
        Person.objects.get(username="opsowner") if persona == "opsowner" else request.getfixturevalue(persona)
    )
    task = task_for(running, register["hall"])
    events = AuditEvent.objects.count()
    with pytest.raises(Http404):
        campaign_services.complete_review(task, by=person, current_likelihood=1, current_impact=1)
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.PENDING
    assert RiskScenario.objects.get(pk=register["hall"].pk).current_level == 2
    assert AuditEvent.objects.count() == events


def test_a_rating_outside_the_matrix_names_the_field_and_writes_nothing(
    running: AssessmentCampaign, risk_owner: Person, register: dict[str, RiskScenario]
) -> None:
    task = task_for(running, register["hall"])
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        campaign_services.complete_review(task, by=risk_owner, current_likelihood=6, current_impact=2)
    assert set(caught.value.message_dict) == {"current_likelihood"}
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.PENDING
    scenario = RiskScenario.objects.get(pk=register["hall"].pk)
    assert (scenario.current_likelihood, scenario.last_reviewed_at) == (3, None)
    assert AuditEvent.objects.count() == events


def test_a_review_is_done_once_and_not_after_closing(
    running: AssessmentCampaign, owner: Person, risk_owner: Person, register: dict[str, RiskScenario]
) -> None:
    done = task_for(running, register["hall"])
    campaign_services.complete_review(done, by=risk_owner, current_likelihood=2, current_impact=2)
    with pytest.raises(ValidationError) as again:
        campaign_services.complete_review(done, by=risk_owner, current_likelihood=1, current_impact=1)
    assert again.value.messages == ["This review is already done."]
    campaign_services.close_campaign(running, by=owner)
    with pytest.raises(ValidationError) as closed:
        campaign_services.complete_review(
            task_for(running, register["cooling"]), by=risk_owner, current_likelihood=1, current_impact=1
        )
    assert closed.value.messages == ["The campaign is not running; reviews are closed."]


# Closing -------------------------------------------------------------------------------------


def test_closing_snapshots_every_reviewed_scenario_exactly_and_reports_pending_reviews(
    running: AssessmentCampaign, owner: Person, risk_owner: Person, register: dict[str, RiskScenario]
) -> None:
    campaign_services.complete_review(
        task_for(running, register["hall"]), by=risk_owner, current_likelihood=2, current_impact=4
    )
    closure = campaign_services.close_campaign(running, by=owner)

    assert (closure.snapshot_count, closure.pending_count) == (3, 2)
    running.refresh_from_db()
    assert running.status == CampaignStatus.CLOSED
    assert running.closed_at is not None
    snapshots = RatingSnapshot.objects.filter(campaign=running).select_related("scenario")
    assert sorted(
        (
            snapshot.scenario.title,
            snapshot.inherent_likelihood,
            snapshot.inherent_impact,
            snapshot.inherent_level,
            snapshot.current_likelihood,
            snapshot.current_impact,
            snapshot.current_level,
            snapshot.target_level,
            snapshot.treatment,
        )
        for snapshot in snapshots
    ) == [
        ("Cooling failure", 4, 4, 3, 2, 2, 1, None, "untreated"),
        ("Database leak", 4, 4, 3, 3, 3, 2, None, "untreated"),
        ("Power loss in hall A", 4, 4, 3, 2, 4, 2, None, "untreated"),
    ]
    assert ReviewTask.objects.filter(campaign=running, status=TaskStatus.PENDING).count() == 2
    closing = AuditEvent.objects.get(
        object_type="risks.assessmentcampaign", action=AuditAction.TRANSITION, changes__transition="close"
    )
    assert closing.reason == "2 reviews were still pending."
    assert (
        AuditEvent.objects.filter(object_type="risks.ratingsnapshot", action=AuditAction.CREATE).count() == 3
    )


def test_a_snapshot_keeps_the_rating_after_the_scenario_changes_again(
    running: AssessmentCampaign, owner: Person, register: dict[str, RiskScenario]
) -> None:
    campaign_services.close_campaign(running, by=owner)
    RiskScenario.objects.filter(pk=register["hall"].pk).update(current_likelihood=5, current_level=4)
    snapshot = RatingSnapshot.objects.get(campaign=running, scenario=register["hall"])
    assert (snapshot.current_likelihood, snapshot.current_level) == (3, 2)


def test_progress_counts_done_and_pending_reviews_by_unit(
    running: AssessmentCampaign, organisation: Any, risk_owner: Person, register: dict[str, RiskScenario]
) -> None:
    campaign_services.complete_review(
        task_for(running, register["hall"]), by=risk_owner, current_likelihood=2, current_impact=2
    )
    from garrison.risks.services.campaign_reports import campaign_progress

    progress = campaign_progress(running)
    assert (progress.done, progress.pending, progress.total, progress.percent, progress.percent_step) == (
        1,
        2,
        3,
        33,
        30,
    )
    assert [(unit.unit_name, unit.done, unit.pending) for unit in progress.by_unit] == [
        ("Beijing Operations", 0, 1),
        ("Beijing site", 1, 1),
    ]
