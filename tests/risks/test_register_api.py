"""The register's API: scenarios created, changed and deleted within reach, bad ratings
refused with nothing written, every filter, history, exports, and constant query counts."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import zlib
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from garrison.assets.models import Asset
from garrison.core.models import AuditEvent, Person
from garrison.core.roles import Role
from garrison.risks.models import ActionStatus, RiskMatrix, RiskScenario, Threat, Treatment, TreatmentAction
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db

SCENARIOS = "/api/risks/scenarios/"


def payload(organisation: Organisation, owner: Person, **fields: Any) -> dict[str, Any]:
    data = {
        "title": "Ransomware on the billing cluster",
        "unit": organisation.beijing.pk,
        "owner": owner.pk,
        "inherent_likelihood": 4,
        "inherent_impact": 5,
        "current_likelihood": 3,
        "current_impact": 4,
    }
    data.update(fields)
    return data


def references(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


def pdf_text(content: bytes) -> str:
    """The text drawn on the pages of a reportlab PDF (its compressed content streams)."""
    texts = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", content, re.DOTALL):
        data = stream.strip()
        if data.endswith(b"~>"):
            data = base64.a85decode(data[:-2])
        try:
            texts.append(zlib.decompress(data).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(texts)


# Create --------------------------------------------------------------------------------------


def test_an_administrator_creates_a_scenario_with_levels_and_flags(
    api: Any, organisation: Organisation, owner: Person, risk_owner: Person, matrix: RiskMatrix
) -> None:
    response = api.as_(owner).post(SCENARIOS, payload(organisation, risk_owner), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    scenario = RiskScenario.objects.get()
    assert body["reference"] == f"R-{scenario.pk:06d}"
    assert (body["matrix"], body["matrix_name"]) == (matrix.pk, "Default 5x5")
    assert (body["inherent_level"], body["inherent_level_name"]) == (4, "Critical")
    assert (body["current_level"], body["current_level_name"]) == (3, "High")
    assert (body["target_level"], body["target_level_name"]) == (None, "")
    assert (body["is_above_appetite"], body["is_above_appetite_without_treatment"], body["is_overdue"]) == (
        True,
        True,
        False,
    )
    assert AuditEvent.objects.get(object_type="risks.riskscenario").actor_id == owner.pk


def test_a_rating_outside_the_matrix_is_a_400_naming_the_field_and_writes_nothing(
    api: Any, organisation: Organisation, owner: Person, matrix: RiskMatrix
) -> None:
    response = api.as_(owner).post(
        SCENARIOS, payload(organisation, owner, current_likelihood=7), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"current_likelihood": ["Must be between 1 and 5 on the matrix “Default 5x5”."]}
    assert not RiskScenario.objects.exists()
    assert not AuditEvent.objects.filter(object_type="risks.riskscenario").exists()


@pytest.mark.parametrize("person_name", ["colleague", "auditor"])
def test_people_without_the_grant_cannot_create(
    api: Any, organisation: Organisation, owner: Person, matrix: RiskMatrix, person_name: str, request: Any
) -> None:
    person = request.getfixturevalue(person_name)

    response = api.as_(person).post(SCENARIOS, payload(organisation, owner), format="json")

    assert response.status_code == 403
    assert not RiskScenario.objects.exists()


def test_an_outsider_cannot_put_a_scenario_in_a_unit_they_cannot_see(
    api: Any, organisation: Organisation, outsider: Person, matrix: RiskMatrix
) -> None:
    response = api.as_(outsider).post(SCENARIOS, payload(organisation, outsider), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["unit"]
    assert not RiskScenario.objects.exists()


def test_a_risk_owner_is_refused_a_unit_they_see_but_do_not_manage(
    api: Any, organisation: Organisation, matrix: RiskMatrix, make_person: Any
) -> None:
    # Sees the whole organisation as an employee of the group, manages Beijing's risks only.
    manager = make_person(
        "manager",
        organisation.root,
        (Role.EMPLOYEE, organisation.root),
        (Role.RISK_OWNER, organisation.beijing),
    )

    response = api.as_(manager).post(
        SCENARIOS, payload(organisation, manager, unit=organisation.root.pk), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"unit": ["You do not manage risks in this unit."]}
    assert not RiskScenario.objects.exists()


# Read, change, delete ------------------------------------------------------------------------


def test_each_person_sees_the_scenarios_within_their_reach(
    api: Any,
    make_scenario: Any,
    organisation: Organisation,
    owner: Person,
    colleague: Person,
    outsider: Person,
    auditor: Person,
) -> None:
    beijing = make_scenario("Beijing", reference="BJ-1")
    make_scenario("Shanghai", reference="SH-1", unit=organisation.shanghai, owner=outsider)

    assert references(api.as_(owner).get(SCENARIOS)) == ["BJ-1"]
    assert references(api.as_(outsider).get(SCENARIOS)) == ["SH-1"]
    assert sorted(references(api.as_(auditor).get(SCENARIOS))) == ["BJ-1", "SH-1"]
    assert references(api.as_(colleague).get(SCENARIOS)) == []
    assert api.as_(outsider).get(f"{SCENARIOS}{beijing.pk}/").status_code == 404
    assert api.as_(colleague).get(f"{SCENARIOS}{beijing.pk}/").status_code == 404


def test_a_refused_change_leaks_nothing_and_changes_nothing(
    api: Any, make_scenario: Any, outsider: Person, auditor: Person, colleague: Person
) -> None:
    scenario = make_scenario(current=(3, 3))
    missing = api.as_(outsider).patch(f"{SCENARIOS}999999/", {"current_likelihood": 1}, format="json")

    for person in (outsider, auditor, colleague):
        response = api.as_(person).patch(
            f"{SCENARIOS}{scenario.pk}/", {"current_likelihood": 1}, format="json"
        )
        assert (response.status_code, response.json()) == (404, missing.json())
        response = api.as_(person).delete(f"{SCENARIOS}{scenario.pk}/")
        assert response.status_code == 404

    stored = RiskScenario.objects.get(pk=scenario.pk)
    assert (stored.current_likelihood, stored.current_level) == (3, 2)
    assert not AuditEvent.objects.filter(
        object_type="risks.riskscenario", action__in=["update", "delete"]
    ).exists()


def test_the_owner_of_a_scenario_may_change_it_without_a_role(
    api: Any, make_scenario: Any, organisation: Organisation, make_person: Any
) -> None:
    employee = make_person("employee", organisation.beijing, Role.EMPLOYEE)
    scenario = make_scenario(owner=employee)

    response = api.as_(employee).patch(
        f"{SCENARIOS}{scenario.pk}/", {"treatment": "mitigate", "reason": "Plan agreed"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert RiskScenario.objects.get(pk=scenario.pk).treatment == Treatment.MITIGATE
    assert api.as_(employee).delete(f"{SCENARIOS}{scenario.pk}/").status_code == 404


def test_a_change_re_rates_and_the_history_shows_it(api: Any, make_scenario: Any, owner: Person) -> None:
    scenario = make_scenario(current=(3, 3))

    response = api.as_(owner).patch(
        f"{SCENARIOS}{scenario.pk}/",
        {"current_likelihood": 5, "current_impact": 5, "reason": "Attack observed"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert (response.json()["current_level"], response.json()["current_level_name"]) == (4, "Critical")
    history = api.as_(owner).get(f"{SCENARIOS}{scenario.pk}/history/").json()["results"]
    assert [(event["action"], event["reason"]) for event in history] == [
        ("update", "Attack observed"),
        ("create", ""),
    ]
    assert history[0]["changes"]["current_level"] == [2, 4]


def test_a_bad_re_rating_over_the_api_is_refused_whole(api: Any, make_scenario: Any, owner: Person) -> None:
    scenario = make_scenario(current=(3, 3))

    response = api.as_(owner).patch(
        f"{SCENARIOS}{scenario.pk}/", {"title": "Renamed", "current_impact": 6}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["current_impact"]
    assert RiskScenario.objects.get(pk=scenario.pk).title == "Power loss in hall A"


def test_the_reference_cannot_change_and_accept_is_not_a_direct_choice(
    api: Any, make_scenario: Any, owner: Person
) -> None:
    scenario = make_scenario(reference="BJ-1")

    renamed = api.as_(owner).patch(f"{SCENARIOS}{scenario.pk}/", {"reference": "BJ-2"}, format="json")
    accepted = api.as_(owner).patch(f"{SCENARIOS}{scenario.pk}/", {"treatment": "accept"}, format="json")

    assert (renamed.status_code, list(renamed.json())) == (400, ["reference"])
    assert (accepted.status_code, list(accepted.json())) == (400, ["treatment"])
    stored = RiskScenario.objects.get(pk=scenario.pk)
    assert (stored.reference, stored.treatment) == ("BJ-1", Treatment.UNTREATED)


def test_an_administrator_deletes_a_scenario_and_a_risk_owner_cannot(
    api: Any, make_scenario: Any, owner: Person, risk_owner: Person
) -> None:
    scenario = make_scenario()

    assert api.as_(risk_owner).delete(f"{SCENARIOS}{scenario.pk}/").status_code == 404
    assert api.as_(owner).delete(f"{SCENARIOS}{scenario.pk}/").status_code == 204
    assert not RiskScenario.objects.exists()


# Filters, search, ordering -------------------------------------------------------------------


@pytest.fixture
def register(
    make_scenario: Any, organisation: Organisation, outsider: Person, risk_owner: Person, owner: Person
) -> dict[str, RiskScenario]:
    today = timezone.localdate()
    ups = Asset.objects.create(
        reference="UPS-1",
        name="UPS hall A",
        asset_type="facility_equipment",
        owner=owner,
        unit=organisation.beijing,
    )
    ransomware = Threat.objects.create(urn="urn:test:threat:ransomware", reference="T-RAN", name="Ransomware")
    scenarios = {
        "low": make_scenario("Low", reference="A-LOW", inherent=(2, 2), current=(1, 1)),
        "high": make_scenario("High", reference="A-HIGH", inherent=(5, 5), current=(4, 4), assets=[ups]),
        "mitigated": make_scenario(
            "Mitigated",
            reference="A-MIT",
            inherent=(5, 4),
            current=(5, 4),
            treatment=Treatment.MITIGATE,
            threats=[ransomware],
            unit=organisation.beijing_ops,
        ),
        "owned": make_scenario(
            "Owned by admin", reference="A-OWN", inherent=(3, 3), current=(3, 3), owner=owner
        ),
    }
    TreatmentAction.objects.create(
        scenario=scenarios["mitigated"],
        title="Backups",
        owner=risk_owner,
        due_on=today - dt.timedelta(days=3),
    )
    TreatmentAction.objects.create(
        scenario=scenarios["high"],
        title="Done",
        owner=risk_owner,
        due_on=today - dt.timedelta(days=3),
        status=ActionStatus.DONE,
    )
    return scenarios


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("current_level=3", ["A-HIGH"]),
        ("inherent_level=4", ["A-HIGH", "A-MIT"]),
        ("treatment=mitigate", ["A-MIT"]),
        ("status=open", ["A-HIGH", "A-LOW", "A-MIT", "A-OWN"]),
        ("overdue=yes", ["A-MIT"]),
        ("overdue=no", ["A-HIGH", "A-LOW", "A-OWN"]),
        ("above_appetite=yes", ["A-HIGH", "A-MIT"]),
        ("above_appetite=untreated", ["A-HIGH"]),
        ("above_appetite=no", ["A-LOW", "A-OWN"]),
        ("current_likelihood=4&current_impact=4", ["A-HIGH"]),
        ("inherent_likelihood=5&inherent_impact=4", ["A-MIT"]),
        ("search=own", ["A-OWN"]),
    ],
)
def test_the_register_filters(
    api: Any, register: dict[str, RiskScenario], owner: Person, query: str, expected: list[str]
) -> None:
    assert sorted(references(api.as_(owner).get(f"{SCENARIOS}?{query}"))) == expected


def test_the_register_filters_by_objects_within_reach(
    api: Any,
    register: dict[str, RiskScenario],
    owner: Person,
    outsider: Person,
    organisation: Organisation,
    matrix: RiskMatrix,
) -> None:
    as_owner = api.as_(owner)
    ups = Asset.objects.get(reference="UPS-1")
    threat = Threat.objects.get(reference="T-RAN")

    assert references(as_owner.get(f"{SCENARIOS}?owner={owner.pk}")) == ["A-OWN"]
    assert references(as_owner.get(f"{SCENARIOS}?unit={organisation.beijing_ops.pk}")) == ["A-MIT"]
    assert len(references(as_owner.get(f"{SCENARIOS}?within={organisation.beijing.pk}"))) == 4
    assert references(as_owner.get(f"{SCENARIOS}?asset={ups.pk}")) == ["A-HIGH"]
    assert references(as_owner.get(f"{SCENARIOS}?threat={threat.pk}")) == ["A-MIT"]
    assert len(references(as_owner.get(f"{SCENARIOS}?matrix={matrix.pk}"))) == 4
    # An id out of reach is refused like one that does not exist.
    refused = api.as_(outsider).get(f"{SCENARIOS}?asset={ups.pk}")
    missing = api.as_(outsider).get(f"{SCENARIOS}?asset=999999")
    assert (refused.status_code, refused.json()) == (400, missing.json())


def test_the_register_sorts_by_residual_level_by_default(
    api: Any, register: dict[str, RiskScenario], owner: Person
) -> None:
    assert references(api.as_(owner).get(SCENARIOS)) == ["A-MIT", "A-HIGH", "A-OWN", "A-LOW"]
    assert references(api.as_(owner).get(f"{SCENARIOS}?ordering=current_level")) == [
        "A-LOW",
        "A-OWN",
        "A-HIGH",
        "A-MIT",
    ]
    rows = api.as_(owner).get(f"{SCENARIOS}?ordering=-current_level").json()["results"]
    assert [(row["reference"], row["is_overdue"]) for row in rows] == [
        ("A-MIT", True),
        ("A-HIGH", False),
        ("A-OWN", False),
        ("A-LOW", False),
    ]


# Exports -------------------------------------------------------------------------------------


def test_the_register_exports_as_xlsx_with_every_rating(
    api: Any, register: dict[str, RiskScenario], owner: Person
) -> None:
    response = api.as_(owner).get(f"{SCENARIOS}export/?file_format=xlsx&above_appetite=yes")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:3] == ["Reference", "Title", "Description"]
    column = {name: header.index(name) for name in header}
    exported = {row[0]: row for row in rows[1:]}
    assert sorted(exported) == ["A-HIGH", "A-MIT"]
    high = exported["A-HIGH"]
    assert (
        high[column["Current likelihood"]],
        high[column["Current impact"]],
        high[column["Current level"]],
        high[column["Assets"]],
        high[column["Above appetite"]],
        high[column["Treatment"]],
    ) == (4, 4, "High", "UPS-1", "Yes", "Not yet decided")
    assert exported["A-MIT"][column["Threats"]] == "T-RAN"
    assert exported["A-MIT"][column["Overdue actions"]] == "Yes"
    event = AuditEvent.objects.get(action="export")
    assert event.changes == {"filters": {"above_appetite": "yes"}, "rows": 2, "format": "xlsx"}


def test_the_register_exports_as_a_pdf_report(
    api: Any, register: dict[str, RiskScenario], owner: Person
) -> None:
    response = api.as_(owner).get(f"{SCENARIOS}report/?treatment=untreated")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "A-HIGH" in text
    assert "A-LOW" in text
    assert "A-OWN" in text
    assert "A-MIT" not in text
    event = AuditEvent.objects.get(action="export")
    assert event.changes == {"filters": {"treatment": "untreated"}, "rows": 3, "format": "pdf"}


def test_a_pdf_report_writes_chinese_names(api: Any, make_scenario: Any, owner: Person) -> None:
    make_scenario("机房断电", reference="CN-1")

    response = api.as_(owner).get(f"{SCENARIOS}report/")

    assert response.status_code == 200
    assert b"STSong-Light" in response.content
    assert "CN-1" in pdf_text(response.content)


# Query counts --------------------------------------------------------------------------------


# The core's list baseline (session, person, grants, root units, count, page keys, rows and
# the session's bookkeeping: 10) plus the prefetched asset and threat links.
MAXIMUM_QUERIES = 12


def queries_for(api: Any, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(captured), len(response.json()["results"])


@pytest.mark.parametrize("username", ["owner", "riskowner", "auditor"])
def test_the_register_api_costs_the_same_queries_for_five_rows_or_fifty(
    api: Any, make_scenario: Any, organisation: Organisation, owner: Person, auditor: Person, username: str
) -> None:
    ups = Asset.objects.create(
        reference="UPS-1", name="UPS", asset_type="facility_equipment", owner=owner, unit=organisation.beijing
    )
    threat = Threat.objects.create(urn="urn:test:threat:power", reference="T-POW", name="Power loss")
    for number in range(60):
        make_scenario(
            f"Scenario {number}", current=(1 + number % 5, 1 + number % 3), assets=[ups], threats=[threat]
        )
    api.as_(Person.objects.get(username=username))
    api.get(f"{SCENARIOS}?page_size=1")

    small_queries, small_rows = queries_for(api, f"{SCENARIOS}?page_size=5&ordering=-current_level")
    large_queries, large_rows = queries_for(api, f"{SCENARIOS}?page_size=50&ordering=-current_level")

    assert (small_rows, large_rows) == (5, 50)
    assert small_queries == large_queries
    assert large_queries <= MAXIMUM_QUERIES
