"""Audits, findings and corrective actions through their services: the workflow rules,
verification both ways, refusals, scoping and the nonconformity of a failed test."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from garrison.compliance.models import (
    Audit,
    AuditStatus,
    CorrectiveActionStatus,
    Finding,
    FindingKind,
    FindingStatus,
)
from garrison.compliance.services import audits as services
from garrison.core.audit import history_of
from garrison.core.models import Notification
from tests.compliance import audits_support
from tests.compliance.audits_support import TODAY, failed_test, plan, raise_, reload

pytestmark = pytest.mark.django_db

# The fixtures shared by the audit tests.
audit = audits_support.audit
manager = audits_support.manager
officer = audits_support.officer


def test_it_numbers_audits_and_records_their_creation(organisation: Any, manager: Any) -> None:
    created = services.create_audit(
        by=manager, title="Audit", unit=organisation.beijing, lead=manager, starts_on=TODAY()
    )
    assert created.reference == f"AUD-{created.pk:06d}"
    assert created.status == AuditStatus.PLANNED
    [event] = history_of(created)
    assert event.action == "create"
    # The event records the reference the audit is known by, not the first save's placeholder.
    assert event.changes["reference"] == [None, created.reference]


def test_it_refuses_an_audit_ending_before_it_starts(organisation: Any, manager: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.create_audit(
            by=manager,
            title="Audit",
            unit=organisation.beijing,
            lead=manager,
            starts_on=TODAY(),
            ends_on=TODAY() - dt.timedelta(days=1),
        )
    assert "ends_on" in error.value.message_dict
    assert not Audit.objects.exists()


def test_it_refuses_an_audit_in_a_unit_out_of_reach(organisation: Any, manager: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.create_audit(
            by=manager, title="Audit", unit=organisation.shanghai, lead=manager, starts_on=TODAY()
        )
    assert error.value.message_dict == {"unit": ["Unit not found."]}
    assert not Audit.objects.exists()


def test_findings_are_numbered_and_their_owner_told(audit: Any, manager: Any, colleague: Any) -> None:
    finding = raise_(audit, manager, colleague)
    assert finding.reference == f"NC-{finding.pk:06d}"
    assert history_of(finding).get(action="create").changes["reference"] == [None, finding.reference]
    assert finding.unit_id == audit.unit_id
    assert finding.status == FindingStatus.OPEN
    assert Notification.objects.filter(recipient=colleague, kind="compliance.finding-assigned").count() == 1


def test_findings_are_refused_on_a_planned_audit(organisation: Any, manager: Any, colleague: Any) -> None:
    planned = services.create_audit(
        by=manager, title="Later", unit=organisation.beijing, lead=manager, starts_on=TODAY()
    )
    with pytest.raises(ValidationError, match="in progress or reporting"):
        raise_(planned, manager, colleague)
    assert not Finding.objects.exists()


def test_an_outsider_cannot_raise_a_finding(audit: Any, outsider: Any, colleague: Any) -> None:
    with pytest.raises(Http404):
        raise_(audit, outsider, colleague)
    assert not Finding.objects.exists()


def test_the_first_action_plans_the_finding_and_the_last_done_sends_it_to_verification(
    audit: Any, manager: Any, colleague: Any
) -> None:
    finding = raise_(audit, manager, colleague)
    first = plan(finding, manager, colleague)
    second = plan(finding, manager, colleague, title="Second")
    assert reload(finding).status == FindingStatus.ACTION_PLANNED
    services.complete_corrective_action(first, by=colleague)
    assert reload(finding).status == FindingStatus.ACTION_PLANNED
    services.cancel_corrective_action(second, by=manager, reason="Not needed after all")
    assert reload(finding).status == FindingStatus.VERIFYING
    assert reload(first).completed_on == TODAY()
    # The lead (the manager) cancelled the last action himself, so nobody else is told... but
    # the lead is the verifier and acted, so no notification is sent to him.
    assert not Notification.objects.filter(kind="compliance.finding-to-verify").exists()


def test_the_audit_lead_is_told_when_a_finding_waits_for_verification(
    audit: Any, manager: Any, colleague: Any, django_capture_on_commit_callbacks: Any
) -> None:
    finding = raise_(audit, manager, colleague)
    action = plan(finding, manager, colleague)
    with django_capture_on_commit_callbacks(execute=True):
        services.complete_corrective_action(action, by=colleague)
    told = Notification.objects.get(kind="compliance.finding-to-verify")
    assert told.recipient == manager
    assert finding.reference in told.title


def test_cancelling_every_action_sends_the_finding_back_to_open(
    audit: Any, manager: Any, colleague: Any
) -> None:
    finding = raise_(audit, manager, colleague)
    action = plan(finding, manager, colleague)
    services.cancel_corrective_action(action, by=manager, reason="Wrong finding")
    assert reload(finding).status == FindingStatus.OPEN


def test_cancelling_needs_a_reason(audit: Any, manager: Any, colleague: Any) -> None:
    action = plan(raise_(audit, manager, colleague), manager, colleague)
    with pytest.raises(ValidationError) as error:
        services.cancel_corrective_action(action, by=manager, reason=" ")
    assert "reason" in error.value.message_dict
    assert reload(action).status == CorrectiveActionStatus.PLANNED


def test_a_done_action_stays_done(audit: Any, manager: Any, colleague: Any) -> None:
    action = plan(raise_(audit, manager, colleague), manager, colleague)
    services.complete_corrective_action(action, by=manager)
    with pytest.raises(ValidationError, match="stays so"):
        services.update_corrective_action(reload(action), by=manager, title="Changed")
    assert reload(action).title == "Fix it"


def test_effective_verification_closes_the_finding(audit: Any, manager: Any, colleague: Any) -> None:
    finding = raise_(audit, manager, colleague)
    services.complete_corrective_action(plan(finding, manager, colleague), by=colleague)
    services.verify_finding(reload(finding), by=manager, effective=True, notes="Checked two later reviews.")
    finding = reload(finding)
    assert finding.status == FindingStatus.CLOSED
    assert (finding.is_effective, finding.verified_by, finding.verified_on) == (True, manager, TODAY())
    assert finding.verification_notes == "Checked two later reviews."


def test_ineffective_verification_reopens_the_finding_and_tells_the_owner(
    audit: Any, manager: Any, colleague: Any, django_capture_on_commit_callbacks: Any
) -> None:
    finding = raise_(audit, manager, colleague)
    services.complete_corrective_action(plan(finding, manager, colleague), by=colleague)
    with django_capture_on_commit_callbacks(execute=True):
        services.verify_finding(reload(finding), by=manager, effective=False, notes="Still no reviews.")
    finding = reload(finding)
    assert finding.status == FindingStatus.OPEN
    assert finding.is_effective is False
    reopened = Notification.objects.get(kind="compliance.finding-reopened")
    assert (reopened.recipient, reopened.body) == (colleague, "Still no reviews.")
    # A new action plans it again.
    plan(finding, manager, colleague, title="Second try")
    assert reload(finding).status == FindingStatus.ACTION_PLANNED


def test_ineffective_verification_needs_notes(audit: Any, manager: Any, colleague: Any) -> None:
    finding = raise_(audit, manager, colleague)
    services.complete_corrective_action(plan(finding, manager, colleague), by=colleague)
    with pytest.raises(ValidationError) as error:
        services.verify_finding(reload(finding), by=manager, effective=False, notes="")
    assert "notes" in error.value.message_dict
    assert reload(finding).status == FindingStatus.VERIFYING


def test_the_owner_cannot_verify_their_own_finding(audit: Any, manager: Any, colleague: Any) -> None:
    finding = raise_(audit, manager, manager)
    services.complete_corrective_action(plan(finding, manager, colleague), by=colleague)
    with pytest.raises(ValidationError, match="someone else must verify"):
        services.verify_finding(reload(finding), by=manager, effective=True)
    assert reload(finding).status == FindingStatus.VERIFYING


def test_verification_is_refused_before_the_actions_are_done(
    audit: Any, manager: Any, colleague: Any
) -> None:
    finding = raise_(audit, manager, colleague)
    plan(finding, manager, colleague)
    with pytest.raises(ValidationError, match="not possible while the state is Action planned"):
        services.verify_finding(reload(finding), by=manager, effective=True)
    assert reload(finding).status == FindingStatus.ACTION_PLANNED


def test_a_colleague_without_reach_cannot_verify(
    audit: Any, manager: Any, colleague: Any, outsider: Any
) -> None:
    finding = raise_(audit, manager, colleague)
    services.complete_corrective_action(plan(finding, manager, colleague), by=colleague)
    with pytest.raises(Http404):
        services.verify_finding(reload(finding), by=outsider, effective=True)
    assert reload(finding).status == FindingStatus.VERIFYING


def test_observations_close_with_a_note_and_nonconformities_do_not(
    audit: Any, manager: Any, colleague: Any
) -> None:
    observation = raise_(audit, manager, colleague, kind=FindingKind.OBSERVATION)
    services.close_finding(observation, by=manager, notes="Noted for next year.")
    observation = reload(observation)
    assert (observation.status, observation.verification_notes) == (
        FindingStatus.CLOSED,
        "Noted for next year.",
    )
    minor = raise_(audit, manager, colleague)
    with pytest.raises(ValidationError, match="only through verification"):
        services.close_finding(minor, by=manager, notes="Skip it")
    assert reload(minor).status == FindingStatus.OPEN


def test_closing_an_audit_is_refused_while_a_nonconformity_has_no_action(
    audit: Any, manager: Any, colleague: Any
) -> None:
    major = raise_(audit, manager, colleague, kind=FindingKind.MAJOR)
    raise_(audit, manager, colleague, kind=FindingKind.OBSERVATION)
    services.transition_audit(audit, "report", by=manager)
    with pytest.raises(ValidationError) as error:
        services.transition_audit(audit, "close", by=manager)
    assert major.reference in " ".join(error.value.messages)
    assert reload(audit).status == AuditStatus.REPORTING
    plan(major, manager, colleague)
    services.transition_audit(audit, "close", by=manager)
    assert reload(audit).status == AuditStatus.CLOSED


def test_audit_steps_follow_the_workflow(audit: Any, manager: Any) -> None:
    with pytest.raises(ValidationError, match="not possible while the state is In progress"):
        services.transition_audit(audit, "close", by=manager)
    services.transition_audit(audit, "report", by=manager)
    with pytest.raises(ValidationError) as error:
        services.transition_audit(audit, "resume", by=manager)
    assert "reason" in error.value.message_dict
    services.transition_audit(audit, "resume", by=manager, reason="One more site")
    assert reload(audit).status == AuditStatus.IN_PROGRESS


def test_a_reader_cannot_move_an_audit(audit: Any, officer: Any) -> None:
    with pytest.raises(Http404):
        services.transition_audit(audit, "report", by=officer)
    assert reload(audit).status == AuditStatus.IN_PROGRESS


def test_an_audit_with_findings_is_not_deleted(audit: Any, manager: Any, colleague: Any) -> None:
    raise_(audit, manager, colleague)
    with pytest.raises(ValidationError, match="stays on record"):
        services.delete_audit(audit, by=manager)
    assert Audit.objects.filter(pk=audit.pk).exists()


def test_an_empty_audit_is_deleted(audit: Any, manager: Any) -> None:
    services.delete_audit(audit, by=manager)
    assert not Audit.objects.filter(pk=audit.pk).exists()


def test_a_closed_finding_is_not_edited(audit: Any, manager: Any, colleague: Any) -> None:
    observation = raise_(audit, manager, colleague, kind=FindingKind.OBSERVATION)
    services.close_finding(observation, by=manager, notes="Fine")
    with pytest.raises(ValidationError, match="kept as it was closed"):
        services.update_finding(reload(observation), by=manager, root_cause="Late")
    assert reload(observation).root_cause == ""


def test_the_finding_owner_records_the_root_cause(audit: Any, manager: Any, colleague: Any) -> None:
    finding = raise_(audit, manager, colleague)
    services.update_finding(finding, by=colleague, root_cause="No calendar entry", reason="Analysis")
    assert reload(finding).root_cause == "No calendar entry"
    assert history_of(finding).first().reason == "Analysis"


def test_an_owner_out_of_sight_is_refused(audit: Any, manager: Any, outsider: Any) -> None:
    with pytest.raises(ValidationError) as error:
        raise_(audit, manager, outsider)
    assert error.value.message_dict == {"owner": ["Person not found."]}


def test_a_failed_test_opens_one_nonconformity(organisation: Any, manager: Any, colleague: Any) -> None:
    test = failed_test(organisation.beijing, colleague, manager)
    first = services.open_nonconformity(test, by=manager)
    again = services.open_nonconformity(test, by=manager)
    assert first.pk == again.pk
    assert Finding.objects.filter(control_test=test).count() == 1
    assert (first.kind, first.owner, first.audit) == (FindingKind.MINOR, colleague, None)


def test_the_tester_verifies_a_failed_tests_nonconformity(
    organisation: Any, manager: Any, colleague: Any, django_capture_on_commit_callbacks: Any
) -> None:
    test = failed_test(organisation.beijing, colleague, manager)
    finding = services.open_nonconformity(test, by=manager)
    action = plan(finding, manager, colleague)
    with django_capture_on_commit_callbacks(execute=True):
        services.complete_corrective_action(action, by=colleague)
    assert Notification.objects.get(kind="compliance.finding-to-verify").recipient == manager
