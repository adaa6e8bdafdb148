"""The acceptance workflow: requested, then approved or rejected by someone with the
authority to accept, never the requester; withdrawn by the requester; expired by the
daily job, which sends the scenario back to review and tells its owner."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from garrison.core.models import AuditEvent, Notification, Person
from garrison.core.roles import Role
from garrison.risks.models import (
    AcceptanceStatus,
    RiskAcceptance,
    RiskScenario,
    ScenarioStatus,
    Treatment,
)
from garrison.risks.services.acceptance import (
    approve_acceptance,
    expire_acceptances,
    reject_acceptance,
    request_acceptance,
    withdraw_acceptance,
)
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db

REQUESTER_REFUSAL = "You asked for this acceptance; someone else with the authority to accept must decide."


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def officer(organisation: Organisation, make_person: Any) -> Person:
    """A security officer on the Beijing site: may accept Beijing's risks."""
    return make_person("officer", organisation.beijing, Role.SECURITY_OFFICER)


@pytest.fixture
def shanghai_officer(organisation: Organisation, make_person: Any) -> Person:
    return make_person("shofficer", organisation.shanghai, Role.SECURITY_OFFICER)


@pytest.fixture
def scenario(make_scenario: Any) -> RiskScenario:
    return make_scenario(current=(4, 4))


@pytest.fixture
def requested(scenario: RiskScenario, risk_owner: Person) -> RiskAcceptance:
    return request_acceptance(
        scenario, by=risk_owner, justification="Replacement UPS arrives in spring", expires_on=in_days(90)
    )


def test_a_request_waits_for_a_decision_and_tells_the_people_who_may_decide(
    scenario: RiskScenario,
    risk_owner: Person,
    owner: Person,
    officer: Person,
    outsider: Person,
    shanghai_officer: Person,
) -> None:
    requested = request_acceptance(
        scenario, by=risk_owner, justification="Replacement UPS arrives in spring", expires_on=in_days(90)
    )

    assert (requested.status, requested.justification, requested.requested_by) == (
        AcceptanceStatus.REQUESTED,
        "Replacement UPS arrives in spring",
        risk_owner,
    )
    told = Notification.objects.filter(kind="risks.acceptance-requested").order_by("recipient__username")
    assert list(told.values_list("recipient__username", "link")) == [
        ("officer", f"/risks/{scenario.pk}/"),
        ("owner", f"/risks/{scenario.pk}/"),
    ]


def test_the_approvers_told_are_those_over_the_unit_and_never_the_requester(
    scenario: RiskScenario, owner: Person, officer: Person, shanghai_officer: Person, auditor: Person
) -> None:
    request_acceptance(scenario, by=owner, justification="Low exposure", expires_on=in_days(30))

    told = Notification.objects.filter(kind="risks.acceptance-requested")
    assert list(told.values_list("recipient__username", flat=True)) == ["officer"]


def test_an_acceptance_must_expire_in_the_future_and_be_justified(
    scenario: RiskScenario, risk_owner: Person
) -> None:
    with pytest.raises(ValidationError) as caught:
        request_acceptance(scenario, by=risk_owner, justification="  ", expires_on=timezone.localdate())

    assert caught.value.message_dict == {
        "justification": ["Say why this risk can be accepted."],
        "expires_on": ["The acceptance must expire at a date in the future."],
    }
    assert not RiskAcceptance.objects.exists()


def test_only_one_request_per_scenario_waits_at_a_time(requested: RiskAcceptance, risk_owner: Person) -> None:
    with pytest.raises(ValidationError) as caught:
        request_acceptance(requested.scenario, by=risk_owner, justification="Again", expires_on=in_days(10))

    assert caught.value.messages == ["This risk already has an acceptance request waiting for a decision."]
    assert RiskAcceptance.objects.count() == 1


def test_a_person_who_cannot_change_the_scenario_cannot_ask_to_accept_it(
    scenario: RiskScenario, colleague: Person
) -> None:
    with pytest.raises(Http404):
        request_acceptance(scenario, by=colleague, justification="Mine now", expires_on=in_days(10))

    assert not RiskAcceptance.objects.exists()


def test_the_requester_cannot_approve_their_own_request(scenario: RiskScenario, owner: Person) -> None:
    acceptance = request_acceptance(
        scenario, by=owner, justification="Cheap to live with", expires_on=in_days(30)
    )

    with pytest.raises(ValidationError) as caught:
        approve_acceptance(acceptance, by=owner)

    assert caught.value.messages == [REQUESTER_REFUSAL]
    acceptance.refresh_from_db()
    assert (acceptance.status, acceptance.decided_by) == (AcceptanceStatus.REQUESTED, None)
    assert RiskScenario.objects.get(pk=scenario.pk).treatment == Treatment.UNTREATED


def test_a_risk_owner_without_the_authority_cannot_approve(
    scenario: RiskScenario, owner: Person, risk_owner: Person
) -> None:
    acceptance = request_acceptance(
        scenario, by=owner, justification="Cheap to live with", expires_on=in_days(30)
    )

    with pytest.raises(ValidationError) as caught:
        approve_acceptance(acceptance, by=risk_owner)

    assert caught.value.messages == ["You do not have the authority to accept risks in this unit."]
    assert RiskAcceptance.objects.get(pk=acceptance.pk).status == AcceptanceStatus.REQUESTED


def test_a_security_officer_of_another_unit_cannot_see_the_request(
    requested: RiskAcceptance, shanghai_officer: Person
) -> None:
    with pytest.raises(Http404):
        approve_acceptance(requested, by=shanghai_officer)

    assert RiskAcceptance.objects.get(pk=requested.pk).status == AcceptanceStatus.REQUESTED


def test_approval_accepts_the_risk_and_tells_the_requester(
    requested: RiskAcceptance, officer: Person, risk_owner: Person, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        approve_acceptance(requested, by=officer, comment="Until the UPS is replaced")

    requested.refresh_from_db()
    assert (requested.status, requested.decided_by, requested.decision_comment) == (
        AcceptanceStatus.APPROVED,
        officer,
        "Until the UPS is replaced",
    )
    assert requested.decided_at is not None
    assert RiskScenario.objects.get(pk=requested.scenario_id).treatment == Treatment.ACCEPT
    told = Notification.objects.get(kind="risks.acceptance-decided")
    assert (told.recipient, told.body) == (risk_owner, "Until the UPS is replaced")
    assert told.title.startswith("Risk acceptance approved: ")
    transition = AuditEvent.objects.get(object_type="risks.riskacceptance", action="transition")
    assert (transition.changes, transition.actor_id, transition.reason) == (
        {"status": ["requested", "approved"], "transition": "approve"},
        officer.pk,
        "Until the UPS is replaced",
    )


def test_a_rejection_needs_a_reason_and_leaves_the_treatment_alone(
    requested: RiskAcceptance, officer: Person, django_capture_on_commit_callbacks: Any
) -> None:
    with pytest.raises(ValidationError) as caught:
        reject_acceptance(requested, by=officer)
    assert caught.value.message_dict == {"comment": ["Say why the request is rejected."]}

    with django_capture_on_commit_callbacks(execute=True):
        reject_acceptance(requested, by=officer, comment="Mitigate instead")

    requested.refresh_from_db()
    assert (requested.status, requested.decision_comment) == (AcceptanceStatus.REJECTED, "Mitigate instead")
    assert RiskScenario.objects.get(pk=requested.scenario_id).treatment == Treatment.UNTREATED
    assert Notification.objects.get(kind="risks.acceptance-decided").title.startswith(
        "Risk acceptance rejected"
    )


def test_only_the_requester_may_withdraw(
    requested: RiskAcceptance, officer: Person, risk_owner: Person
) -> None:
    with pytest.raises(ValidationError) as caught:
        withdraw_acceptance(requested, by=officer)
    assert caught.value.messages == ["Only the person who asked may withdraw this request."]

    withdraw_acceptance(requested, by=risk_owner)

    assert RiskAcceptance.objects.get(pk=requested.pk).status == AcceptanceStatus.WITHDRAWN


def test_a_decided_request_cannot_be_decided_again(
    requested: RiskAcceptance, officer: Person, owner: Person
) -> None:
    approve_acceptance(requested, by=officer)

    with pytest.raises(ValidationError) as caught:
        reject_acceptance(requested, by=owner, comment="Too late")

    assert list(caught.value.message_dict) == ["status"]
    assert RiskAcceptance.objects.get(pk=requested.pk).status == AcceptanceStatus.APPROVED


def approved_until(acceptance: RiskAcceptance, approver: Person, expires_on: dt.date) -> RiskAcceptance:
    approve_acceptance(acceptance, by=approver)
    RiskAcceptance.objects.filter(pk=acceptance.pk).update(expires_on=expires_on)
    acceptance.refresh_from_db()
    return acceptance


def test_an_expired_acceptance_sends_the_scenario_back_to_review_and_tells_its_owner(
    requested: RiskAcceptance, officer: Person, risk_owner: Person
) -> None:
    today = timezone.localdate()
    approved_until(requested, officer, today - dt.timedelta(days=1))

    assert expire_acceptances(today) == 1

    requested.refresh_from_db()
    scenario = RiskScenario.objects.get(pk=requested.scenario_id)
    assert requested.status == AcceptanceStatus.EXPIRED
    assert (scenario.status, scenario.treatment) == (ScenarioStatus.NEEDS_REVIEW, Treatment.UNTREATED)
    told = Notification.objects.get(kind="risks.acceptance-expired")
    assert (told.recipient, told.link) == (risk_owner, f"/risks/{scenario.pk}/")
    update = AuditEvent.objects.filter(object_type="risks.riskscenario", action="update").latest("sequence")
    assert (update.actor_id, update.actor_label) == (None, "system")
    assert update.changes == {"status": ["open", "needs_review"], "treatment": ["accept", "untreated"]}


def test_an_acceptance_is_valid_through_its_expiry_date_and_a_second_run_does_nothing(
    requested: RiskAcceptance, officer: Person
) -> None:
    today = timezone.localdate()
    approved_until(requested, officer, today)

    assert expire_acceptances(today) == 0
    assert expire_acceptances(today + dt.timedelta(days=1)) == 1
    assert expire_acceptances(today + dt.timedelta(days=1)) == 0

    assert Notification.objects.filter(kind="risks.acceptance-expired").count() == 1


def test_a_renewed_acceptance_keeps_the_risk_accepted_when_the_old_one_expires(
    requested: RiskAcceptance, officer: Person, risk_owner: Person
) -> None:
    today = timezone.localdate()
    approved_until(requested, officer, today - dt.timedelta(days=1))
    renewal = request_acceptance(
        requested.scenario, by=risk_owner, justification="Another year", expires_on=in_days(365)
    )
    approve_acceptance(renewal, by=officer)

    assert expire_acceptances(today) == 1

    scenario = RiskScenario.objects.get(pk=requested.scenario_id)
    assert (scenario.status, scenario.treatment) == (ScenarioStatus.NEEDS_REVIEW, Treatment.ACCEPT)


def test_the_owner_of_a_scenario_sees_its_acceptances_without_a_role(
    make_scenario: Any, organisation: Organisation, make_person: Any, owner: Person, api: Any
) -> None:
    employee = make_person("employee", organisation.beijing, Role.EMPLOYEE)
    scenario = make_scenario(owner=employee)
    acceptance = request_acceptance(scenario, by=owner, justification="Fine", expires_on=in_days(5))

    response = api.as_(employee).get(f"/api/risks/acceptances/{acceptance.pk}/")

    assert response.status_code == 200
    assert response.json()["scenario_reference"] == scenario.reference
