"""Treatment plans: actions added, changed and completed within reach, overdue flags,
and the treatment-action API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from garrison.core.models import AuditEvent, Person
from garrison.risks.models import ActionStatus, RiskScenario, TreatmentAction
from garrison.risks.services.treatment import (
    add_treatment_action,
    complete_treatment_action,
    update_treatment_action,
)
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db

ACTIONS = "/api/risks/treatment-actions/"


def days_from_today(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def scenario(make_scenario: Any) -> RiskScenario:
    return make_scenario(current=(4, 4))


def test_an_action_is_added_to_the_plan_and_recorded(
    scenario: RiskScenario, owner: Person, risk_owner: Person
) -> None:
    action = add_treatment_action(
        scenario, by=owner, title="Second UPS", owner=risk_owner, due_on=days_from_today(30)
    )

    assert (action.status, action.completed_on, action.is_overdue) == (ActionStatus.PLANNED, None, False)
    event = AuditEvent.objects.get(object_type="risks.treatmentaction")
    assert (event.action, event.actor_id, event.changes["title"]) == (
        "create",
        owner.pk,
        [None, "Second UPS"],
    )


def test_an_action_owner_must_be_someone_the_person_may_see(
    scenario: RiskScenario, risk_owner: Person, outsider: Person
) -> None:
    with pytest.raises(ValidationError) as caught:
        add_treatment_action(scenario, by=risk_owner, title="X", owner=outsider, due_on=days_from_today(1))

    assert caught.value.message_dict == {"owner": ["Person not found."]}
    assert not TreatmentAction.objects.exists()


def test_completing_an_action_dates_it_and_reopening_clears_the_date(
    scenario: RiskScenario, risk_owner: Person
) -> None:
    action = add_treatment_action(
        scenario, by=risk_owner, title="Patch", owner=risk_owner, due_on=days_from_today(-2)
    )
    assert action.is_overdue

    complete_treatment_action(action, by=risk_owner)
    action.refresh_from_db()
    assert (action.status, action.completed_on, action.is_overdue) == (
        ActionStatus.DONE,
        timezone.localdate(),
        False,
    )

    update_treatment_action(action, by=risk_owner, status=ActionStatus.IN_PROGRESS, reason="Patch failed")
    action.refresh_from_db()
    assert (action.status, action.completed_on) == (ActionStatus.IN_PROGRESS, None)


def test_an_action_cannot_be_completed_twice_or_in_the_future(
    scenario: RiskScenario, risk_owner: Person
) -> None:
    action = add_treatment_action(
        scenario, by=risk_owner, title="Patch", owner=risk_owner, due_on=days_from_today(5)
    )

    with pytest.raises(ValidationError) as future:
        complete_treatment_action(action, by=risk_owner, completed_on=days_from_today(1))
    assert list(future.value.message_dict) == ["completed_on"]
    assert TreatmentAction.objects.get(pk=action.pk).status == ActionStatus.PLANNED

    complete_treatment_action(action, by=risk_owner)
    with pytest.raises(ValidationError) as twice:
        complete_treatment_action(action, by=risk_owner)
    assert twice.value.message_dict == {"status": ["This action is already done."]}


def test_a_changed_due_date_is_recorded_with_its_reason(scenario: RiskScenario, risk_owner: Person) -> None:
    action = add_treatment_action(
        scenario, by=risk_owner, title="Patch", owner=risk_owner, due_on=days_from_today(5)
    )
    before = action.due_on

    update_treatment_action(action, by=risk_owner, due_on=days_from_today(20), reason="Vendor delay")

    event = AuditEvent.objects.filter(object_type="risks.treatmentaction", action="update").get()
    assert event.changes == {"due_on": [before.isoformat(), days_from_today(20).isoformat()]}
    assert event.reason == "Vendor delay"


# API -----------------------------------------------------------------------------------------


def test_the_api_adds_lists_and_completes_actions(
    api: Any, scenario: RiskScenario, owner: Person, risk_owner: Person
) -> None:
    created = api.as_(owner).post(
        ACTIONS,
        {
            "scenario": scenario.pk,
            "title": "Backups",
            "owner": risk_owner.pk,
            "due_on": str(days_from_today(-1)),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["scenario_reference"], body["owner_name"], body["is_overdue"]) == (
        scenario.reference,
        "Riskowner",
        True,
    )

    listed = api.as_(risk_owner).get(f"{ACTIONS}?overdue=yes").json()["results"]
    assert [row["title"] for row in listed] == ["Backups"]
    scenario_row = api.as_(owner).get(f"/api/risks/scenarios/{scenario.pk}/").json()
    assert scenario_row["is_overdue"] is True

    completed = api.as_(risk_owner).post(f"{ACTIONS}{body['id']}/complete/", {}, format="json")
    assert completed.status_code == 200, completed.content
    assert (completed.json()["status"], completed.json()["is_overdue"]) == ("done", False)
    assert api.as_(owner).get(f"{ACTIONS}?overdue=yes").json()["results"] == []


def test_people_who_cannot_change_the_scenario_cannot_plan_its_treatment(
    api: Any, scenario: RiskScenario, colleague: Person, outsider: Person, auditor: Person
) -> None:
    for person in (colleague, outsider, auditor):
        response = api.as_(person).post(
            ACTIONS,
            {
                "scenario": scenario.pk,
                "title": "Sneaky",
                "owner": person.pk,
                "due_on": str(days_from_today(3)),
            },
            format="json",
        )
        assert response.status_code == 400
        assert list(response.json()) == ["scenario"]

    assert not TreatmentAction.objects.exists()


def test_an_outsider_cannot_see_or_complete_an_action(
    api: Any, scenario: RiskScenario, risk_owner: Person, outsider: Person, colleague: Person
) -> None:
    action = add_treatment_action(
        scenario, by=None, title="Patch", owner=risk_owner, due_on=days_from_today(5)
    )

    for person in (outsider, colleague):
        assert api.as_(person).get(f"{ACTIONS}{action.pk}/").status_code == 404
        assert api.as_(person).post(f"{ACTIONS}{action.pk}/complete/", {}, format="json").status_code == 404

    assert TreatmentAction.objects.get(pk=action.pk).status == ActionStatus.PLANNED


def test_the_owner_of_an_action_may_complete_it_without_a_role(
    api: Any, scenario: RiskScenario, organisation: Organisation, make_person: Any
) -> None:
    contractor = make_person("contractor", organisation.beijing)
    action = add_treatment_action(
        scenario, by=None, title="Fit UPS", owner=contractor, due_on=days_from_today(5)
    )

    response = api.as_(contractor).post(
        f"{ACTIONS}{action.pk}/complete/", {"reason": "Fitted"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert TreatmentAction.objects.get(pk=action.pk).status == ActionStatus.DONE


def test_the_treatment_action_list_costs_the_same_queries_for_five_rows_or_fifty(
    api: Any, scenario: RiskScenario, owner: Person, risk_owner: Person
) -> None:
    for number in range(55):
        add_treatment_action(
            scenario, by=None, title=f"Step {number}", owner=risk_owner, due_on=days_from_today(number - 20)
        )
    api.as_(owner).get(f"{ACTIONS}?page_size=1")

    counts = []
    for size in (5, 50):
        with CaptureQueriesContext(connection) as captured:
            response = api.get(f"{ACTIONS}?page_size={size}")
        assert len(response.json()["results"]) == size
        counts.append(len(captured))

    assert counts[0] == counts[1]
    assert counts[1] <= 10
