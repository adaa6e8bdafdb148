"""The risk register's daily jobs: overdue treatment actions, expiring and expired
acceptances, and the recurring campaigns the scheduler opens."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from garrison.core.models import AuditEvent, JobRun, Notification, Person
from garrison.core.scheduling import RunStatus, run_job
from garrison.risks.models import (
    AcceptanceStatus,
    AssessmentCampaign,
    CampaignStatus,
    RiskAcceptance,
    RiskScenario,
    ScenarioStatus,
    Treatment,
)
from garrison.risks.services import campaigns as campaign_services
from garrison.risks.services.acceptance import approve_acceptance, request_acceptance
from garrison.risks.services.treatment import add_treatment_action, complete_treatment_action
from garrison.risks.tasks import send_daily_reminders
from tests.risks.campaign_support import make_campaign

pytestmark = pytest.mark.django_db

DAILY = "risks.daily-reminders"
RECURRING = "risks.recurring-campaigns"


def morning(day: dt.date) -> dt.datetime:
    """The job's scheduled time on `day`: 00:30 UTC, 08:30 in Shanghai, the same date."""
    return dt.datetime.combine(day, dt.time(0, 30), tzinfo=dt.UTC)


def kinds_for(person: Person, kind: str) -> list[str]:
    return list(
        Notification.objects.filter(recipient=person, kind=kind)
        .order_by("pk")
        .values_list("title", flat=True)
    )


# Overdue treatment actions -------------------------------------------------------------------


@pytest.fixture
def overdue_setup(make_scenario: Any, risk_owner: Person, owner: Person) -> tuple[Any, Any]:
    scenario = make_scenario()
    due = dt.date(2026, 3, 10)
    action = add_treatment_action(
        scenario, by=None, title="Replace UPS batteries", owner=risk_owner, due_on=due
    )
    add_treatment_action(
        scenario, by=None, title="Test the generator", owner=owner, due_on=due + dt.timedelta(1)
    )
    return action, due


def test_an_overdue_action_owner_is_told_once_a_day_even_when_the_job_runs_twice(
    overdue_setup: tuple[Any, Any], risk_owner: Person, owner: Person
) -> None:
    action, due = overdue_setup
    on_due_date = run_job(DAILY, now=morning(due))
    assert on_due_date.status is RunStatus.SUCCEEDED
    assert kinds_for(risk_owner, "risks.treatment-overdue") == []

    day_after = due + dt.timedelta(days=1)
    first = run_job(DAILY, now=morning(day_after))
    second = run_job(DAILY, now=morning(day_after) + dt.timedelta(hours=5))
    send_daily_reminders(morning(day_after))  # a forced re-run inside the same day
    assert first.status is RunStatus.SUCCEEDED
    assert first.detail.startswith("1 reminders for 1 overdue treatment actions;")
    assert second.status is RunStatus.SKIPPED
    assert kinds_for(risk_owner, "risks.treatment-overdue") == [
        "Treatment action overdue by 1 day: Replace UPS batteries"
    ]
    assert kinds_for(owner, "risks.treatment-overdue") == []

    run_job(DAILY, now=morning(due + dt.timedelta(days=2)))
    assert kinds_for(risk_owner, "risks.treatment-overdue") == [
        "Treatment action overdue by 1 day: Replace UPS batteries",
        "Treatment action overdue by 2 days: Replace UPS batteries",
    ]
    assert kinds_for(owner, "risks.treatment-overdue") == [
        "Treatment action overdue by 1 day: Test the generator"
    ]
    notice = Notification.objects.filter(recipient=risk_owner, kind="risks.treatment-overdue").first()
    assert notice is not None
    assert (notice.object_type, notice.object_id) == ("risks.treatmentaction", str(action.pk))


def test_a_completed_action_is_no_longer_overdue(overdue_setup: tuple[Any, Any], risk_owner: Person) -> None:
    action, due = overdue_setup
    complete_treatment_action(action, by=None, completed_on=due)
    outcome = run_job(DAILY, now=morning(due + dt.timedelta(days=3)))
    assert outcome.detail.startswith("1 reminders for 1 overdue treatment actions;")
    assert kinds_for(risk_owner, "risks.treatment-overdue") == []


# Acceptances ---------------------------------------------------------------------------------


@pytest.fixture
def accepted(make_scenario: Any, risk_owner: Person, owner: Person) -> RiskAcceptance:
    """An approved acceptance expiring 40 days from today."""
    scenario = make_scenario()
    acceptance = request_acceptance(
        scenario,
        by=risk_owner,
        justification="The hall is decommissioned next quarter.",
        expires_on=timezone.localdate() + dt.timedelta(days=40),
    )
    return approve_acceptance(acceptance, by=owner)


def test_the_scenario_owner_is_reminded_exactly_30_7_and_1_days_before_expiry(
    accepted: RiskAcceptance, risk_owner: Person
) -> None:
    expiry = accepted.expires_on
    reminded_on = []
    for days_left in range(40, 0, -1):
        before = Notification.objects.filter(kind="risks.acceptance-expiring").count()
        run_job(DAILY, now=morning(expiry - dt.timedelta(days=days_left)))
        if Notification.objects.filter(kind="risks.acceptance-expiring").count() > before:
            reminded_on.append(days_left)
    assert reminded_on == [30, 7, 1]
    title = f"Risk acceptance expires in 7 days: {accepted.scenario}"
    assert title in kinds_for(risk_owner, "risks.acceptance-expiring")
    assert RiskAcceptance.objects.get(pk=accepted.pk).status == AcceptanceStatus.APPROVED


def test_an_expiry_reminder_is_sent_once_per_threshold(accepted: RiskAcceptance, risk_owner: Person) -> None:
    seven_days_before = morning(accepted.expires_on - dt.timedelta(days=7))
    send_daily_reminders(seven_days_before)
    send_daily_reminders(seven_days_before)
    assert len(kinds_for(risk_owner, "risks.acceptance-expiring")) == 1


def test_once_expired_the_scenario_returns_to_review_and_its_owner_is_told(
    accepted: RiskAcceptance, risk_owner: Person
) -> None:
    scenario = RiskScenario.objects.get(pk=accepted.scenario_id)
    assert scenario.treatment == Treatment.ACCEPT
    on_expiry_day = run_job(DAILY, now=morning(accepted.expires_on))
    assert on_expiry_day.detail.endswith("; 0 acceptances expired")
    outcome = run_job(DAILY, now=morning(accepted.expires_on + dt.timedelta(days=1)))
    assert outcome.detail.endswith("; 1 acceptances expired")
    assert RiskAcceptance.objects.get(pk=accepted.pk).status == AcceptanceStatus.EXPIRED
    scenario.refresh_from_db()
    assert (scenario.status, scenario.treatment) == (ScenarioStatus.NEEDS_REVIEW, Treatment.UNTREATED)
    assert len(kinds_for(risk_owner, "risks.acceptance-expired")) == 1


def test_the_daily_job_runs_from_the_command_line(accepted: RiskAcceptance) -> None:
    out = StringIO()
    day = accepted.expires_on - dt.timedelta(days=30)
    call_command("run_job", DAILY, "--at", morning(day).isoformat(), stdout=out)
    assert out.getvalue().strip() == (
        f"{DAILY} [{day.isoformat()}] succeeded: 0 reminders for 0 overdue treatment actions; "
        "1 reminders for 1 acceptances expiring in 30/7/1 days; 0 acceptances expired"
    )
    assert JobRun.objects.get(job_name=DAILY).period_key == day.isoformat()


# Recurring campaigns -------------------------------------------------------------------------


@pytest.fixture
def quarterly(organisation: Any, owner: Person, colleague: Person, make_scenario: Any) -> AssessmentCampaign:
    make_scenario("Power loss in hall A")
    make_scenario("Cooling failure", unit=organisation.beijing_ops)
    campaign = make_campaign(
        organisation.beijing,
        by=owner,
        name="Quarterly risk review",
        starts_on=dt.date(2026, 1, 5),
        ends_on=dt.date(2026, 2, 27),
        scope_units=[organisation.beijing_ops, organisation.beijing],
        participants=[colleague],
        recurrence="quarterly",
    )
    return campaign_services.start_campaign(campaign, by=owner)


def test_the_next_round_opens_once_when_its_period_has_come(
    quarterly: AssessmentCampaign, organisation: Any, risk_owner: Person
) -> None:
    early = run_job(RECURRING, now=morning(dt.date(2026, 4, 4)))
    assert early.detail == "0 rounds opened, 0 started"
    outcome = run_job(RECURRING, now=morning(dt.date(2026, 4, 5)))
    assert outcome.detail == "1 rounds opened, 1 started"
    campaign_services.open_due_rounds(dt.date(2026, 4, 5))
    run_job(RECURRING, now=morning(dt.date(2026, 4, 6)))

    rounds = AssessmentCampaign.objects.exclude(pk=quarterly.pk)
    assert rounds.count() == 1
    next_round = rounds.get()
    assert next_round.previous == quarterly
    assert (next_round.name, next_round.starts_on, next_round.ends_on) == (
        "Quarterly risk review (2026-04-05)",
        dt.date(2026, 4, 5),
        dt.date(2026, 5, 27),
    )
    assert (next_round.status, next_round.recurrence) == (CampaignStatus.RUNNING, "quarterly")
    assert sorted(next_round.scope_units.values_list("code", flat=True)) == ["bj", "bj-ops"]
    assert sorted(next_round.participants.values_list("username", flat=True)) == ["colleague", "riskowner"]
    assert next_round.tasks.count() == 2
    created = AuditEvent.objects.get(
        object_type="risks.assessmentcampaign", object_id=str(next_round.pk), action="create"
    )
    assert created.actor_label == "system"
    assert Notification.objects.filter(recipient=risk_owner, kind="risks.review-assigned").count() == 2


def test_the_round_after_that_follows_the_new_round(quarterly: AssessmentCampaign) -> None:
    run_job(RECURRING, now=morning(dt.date(2026, 4, 5)))
    run_job(RECURRING, now=morning(dt.date(2026, 7, 5)))
    names = list(AssessmentCampaign.objects.order_by("starts_on").values_list("name", flat=True))
    assert names == [
        "Quarterly risk review",
        "Quarterly risk review (2026-04-05)",
        "Quarterly risk review (2026-07-05)",
    ]


def test_a_missed_period_opens_the_current_round_not_stale_ones(
    organisation: Any, owner: Person, make_scenario: Any
) -> None:
    make_scenario()
    campaign = make_campaign(
        organisation.beijing,
        by=owner,
        name="Yearly review",
        starts_on=dt.date(2023, 1, 10),
        ends_on=dt.date(2023, 3, 31),
        recurrence="yearly",
    )
    campaign_services.start_campaign(campaign, by=owner)
    campaign_services.close_campaign(campaign, by=owner)
    opened = campaign_services.open_due_rounds(dt.date(2026, 3, 1))
    assert [(item.campaign.starts_on, item.campaign.ends_on, item.started) for item in opened] == [
        (dt.date(2026, 1, 10), dt.date(2026, 3, 31), True)
    ]


def test_drafts_and_one_off_campaigns_never_recur(
    organisation: Any, owner: Person, make_scenario: Any
) -> None:
    make_scenario()
    make_campaign(organisation.beijing, by=owner, name="Draft", recurrence="yearly")
    once = make_campaign(organisation.beijing, by=owner, name="Once")
    campaign_services.start_campaign(once, by=owner)
    assert campaign_services.open_due_rounds(dt.date(2030, 1, 1)) == []
    assert AssessmentCampaign.objects.count() == 2


def test_a_round_with_nothing_in_scope_stays_a_draft_and_is_reported(
    quarterly: AssessmentCampaign, organisation: Any
) -> None:
    RiskScenario.objects.update(status=ScenarioStatus.CLOSED)
    outcome = run_job(RECURRING, now=morning(dt.date(2026, 4, 5)))
    assert outcome.detail == (
        "1 rounds opened, 0 started\n"
        "Quarterly risk review (2026-04-05) left as a draft: "
        "Nothing to review: no open risk scenario lies in this campaign's scope."
    )
    assert AssessmentCampaign.objects.get(previous=quarterly).status == CampaignStatus.DRAFT
    assert run_job(RECURRING, now=morning(dt.date(2026, 4, 6))).detail == "0 rounds opened, 0 started"


def test_both_jobs_are_registered_daily() -> None:
    out = StringIO()
    call_command("run_job", "--list", stdout=out)
    lines = {line.split("\t")[0]: line.split("\t") for line in out.getvalue().splitlines()}
    assert lines[DAILY][1:3] == ["30 0 * * *", "daily"]
    assert lines[RECURRING][1:3] == ["45 0 * * *", "daily"]
