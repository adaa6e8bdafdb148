"""Keeping a case's obligations in step: re-grades supersede and create with their
history, the final report's clock, supplementary reports and waivers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from garrison.core.audit import history_of
from garrison.core.roles import Role
from garrison.incidents.models import (
    CustomReportingRule,
    Grade,
    IncidentStatus,
    ObligationStatus,
    OperatorKind,
)
from garrison.incidents.services import obligations as services
from garrison.incidents.services import profile as profile_services
from garrison.incidents.services import rules as rule_services
from tests.incidents.conftest import shanghai


def codes(incident: Any, status: str = ObligationStatus.PENDING) -> set[str]:
    return set(incident.obligations.filter(status=status).values_list("code", flat=True))


@pytest.fixture
def administrator(organisation: Any, make_person: Any) -> Any:
    return make_person("admin", organisation.root, (Role.ADMINISTRATOR, organisation.root))


def test_a_relatively_major_case_gets_its_initial_and_final_obligations(
    make_incident: Any, handler: Any
) -> None:
    incident = make_incident(proposed_grade=Grade.RELATIVELY_MAJOR)
    services.recompute_obligations(incident, by=handler)
    initial = incident.obligations.get(code="initial:provincial_cyberspace_administration")
    assert initial.due_at == shanghai(2026, 3, 2, 13, 0)
    assert initial.recipient == "Provincial cyberspace administration"
    assert initial.grade == Grade.RELATIVELY_MAJOR
    assert incident.obligations.get(code="final").due_at is None
    assert history_of(initial).filter(action="create").exists()


def test_recomputing_twice_changes_nothing(make_incident: Any, handler: Any) -> None:
    incident = make_incident(proposed_grade=Grade.RELATIVELY_MAJOR)
    services.recompute_obligations(incident, by=handler)
    before = [(row.pk, row.updated_at) for row in incident.obligations.order_by("pk")]
    services.recompute_obligations(incident, by=handler)
    assert [(row.pk, row.updated_at) for row in incident.obligations.order_by("pk")] == before


def test_a_downgrade_supersedes_with_the_reason_and_an_upgrade_brings_it_back(
    make_incident: Any, handler: Any
) -> None:
    incident = make_incident(proposed_grade=Grade.RELATIVELY_MAJOR)
    services.recompute_obligations(incident, by=handler)
    incident.grade = Grade.GENERAL
    incident.save()
    services.recompute_obligations(incident, by=handler)
    assert codes(incident) == set()
    initial = incident.obligations.get(code="initial:provincial_cyberspace_administration")
    assert initial.status == ObligationStatus.SUPERSEDED
    assert "General" in initial.status_reason
    incident.grade = Grade.MAJOR
    incident.save()
    services.recompute_obligations(incident, by=handler)
    initial.refresh_from_db()
    assert initial.status == ObligationStatus.PENDING
    assert initial.status_reason == ""
    assert initial.grade == Grade.MAJOR
    # The history shows the row created, superseded and required again.
    statuses = [event.changes.get("status") for event in history_of(initial).order_by("sequence")]
    assert statuses[1:] == [["pending", "superseded"], ["superseded", "pending"]]


def test_a_change_of_operator_profile_moves_the_recipient_and_deadline(
    make_incident: Any, handler: Any, administrator: Any
) -> None:
    incident = make_incident(proposed_grade=Grade.MAJOR)
    services.recompute_obligations(incident, by=handler)
    profile_services.update_profile(
        by=administrator, operator_kind=OperatorKind.CII_OPERATOR, public_security_body="Beijing PSB"
    )
    assert codes(incident) == {"initial:cii_protection_department", "initial:public_security", "final"}
    assert incident.obligations.get(code="initial:public_security").recipient == "Beijing PSB"
    assert incident.obligations.get(code="initial:public_security").due_at == shanghai(2026, 3, 2, 10, 0)
    assert codes(incident, ObligationStatus.SUPERSEDED) == {"initial:provincial_cyberspace_administration"}


def test_only_an_administrator_of_the_whole_organisation_changes_the_profile(
    handler: Any, owner: Any
) -> None:
    from django.core.exceptions import PermissionDenied

    for person in (handler, owner):
        with pytest.raises(PermissionDenied):
            profile_services.update_profile(by=person, operator_kind=OperatorKind.STATE_ORGAN)
    assert profile_services.get_profile().operator_kind == OperatorKind.OTHER_OPERATOR


def test_submitted_obligations_are_never_touched_by_a_regrade(make_incident: Any, handler: Any) -> None:
    incident = make_incident(proposed_grade=Grade.RELATIVELY_MAJOR)
    services.recompute_obligations(incident, by=handler)
    initial = incident.obligations.get(code="initial:provincial_cyberspace_administration")
    initial.status = ObligationStatus.SUBMITTED
    initial.satisfied_at = shanghai(2026, 3, 2, 12, 0)
    initial.save()
    incident.grade = Grade.GENERAL
    incident.save()
    services.recompute_obligations(incident, by=handler)
    initial.refresh_from_db()
    assert initial.status == ObligationStatus.SUBMITTED
    assert incident.obligations.filter(code=initial.code).count() == 1


def test_the_final_report_clock_starts_when_handling_ends(make_incident: Any, handler: Any) -> None:
    incident = make_incident(proposed_grade=Grade.MAJOR)
    services.recompute_obligations(incident, by=handler)
    incident.status = IncidentStatus.POST_INCIDENT_REVIEW
    incident.handling_ended_at = shanghai(2026, 3, 1, 16, 0)
    incident.save()
    services.recompute_obligations(incident, by=handler)
    assert incident.obligations.get(code="final").due_at == shanghai(2026, 3, 31, 16, 0)


def test_a_false_positive_supersedes_every_derived_obligation_but_not_a_supplementary_one(
    make_incident: Any, handler: Any
) -> None:
    incident = make_incident(proposed_grade=Grade.MAJOR, personal_information_breach=True)
    services.recompute_obligations(incident, by=handler)
    services.add_supplementary_obligation(
        incident, by=handler, recipient="Provincial CAC", due_at=shanghai(2026, 3, 4), content="Scope grew"
    )
    incident.status = IncidentStatus.FALSE_POSITIVE
    incident.save()
    services.recompute_obligations(incident, by=handler)
    assert codes(incident) == {"supplementary:1"}


def test_a_custom_rule_applies_to_open_cases_at_once(
    make_incident: Any, handler: Any, administrator: Any
) -> None:
    incident = make_incident(proposed_grade=Grade.MAJOR)
    services.recompute_obligations(incident, by=handler)
    rule = rule_services.create_rule(
        by=administrator,
        name="Telecom licence",
        recipient="Beijing Communications Administration",
        minimum_grade=Grade.RELATIVELY_MAJOR,
        deadline_hours=2,
    )
    obligation = incident.obligations.get(code=f"custom:{rule.pk}")
    assert obligation.due_at == shanghai(2026, 3, 2, 11, 0)
    rule_services.update_rule(rule, by=administrator, is_active=False)
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.SUPERSEDED
    assert CustomReportingRule.objects.count() == 1


def test_a_supplementary_obligation_needs_recipient_time_and_content(
    make_incident: Any, handler: Any
) -> None:
    incident = make_incident(proposed_grade=Grade.MAJOR)
    with pytest.raises(ValidationError) as error:
        services.add_supplementary_obligation(incident, by=handler, recipient=" ", due_at=None, content="")
    assert set(error.value.message_dict) == {"recipient", "due_at", "content"}
    assert not incident.obligations.exists()
    first = services.add_supplementary_obligation(
        incident, by=handler, recipient="CAC", due_at=shanghai(2026, 3, 3), content="New victims"
    )
    second = services.add_supplementary_obligation(
        incident, by=handler, recipient="CAC", due_at=shanghai(2026, 3, 4), content="Cause found"
    )
    assert (first.code, second.code) == ("supplementary:1", "supplementary:2")


def test_waiving_needs_a_reason_and_a_pending_obligation(make_incident: Any, handler: Any) -> None:
    incident = make_incident(proposed_grade=Grade.RELATIVELY_MAJOR)
    services.recompute_obligations(incident, by=handler)
    obligation = incident.obligations.get(code="final")
    with pytest.raises(ValidationError) as error:
        services.waive_obligation(obligation, by=handler, reason="  ")
    assert "reason" in error.value.message_dict
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.PENDING
    services.waive_obligation(obligation, by=handler, reason="Regulator says the initial report suffices")
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.WAIVED
    assert history_of(obligation).first().reason == "Regulator says the initial report suffices"
    with pytest.raises(ValidationError):
        services.waive_obligation(obligation, by=handler, reason="again")


def test_someone_outside_the_case_cannot_waive(make_incident: Any, handler: Any, outsider: Any) -> None:
    incident = make_incident(proposed_grade=Grade.RELATIVELY_MAJOR)
    services.recompute_obligations(incident, by=handler)
    with pytest.raises(Http404):
        services.waive_obligation(incident.obligations.get(code="final"), by=outsider, reason="no")


def test_obligations_due_lists_the_next_day_and_the_overdue_in_scope(
    make_incident: Any, handler: Any, outsider: Any, security_officer: Any
) -> None:
    soon = make_incident(proposed_grade=Grade.RELATIVELY_MAJOR, discovered_at=shanghai(2026, 3, 2, 9))
    late = make_incident(proposed_grade=Grade.RELATIVELY_MAJOR, discovered_at=shanghai(2026, 3, 1, 9))
    later = make_incident(proposed_grade=Grade.RELATIVELY_MAJOR, discovered_at=shanghai(2026, 3, 5, 9))
    for incident in (soon, late, later):
        services.recompute_obligations(incident, by=handler)
    now = shanghai(2026, 3, 2, 10)
    due = list(services.obligations_due(handler, now=now))
    assert [item.incident for item in due] == [late, soon]
    assert list(services.obligations_due(outsider, now=now)) == []
    assert len(services.obligations_due(security_officer, within=None, now=now)) == 3
    assert len(services.obligations_due(handler, within=dt.timedelta(days=7), now=now)) == 3
