"""The role-by-endpoint matrix of the inventory: every persona against every action on an
asset of Beijing Operations, its dependencies, its graph and the export.

The target's owner (who may view it whatever their roles) is none of the personas, so
each outcome follows from the ASSETS grants alone: the administrator and the security
officer write and delete, the risk owner, the compliance manager and the auditor read,
the employee has nothing. A refusal leaks nothing (an object out of reach answers
exactly as a missing one) and changes nothing (no row, no audit event).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.forms.models import model_to_dict

from garrison.assets import services
from garrison.assets.models import Asset, AssetDependency
from garrison.core.models import AuditEvent, Person
from garrison.core.roles import Role
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db

ASSETS = "/api/assets/assets/"
DEPENDENCIES = "/api/assets/dependencies/"
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

ACTIONS = (
    "list",
    "retrieve",
    "create",
    "update",
    "delete",
    "dependency list",
    "dependency create",
    "dependency delete",
    "graph",
    "export",
)
# One column per action above, in the same order.
EXPECTED: dict[str, tuple[Any, ...]] = {
    "administrator of Beijing": (SEES, 200, 201, 200, 204, SEES, 201, 204, 200, SEES),
    "security officer of Beijing": (SEES, 200, 201, 200, 204, SEES, 201, 204, 200, SEES),
    "risk owner of Beijing": (SEES, 200, 403, 404, 404, SEES, 403, 404, 200, SEES),
    "employee of Beijing": (HIDDEN, 404, 403, 404, 404, HIDDEN, 403, 404, 404, HIDDEN),
    "compliance manager of the group": (SEES, 200, 403, 404, 404, SEES, 403, 404, 200, SEES),
    "auditor of the group": (SEES, 200, 403, 404, 404, SEES, 403, 404, 200, SEES),
    "administrator of Shanghai": (HIDDEN, 404, 400, 404, 404, HIDDEN, 400, 404, 404, HIDDEN),
    "security officer of Shanghai": (HIDDEN, 404, 400, 404, 404, HIDDEN, 400, 404, 404, HIDDEN),
}
# The field a 400 names: the unit out of reach, or the assets out of reach.
REFUSED_FIELDS = {"create": {"unit"}, "dependency create": {"dependent", "dependency"}}


@dataclass
class Target:
    """OPS-1 depends on OPS-2; OPS-3 depends on nothing yet. All in Beijing Operations."""

    asset: Asset
    database: Asset
    spare: Asset
    edge: AssetDependency


@pytest.fixture
def target(make_asset: Any, organisation: Organisation, make_person: Any) -> Target:
    keeper = make_person("keeper", organisation.beijing_ops)
    unit = organisation.beijing_ops
    asset = make_asset("OPS-1", name="Ops portal", unit=unit, owner=keeper)
    database = make_asset("OPS-2", name="Ops database", unit=unit, owner=keeper)
    spare = make_asset("OPS-3", name="Ops spare", unit=unit, owner=keeper)
    edge = services.add_dependency(asset, database, by=None)
    return Target(asset, database, spare, edge)


def persona(name: str, organisation: Organisation, make_person: Any) -> Person:
    unit_name, role = PERSONAS[name]
    unit = getattr(organisation, unit_name)
    return make_person(name.replace(" ", "-"), unit, role)


def act(api: Any, action: str, ids: dict[str, int], person: Person) -> Any:
    """Take `action`; `ids` names the asset, the dependency edge, the unit and the two
    assets a new dependency links (all MISSING_ID to ask about nothing)."""
    if action == "list":
        return api.get(ASSETS)
    if action == "retrieve":
        return api.get(f"{ASSETS}{ids['asset']}/")
    if action == "create":
        return api.post(
            ASSETS,
            {"name": "New", "asset_type": "server", "owner": person.pk, "unit": ids["unit"]},
            format="json",
        )
    if action == "update":
        return api.patch(f"{ASSETS}{ids['asset']}/", {"name": "Changed"}, format="json")
    if action == "delete":
        return api.delete(f"{ASSETS}{ids['asset']}/")
    if action == "dependency list":
        return api.get(DEPENDENCIES)
    if action == "dependency create":
        return api.post(
            DEPENDENCIES, {"dependent": ids["dependent"], "dependency": ids["dependency"]}, format="json"
        )
    if action == "dependency delete":
        return api.delete(f"{DEPENDENCIES}{ids['edge']}/")
    if action == "graph":
        return api.get(f"{ASSETS}{ids['asset']}/graph/")
    return api.get(f"{ASSETS}export/?format=csv")


def rows() -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    return (
        {asset.pk: model_to_dict(asset) for asset in Asset.objects.all()},
        {edge.pk: model_to_dict(edge) for edge in AssetDependency.objects.all()},
    )


def without_ids(response: Any, ids: dict[str, int]) -> tuple[int, str]:
    """The answer with every quoted id replaced, so that the ones asked about compare."""
    text = response.content.decode()
    for number in {*ids.values(), MISSING_ID}:
        text = re.sub(rf'\\"{number}\\"', r'\\"<id>\\"', text)
    return response.status_code, text


def listed(response: Any, action: str, target: Target) -> bool:
    assert response.status_code == 200, response.content
    if action == "export":
        return target.asset.reference in b"".join(response.streaming_content).decode()
    results = response.json()["results"]
    if action == "list":
        return target.asset.reference in [row["reference"] for row in results]
    return target.edge.pk in [row["id"] for row in results]


@pytest.mark.parametrize("name", list(PERSONAS))
@pytest.mark.parametrize("action", ACTIONS)
def test_each_persona_gets_exactly_its_outcome(
    api: Any,
    target: Target,
    organisation: Organisation,
    make_person: Any,
    name: str,
    action: str,
) -> None:
    person = persona(name, organisation, make_person)
    expected = EXPECTED[name][ACTIONS.index(action)]
    ids = {
        "asset": target.asset.pk,
        "edge": target.edge.pk,
        "unit": organisation.beijing_ops.pk,
        "dependent": target.spare.pk,
        "dependency": target.database.pk,
    }
    before = rows()
    events_before = AuditEvent.objects.count()
    api.as_(person)

    response = act(api, action, ids, person)

    if expected in (SEES, HIDDEN):
        assert listed(response, action, target) == (expected == SEES)
        # Reading changes nothing; an export records itself, and only itself.
        assert rows() == before
        assert AuditEvent.objects.count() == events_before + (action == "export")
        return
    assert response.status_code == expected, response.content
    if expected in (400, 403, 404):
        assert AuditEvent.objects.count() == events_before
        assert rows() == before
        if expected == 400:
            assert set(response.json()) == REFUSED_FIELDS[action]
        missing = act(api, action, dict.fromkeys(ids, MISSING_ID), person)
        assert without_ids(missing, ids) == without_ids(response, ids)
        assert rows() == before
        assert AuditEvent.objects.count() == events_before
        return
    assets, edges = rows()
    if action in ("retrieve", "graph"):
        body = response.json()
        reference = body["asset"]["reference"] if action == "graph" else body["reference"]
        assert reference == "OPS-1"
        assert (assets, edges) == before
        assert AuditEvent.objects.count() == events_before
        return
    # A change is recorded, and it is the one asked for.
    assert AuditEvent.objects.count() > events_before
    if action == "create":
        (new,) = set(assets) - set(before[0])
        assert (assets[new]["name"], assets[new]["unit"]) == ("New", organisation.beijing_ops.pk)
    elif action == "update":
        assert assets[target.asset.pk]["name"] == "Changed"
    elif action == "delete":
        assert target.asset.pk not in assets
        assert target.edge.pk not in edges
    elif action == "dependency create":
        (new,) = set(edges) - set(before[1])
        assert (edges[new]["dependent"], edges[new]["dependency"]) == (target.spare.pk, target.database.pk)
    else:
        assert action == "dependency delete"
        assert set(edges) == set(before[1]) - {target.edge.pk}
        assert assets.keys() == before[0].keys()
