"""The reporting-deadlines job: reminders, overdue notices, escalation, idempotence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from garrison.core.models import Notification
from garrison.core.roles import Role
from garrison.core.scheduling import RunStatus, run_job
from garrison.incidents import notifications_reporting as kinds
from garrison.incidents.models import EscalationStep, Grade, ObligationStatus
from garrison.incidents.services import obligations as obligation_services
from garrison.incidents.tasks_reporting import JOB_NAME, check_reporting_deadlines
from tests.incidents.conftest import shanghai


@pytest.fixture
def incident(make_incident: Any, handler: Any) -> Any:
    case = make_incident(proposed_grade=Grade.RELATIVELY_MAJOR)  # initial report due 13:00
    obligation_services.recompute_obligations(case, by=handler)
    return case


def told(person: Any, kind: str) -> int:
    return Notification.objects.filter(recipient=person, kind=kind).count()


def test_the_handler_is_reminded_an_hour_before_once(incident: Any, handler: Any) -> None:
    check_reporting_deadlines(shanghai(2026, 3, 2, 11, 55))
    assert told(handler, kinds.OBLIGATION_DUE_SOON.code) == 0
    check_reporting_deadlines(shanghai(2026, 3, 2, 12, 5))
    check_reporting_deadlines(shanghai(2026, 3, 2, 12, 10))
    assert told(handler, kinds.OBLIGATION_DUE_SOON.code) == 1


def test_an_overdue_obligation_notifies_the_handler_once_and_escalates_to_security_officers(
    incident: Any, handler: Any, security_officer: Any, make_person: Any, organisation: Any
) -> None:
    shanghai_officer = make_person(
        "shofficer", organisation.shanghai, (Role.SECURITY_OFFICER, organisation.shanghai)
    )
    check_reporting_deadlines(shanghai(2026, 3, 2, 13, 5))
    check_reporting_deadlines(shanghai(2026, 3, 2, 13, 10))
    assert told(handler, kinds.OBLIGATION_OVERDUE.code) == 1
    # The handler holds the role on Beijing, the officer on the Group: both above the case's unit.
    assert told(security_officer, kinds.OBLIGATION_ESCALATED.code) == 1
    assert told(handler, kinds.OBLIGATION_ESCALATED.code) == 1
    assert told(shanghai_officer, kinds.OBLIGATION_ESCALATED.code) == 0
    obligation = incident.obligations.get(code="initial:provincial_cyberspace_administration")
    assert obligation.overdue_notified_at == shanghai(2026, 3, 2, 13, 5)
    assert obligation.escalation_level == 1


def test_the_escalation_chain_is_followed_as_its_minutes_pass(
    incident: Any, handler: Any, make_person: Any, organisation: Any
) -> None:
    duty = make_person("duty", organisation.root)
    director = make_person("director", organisation.root)
    EscalationStep.objects.create(level=1, person=duty, after_minutes=0)
    EscalationStep.objects.create(level=2, person=director, after_minutes=60)
    EscalationStep.objects.create(level=3, person=director, after_minutes=0, is_active=False)
    check_reporting_deadlines(shanghai(2026, 3, 2, 13, 5))
    assert told(duty, kinds.OBLIGATION_ESCALATED.code) == 1
    assert told(director, kinds.OBLIGATION_ESCALATED.code) == 0
    check_reporting_deadlines(shanghai(2026, 3, 2, 14, 5))
    check_reporting_deadlines(shanghai(2026, 3, 2, 14, 10))
    assert told(director, kinds.OBLIGATION_ESCALATED.code) == 1
    assert told(duty, kinds.OBLIGATION_ESCALATED.code) == 1
    obligation = incident.obligations.get(code="initial:provincial_cyberspace_administration")
    assert obligation.escalation_level == 3


def test_a_submitted_obligation_is_left_alone(incident: Any, handler: Any) -> None:
    incident.obligations.update(status=ObligationStatus.SUBMITTED, satisfied_at=shanghai(2026, 3, 2, 12))
    check_reporting_deadlines(shanghai(2026, 3, 2, 13, 5))
    assert not Notification.objects.filter(kind__startswith="incidents.obligation-").exists()


def test_the_job_runs_once_per_five_minutes_through_the_scheduler(incident: Any, handler: Any) -> None:
    moment = shanghai(2026, 3, 2, 13, 6).astimezone(dt.UTC)
    first = run_job(JOB_NAME, now=moment)
    again = run_job(JOB_NAME, now=moment + dt.timedelta(minutes=1))
    assert first.status == RunStatus.SUCCEEDED
    assert "1 overdue notices" in first.detail
    assert again.status == RunStatus.SKIPPED
    later = run_job(JOB_NAME, now=moment + dt.timedelta(minutes=5))
    assert later.status == RunStatus.SUCCEEDED
    assert told(handler, kinds.OBLIGATION_OVERDUE.code) == 1
