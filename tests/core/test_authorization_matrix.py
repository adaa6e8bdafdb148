"""The role-by-endpoint matrix: every persona against every action of the organisation API.

The targets all live in Beijing Operations (under the Beijing site). The expected outcome
of each (persona, endpoint, action) is written out below, derived from the grants in
garrison.core.roles. Every request also checks what it must not do: a refusal leaks
nothing about the target, changes no row and appends no audit event; an object out of
reach answers exactly as a missing one does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import models
from django.forms.models import model_to_dict
from django.utils import timezone

from garrison.core.models import AuditEvent, OrgUnit, Person, Responsibility, RoleAssignment
from garrison.core.roles import Action, Role
from garrison.core.scoping import can
from garrison.core.services import org

MISSING_ID = 987654

# Outcomes of a list request: it answers 200 either way; what matters is whether the target is in it.
SEES = "200 listing the target"
HIDDEN = "200 without the target"

ENDPOINT_ACTIONS = {
    "units": ("list", "retrieve", "create", "update", "delete"),
    "people": ("list", "retrieve", "create", "update", "delete", "unlock"),
    "role-assignments": ("list", "retrieve", "create", "update", "delete"),
    "responsibilities": ("list", "retrieve", "create", "update", "delete"),
    "audit-events": ("list", "retrieve", "create", "update", "delete"),
}

# Administrator of Beijing: everything inside Beijing; units and people are never deleted
# and audit events never change (those routes do not exist: 405).
ADMINISTRATOR_OF_BEIJING = {
    ("units", "list"): SEES,
    ("units", "retrieve"): 200,
    ("units", "create"): 201,
    ("units", "update"): 200,
    ("units", "delete"): 405,
    ("people", "list"): SEES,
    ("people", "retrieve"): 200,
    ("people", "create"): 201,
    ("people", "update"): 200,
    ("people", "delete"): 405,
    ("people", "unlock"): 200,
    ("role-assignments", "list"): SEES,
    ("role-assignments", "retrieve"): 200,
    ("role-assignments", "create"): 201,
    ("role-assignments", "update"): 405,
    ("role-assignments", "delete"): 204,
    ("responsibilities", "list"): SEES,
    ("responsibilities", "retrieve"): 200,
    ("responsibilities", "create"): 201,
    ("responsibilities", "update"): 405,
    ("responsibilities", "delete"): 204,
    ("audit-events", "list"): SEES,
    ("audit-events", "retrieve"): 200,
    ("audit-events", "create"): 405,
    ("audit-events", "update"): 405,
    ("audit-events", "delete"): 405,
}

# Employee, Security Officer, Compliance Manager, Risk Owner and Procurement Officer of
# Beijing all hold only "view" on the organisation there: they read units, people and
# responsibilities, see no one else's role assignments and no audit trail, and change
# nothing. Creating needs the "add" grant somewhere (403); a responsibility is refused
# at its target, which the person may not change (400, as for a missing target).
READER_OF_BEIJING = {
    ("units", "list"): SEES,
    ("units", "retrieve"): 200,
    ("units", "create"): 403,
    ("units", "update"): 404,
    ("units", "delete"): 405,
    ("people", "list"): SEES,
    ("people", "retrieve"): 200,
    ("people", "create"): 403,
    ("people", "update"): 404,
    ("people", "delete"): 405,
    ("people", "unlock"): 404,
    ("role-assignments", "list"): HIDDEN,
    ("role-assignments", "retrieve"): 404,
    ("role-assignments", "create"): 403,
    ("role-assignments", "update"): 405,
    ("role-assignments", "delete"): 404,
    ("responsibilities", "list"): SEES,
    ("responsibilities", "retrieve"): 200,
    ("responsibilities", "create"): 400,
    ("responsibilities", "update"): 405,
    ("responsibilities", "delete"): 404,
    ("audit-events", "list"): HIDDEN,
    ("audit-events", "retrieve"): 404,
    ("audit-events", "create"): 405,
    ("audit-events", "update"): 405,
    ("audit-events", "delete"): 405,
}

# Administrator of Shanghai: Beijing does not exist for them. References to Beijing
# objects in a payload are refused as unknown ids (400), objects as missing (404).
ADMINISTRATOR_OF_SHANGHAI = {
    ("units", "list"): HIDDEN,
    ("units", "retrieve"): 404,
    ("units", "create"): 400,
    ("units", "update"): 404,
    ("units", "delete"): 405,
    ("people", "list"): HIDDEN,
    ("people", "retrieve"): 404,
    ("people", "create"): 400,
    ("people", "update"): 404,
    ("people", "delete"): 405,
    ("people", "unlock"): 404,
    ("role-assignments", "list"): HIDDEN,
    ("role-assignments", "retrieve"): 404,
    ("role-assignments", "create"): 400,
    ("role-assignments", "update"): 405,
    ("role-assignments", "delete"): 404,
    ("responsibilities", "list"): HIDDEN,
    ("responsibilities", "retrieve"): 404,
    ("responsibilities", "create"): 400,
    ("responsibilities", "update"): 405,
    ("responsibilities", "delete"): 404,
    ("audit-events", "list"): HIDDEN,
    ("audit-events", "retrieve"): 404,
    ("audit-events", "create"): 405,
    ("audit-events", "update"): 405,
    ("audit-events", "delete"): 405,
}

# Auditor on the whole group: reads everything, the audit trail included; changes nothing.
AUDITOR_OF_GROUP = {
    ("units", "list"): SEES,
    ("units", "retrieve"): 200,
    ("units", "create"): 403,
    ("units", "update"): 404,
    ("units", "delete"): 405,
    ("people", "list"): SEES,
    ("people", "retrieve"): 200,
    ("people", "create"): 403,
    ("people", "update"): 404,
    ("people", "delete"): 405,
    ("people", "unlock"): 404,
    ("role-assignments", "list"): SEES,
    ("role-assignments", "retrieve"): 200,
    ("role-assignments", "create"): 403,
    ("role-assignments", "update"): 405,
    ("role-assignments", "delete"): 404,
    ("responsibilities", "list"): SEES,
    ("responsibilities", "retrieve"): 200,
    ("responsibilities", "create"): 400,
    ("responsibilities", "update"): 405,
    ("responsibilities", "delete"): 404,
    ("audit-events", "list"): SEES,
    ("audit-events", "retrieve"): 200,
    ("audit-events", "create"): 405,
    ("audit-events", "update"): 405,
    ("audit-events", "delete"): 405,
}

# Nobody logged in: every request is refused before anything is looked up.
ANONYMOUS = {(endpoint, action): 401 for endpoint, actions in ENDPOINT_ACTIONS.items() for action in actions}

TABLE_BY_PERSONA = {
    "owner": ADMINISTRATOR_OF_BEIJING,
    "colleague": READER_OF_BEIJING,
    "outsider": ADMINISTRATOR_OF_SHANGHAI,
    "auditor": AUDITOR_OF_GROUP,
    "security_officer": READER_OF_BEIJING,
    "compliance_manager": READER_OF_BEIJING,
    "risk_owner": READER_OF_BEIJING,
    "procurement_officer": READER_OF_BEIJING,
    "anonymous": ANONYMOUS,
}

EXPECTED: dict[tuple[str, str, str], int | str] = {
    (persona, endpoint, action): outcome
    for persona, table in TABLE_BY_PERSONA.items()
    for (endpoint, action), outcome in table.items()
}

EXTRA_ROLES = {
    "security_officer": Role.SECURITY_OFFICER,
    "compliance_manager": Role.COMPLIANCE_MANAGER,
    "risk_owner": Role.RISK_OWNER,
    "procurement_officer": Role.PROCUREMENT_OFFICER,
}


@dataclass
class World:
    """The personas and the Beijing objects every request aims at."""

    people: dict[str, Person | None]
    beijing: OrgUnit
    unit: OrgUnit
    person: Person
    assignment: RoleAssignment
    responsibility: Responsibility
    event: AuditEvent


@pytest.fixture
def world(
    organisation: Any, owner: Person, colleague: Person, outsider: Person, auditor: Person, make_person: Any
) -> World:
    people: dict[str, Person | None] = {
        "owner": owner,
        "colleague": colleague,
        "outsider": outsider,
        "auditor": auditor,
        "anonymous": None,
    }
    for persona, role in EXTRA_ROLES.items():
        people[persona] = make_person(persona.replace("_", ""), organisation.beijing, role)
    person = make_person("targetperson", organisation.beijing_ops, Role.EMPLOYEE)
    Person.objects.filter(pk=person.pk).update(locked_at=timezone.now(), failed_login_count=5)
    person.refresh_from_db()
    responsibility = org.assign_responsibility(
        organisation.beijing_ops, "R", by=None, person=person, note="Keeps the Beijing racks cool"
    )
    return World(
        people=people,
        beijing=organisation.beijing,
        unit=organisation.beijing_ops,
        person=person,
        assignment=RoleAssignment.objects.get(person=person),
        responsibility=responsibility,
        event=AuditEvent.objects.get(object_type="core.orgunit", object_id=str(organisation.beijing_ops.pk)),
    )


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    payload: dict[str, Any] | None = None


def target_of(world: World, endpoint: str) -> models.Model:
    return {
        "units": world.unit,
        "people": world.person,
        "role-assignments": world.assignment,
        "responsibilities": world.responsibility,
        "audit-events": world.event,
    }[endpoint]


def key_of(world: World, endpoint: str) -> int:
    target = target_of(world, endpoint)
    return world.event.sequence if endpoint == "audit-events" else int(target.pk)


def markers_of(world: World, endpoint: str) -> list[str]:
    """Strings that appear in a response exactly when it shows the target."""
    return {
        "units": ["Beijing Operations", "bj-ops"],
        "people": ["targetperson"],
        "role-assignments": ["Targetperson"],
        "responsibilities": ["Keeps the Beijing racks cool"],
        # Not the hash: it is also the next event's previous_hash, which says nothing of the target.
        "audit-events": [f'"sequence":{world.event.sequence},', '"object_repr":"Beijing Operations"'],
    }[endpoint]


def create_payload(world: World, endpoint: str, missing_for: Any = ...) -> dict[str, Any]:
    """What each endpoint is asked to create.

    With `missing_for` set to a persona, every reference that persona cannot see (and the
    responsibility's target, which they may not change) becomes an unknown id instead.
    """

    def ref(obj: models.Model, always: bool = False) -> int:
        if missing_for is ... or not (always or not can(missing_for, Action.VIEW, obj)):
            return int(obj.pk)
        return MISSING_ID

    return {
        "units": {
            "name": "Beijing Cooling",
            "code": "bj-cooling",
            "kind": "team",
            "parent": ref(world.beijing),
        },
        "people": {
            "username": "newcomer",
            "full_name": "New Comer",
            "unit": ref(world.beijing),
            "password": "Another-long-passw0rd",
        },
        "role-assignments": {
            "person": ref(world.person),
            "role": Role.RISK_OWNER.value,
            "unit": ref(world.beijing),
        },
        "responsibilities": {
            "object_type": "core.orgunit",
            "object_id": str(ref(world.unit, always=True)),
            "raci": "A",
            "person": ref(world.person),
        },
        "audit-events": {"action": "create", "object_type": "core.orgunit", "object_id": "1"},
    }[endpoint]


UPDATES = {
    "units": {"description": "Runs the halls"},
    "people": {"job_title": "Shift lead"},
    "role-assignments": {"note": "Changed"},
    "responsibilities": {"note": "Changed"},
    "audit-events": {"reason": "Rewritten"},
}


def call_for(world: World, endpoint: str, action: str, key: int, missing_for: Any = ...) -> Call:
    collection = f"/api/{endpoint}/"
    detail = f"{collection}{key}/"
    if action == "list":
        return Call("get", f"{collection}?page_size=500")
    if action == "retrieve":
        return Call("get", detail)
    if action == "create":
        return Call("post", collection, create_payload(world, endpoint, missing_for))
    if action == "update":
        return Call("patch", detail, UPDATES[endpoint])
    if action == "delete":
        return Call("delete", detail)
    if action == "unlock":
        return Call("post", f"{detail}unlock/", {"reason": "Verified by phone"})
    raise AssertionError(f"no request for {action}")


def send(api: Any, call: Call) -> Any:
    return getattr(api, call.method)(call.path, call.payload, format="json")


def state_of(world: World, endpoint: str) -> dict[str, Any]:
    """Everything a refused request must leave as it was."""
    target = target_of(world, endpoint)
    row = type(target)._default_manager.filter(pk=target.pk).first()
    return {
        "row": model_to_dict(row) if row is not None else None,
        "counts": {model.__name__: model._default_manager.count() for model in MODELS},
        "audit_events": AuditEvent.objects.count(),
    }


MODELS: tuple[type[models.Model], ...] = (OrgUnit, Person, RoleAssignment, Responsibility, AuditEvent)


def body_of(response: Any) -> str:
    return response.content.decode()


def without_numbers(text: str) -> str:
    return re.sub(r"\d+", "N", text)


def expect_change(world: World, endpoint: str, action: str, before: dict[str, Any]) -> None:
    """An allowed write did what it says and appended to the audit trail."""
    after = state_of(world, endpoint)
    assert after["audit_events"] > before["audit_events"]
    if action == "create":
        model = type(target_of(world, endpoint)).__name__
        assert after["counts"][model] == before["counts"][model] + 1
    elif action == "update":
        field, value = next(iter(UPDATES[endpoint].items()))
        assert after["row"][field] == value
    elif action == "delete":
        assert after["row"] is None
    elif action == "unlock":
        world.person.refresh_from_db()
        assert world.person.locked_at is None
        assert AuditEvent.objects.order_by("-sequence").first().action == "unlocked"  # type: ignore[union-attr]


CASES = sorted(EXPECTED)


@pytest.mark.parametrize(("persona", "endpoint", "action"), CASES, ids=["-".join(case) for case in CASES])
def test_each_persona_gets_exactly_what_its_roles_grant(
    api: Any, world: World, persona: str, endpoint: str, action: str
) -> None:
    expected = EXPECTED[(persona, endpoint, action)]
    api.as_(world.people[persona])
    call = call_for(world, endpoint, action, key_of(world, endpoint))
    before = state_of(world, endpoint)

    response = send(api, call)
    body = body_of(response)

    if expected in (SEES, HIDDEN):
        assert response.status_code == 200, body
        shows_target = all(marker in body for marker in markers_of(world, endpoint))
        assert shows_target is (expected == SEES), body
        assert state_of(world, endpoint) == before
        return

    assert response.status_code == expected, body
    if expected == 200 and action == "retrieve":
        assert all(marker in body for marker in markers_of(world, endpoint))
        assert state_of(world, endpoint) == before
        return
    if expected in (200, 201, 204):
        expect_change(world, endpoint, action, before)
        return

    # Refused: nothing leaked, nothing changed.
    assert not any(marker in body for marker in markers_of(world, endpoint)), body
    assert state_of(world, endpoint) == before
    if expected in (400, 404):
        # Out of reach answers exactly like missing.
        missing = send(api, call_for(world, endpoint, action, MISSING_ID, missing_for=world.people[persona]))
        assert missing.status_code == expected
        assert without_numbers(body) == without_numbers(body_of(missing))
        assert state_of(world, endpoint) == before


def test_the_matrix_covers_every_persona_endpoint_and_action() -> None:
    expected_keys = {
        (persona, endpoint, action)
        for persona in TABLE_BY_PERSONA
        for endpoint, actions in ENDPOINT_ACTIONS.items()
        for action in actions
    }
    assert set(EXPECTED) == expected_keys
    assert len(EXPECTED) == 9 * 26


def test_it_refuses_to_detach_a_unit_into_a_new_root(api: Any, world: World) -> None:
    """A unit made a root would widen its administrators' grants to every tree."""
    owner = world.people["owner"]
    api.as_(owner)
    before = state_of(world, "units")

    response = api.patch(f"/api/units/{world.beijing.pk}/", {"parent": None}, format="json")

    assert response.status_code == 400
    assert "parent" in json.loads(response.content)
    assert state_of(world, "units") == before
    world.beijing.refresh_from_db()
    assert world.beijing.parent_id is not None
    assert api.get("/api/units/?code=sh").status_code == 200
    assert "Shanghai site" not in body_of(api.get("/api/units/?page_size=500"))


def test_it_refuses_to_move_a_unit_under_a_unit_out_of_reach(api: Any, world: World) -> None:
    api.as_(world.people["owner"])
    shanghai = OrgUnit.objects.get(code="sh")
    before = state_of(world, "units")

    response = api.patch(f"/api/units/{world.unit.pk}/", {"parent": shanghai.pk}, format="json")
    missing = api.patch(f"/api/units/{world.unit.pk}/", {"parent": MISSING_ID}, format="json")

    assert response.status_code == 400
    assert without_numbers(body_of(response)) == without_numbers(body_of(missing))
    assert "Shanghai" not in body_of(response)
    assert state_of(world, "units") == before


def test_a_person_always_sees_their_own_role_assignments(api: Any, world: World) -> None:
    colleague = world.people["colleague"]
    api.as_(colleague)

    response = api.get("/api/role-assignments/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["person"] for row in rows] == [colleague.pk]  # type: ignore[union-attr]
