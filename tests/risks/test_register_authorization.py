"""The role-by-endpoint matrix of the risk register: every persona against every action on
a scenario of Beijing Operations and on an acceptance request for it.

A refusal leaks nothing (an object out of reach answers exactly as a missing one) and
changes nothing (no row, no audit event).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from garrison.core.models import AuditEvent, Person
from garrison.core.roles import Role
from garrison.risks.models import AcceptanceStatus, RiskAcceptance, RiskScenario
from garrison.risks.services.acceptance import request_acceptance
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db

MISSING_ID = 987654
SEES, HIDDEN = "listed", "not listed"

PERSONAS: dict[str, tuple[str, Role]] = {
    "administrator of Beijing": ("beijing", Role.ADMINISTRATOR),
    "security officer of Beijing": ("beijing", Role.SECURITY_OFFICER),
    "risk owner of Beijing": ("beijing", Role.RISK_OWNER),
    "employee of Beijing": ("beijing", Role.EMPLOYEE),
    "compliance manager of the group": ("root", Role.COMPLIANCE_MANAGER),
    "auditor of the group": ("root", Role.AUDITOR),
    "administrator of Shanghai": ("shanghai", Role.ADMINISTRATOR),
    "security officer of Shanghai": ("shanghai", Role.SECURITY_OFFICER),
}

# (list, retrieve, create, update, delete, approve) for each persona.
EXPECTED: dict[str, tuple[Any, ...]] = {
    "administrator of Beijing": (SEES, 200, 201, 200, 204, 200),
    "security officer of Beijing": (SEES, 200, 201, 200, 204, 200),
    "risk owner of Beijing": (SEES, 200, 201, 200, 404, 400),
    "employee of Beijing": (HIDDEN, 404, 403, 404, 404, 404),
    "compliance manager of the group": (SEES, 200, 403, 404, 404, 400),
    "auditor of the group": (SEES, 200, 403, 404, 404, 400),
    "administrator of Shanghai": (HIDDEN, 404, 400, 404, 404, 404),
    "security officer of Shanghai": (HIDDEN, 404, 400, 404, 404, 404),
}
ACTIONS = ("list", "retrieve", "create", "update", "delete", "approve")


@pytest.fixture
def target(
    make_scenario: Any, organisation: Organisation, make_person: Any
) -> tuple[RiskScenario, RiskAcceptance]:
    requester = make_person("requester", organisation.beijing_ops, Role.RISK_OWNER)
    scenario = make_scenario("Ops cooling", reference="OPS-1", unit=organisation.beijing_ops, owner=requester)
    acceptance = request_acceptance(
        scenario,
        by=requester,
        justification="Spare unit on site",
        expires_on=timezone.localdate() + dt.timedelta(30),
    )
    return scenario, acceptance


def persona(name: str, organisation: Organisation, make_person: Any) -> Person:
    unit_name, role = PERSONAS[name]
    unit = getattr(organisation, unit_name)
    return make_person(name.replace(" ", "-"), unit, role)


def act(
    api: Any, action: str, scenario_id: int, acceptance_id: int, organisation: Organisation, person: Person
) -> Any:
    scenarios = "/api/risks/scenarios/"
    if action == "list":
        return api.get(scenarios)
    if action == "retrieve":
        return api.get(f"{scenarios}{scenario_id}/")
    if action == "create":
        return api.post(
            scenarios,
            {
                "title": "New",
                "unit": organisation.beijing_ops.pk,
                "owner": person.pk,
                "inherent_likelihood": 3,
                "inherent_impact": 3,
                "current_likelihood": 2,
                "current_impact": 2,
            },
            format="json",
        )
    if action == "update":
        return api.patch(f"{scenarios}{scenario_id}/", {"title": "Changed"}, format="json")
    if action == "delete":
        return api.delete(f"{scenarios}{scenario_id}/")
    return api.post(f"/api/risks/acceptances/{acceptance_id}/approve/", {"comment": "Fine"}, format="json")


@pytest.mark.parametrize("name", list(PERSONAS))
@pytest.mark.parametrize("action", ACTIONS)
def test_each_persona_gets_exactly_its_outcome(
    api: Any,
    target: tuple[RiskScenario, RiskAcceptance],
    organisation: Organisation,
    make_person: Any,
    name: str,
    action: str,
) -> None:
    scenario, acceptance = target
    person = persona(name, organisation, make_person)
    expected = EXPECTED[name][ACTIONS.index(action)]
    events_before = AuditEvent.objects.count()
    api.as_(person)

    response = act(api, action, scenario.pk, acceptance.pk, organisation, person)

    if action == "list":
        assert response.status_code == 200
        listed = [row["reference"] for row in response.json()["results"]]
        assert ("OPS-1" in listed) == (expected == SEES)
        return
    assert response.status_code == expected, response.content
    if expected == 404 and action != "create":
        missing = act(api, action, MISSING_ID, MISSING_ID, organisation, person)
        assert (missing.status_code, missing.content) == (404, response.content)
    if expected in (400, 403, 404):
        assert AuditEvent.objects.count() == events_before
        stored = RiskScenario.objects.get(pk=scenario.pk)
        assert (stored.title, stored.reference) == ("Ops cooling", "OPS-1")
        assert RiskAcceptance.objects.get(pk=acceptance.pk).status == AcceptanceStatus.REQUESTED
        assert RiskScenario.objects.count() == 1
