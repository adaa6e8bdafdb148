"""The catalogue API: `/api/risks/matrices/` and `/api/risks/threats/`, for every persona."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.core.models import AuditEvent, Person
from garrison.core.roles import Role
from garrison.library.services import load_library
from garrison.risks.models import RiskMatrix, Threat
from garrison.risks.services import catalogue
from tests.library import builders

pytestmark = pytest.mark.django_db

MATRICES = "/api/risks/matrices/"
THREATS = "/api/risks/threats/"


@pytest.fixture
def administrator(organisation: Any, make_person: Any) -> Person:
    return make_person("catalogue.admin", organisation.root, Role.ADMINISTRATOR)


@pytest.fixture
def own_threat(administrator: Person) -> Threat:
    return catalogue.create_threat(by=administrator, reference="OWN-01", name="Rats", category="facility")


def matrix_payload(**changes: Any) -> dict[str, Any]:
    data = builders.matrix(**changes)
    data["impact"] = [{"name": name} for name in data["impact"]]
    del data["urn"]
    return data


def test_a_matrix_is_created_and_read_with_level_keys(api: Any, administrator: Person) -> None:
    response = api.as_(administrator).post(MATRICES, matrix_payload(name="Our matrix"), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["urn"] == "urn:garrison:local:risk-matrix:our-matrix"
    assert body["grid"] == builders.matrix()["grid"]
    assert body["appetite"] == "amber"
    assert body["library_urn"] == ""
    stored = RiskMatrix.objects.get(pk=body["id"])
    assert stored.grid == [[1, 1, 2], [1, 2, 3], [2, 3, 3]]
    detail = api.get(f"{MATRICES}{stored.pk}/").json()
    assert detail["levels"][2]["key"] == "red"
    assert detail["scenario_count"] == 0


def test_a_bad_matrix_answers_400_naming_the_fields(api: Any, administrator: Person) -> None:
    grid = [["green", "green", "amber"], ["green", "amber", "red"], ["amber", "severe", "red"]]
    response = api.as_(administrator).post(MATRICES, matrix_payload(grid=grid, appetite="x"), format="json")
    assert response.status_code == 400
    assert response.json() == {"grid": ["row 3: unknown level 'severe'"], "appetite": ["unknown level 'x'"]}
    assert not RiskMatrix.objects.exists()


def test_a_matrix_in_use_cannot_change_its_size_through_the_api(
    api: Any, administrator: Person, matrix: RiskMatrix, make_scenario: Any
) -> None:
    make_scenario()
    current = api.as_(administrator).get(f"{MATRICES}{matrix.pk}/").json()
    response = api.patch(
        f"{MATRICES}{matrix.pk}/",
        {"impact": current["impact"][:3], "grid": [row[:3] for row in current["grid"]]},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["impact"]
    matrix.refresh_from_db()
    assert len(matrix.impact) == 5


def test_the_appetite_of_the_default_matrix_changes_by_key(
    api: Any, administrator: Person, matrix: RiskMatrix
) -> None:
    response = api.as_(administrator).patch(f"{MATRICES}{matrix.pk}/", {"appetite": "high"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["appetite"] == "high"
    matrix.refresh_from_db()
    assert matrix.appetite == 3
    event = AuditEvent.objects.get(object_type="risks.riskmatrix", action="update")
    assert event.changes == {"appetite": [2, 3]}


def test_threats_are_created_updated_filtered_and_removed(api: Any, administrator: Person) -> None:
    api.as_(administrator)
    created = api.post(
        THREATS,
        {"reference": "OWN-01", "name": "Rats", "name_zh": "鼠害", "category": "facility"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    threat_id = created.json()["id"]
    assert created.json()["urn"] == "urn:garrison:local:threat:own-01"
    updated = api.patch(f"{THREATS}{threat_id}/", {"description": "They chew cables."}, format="json")
    assert updated.status_code == 200
    assert Threat.objects.get(pk=threat_id).description == "They chew cables."
    load_library(builders.dump(builders.library()), by=administrator)
    facility = api.get(f"{THREATS}?category=facility").json()["results"]
    assert [threat["reference"] for threat in facility] == ["OWN-01"]
    searched = api.get(f"{THREATS}?search=威胁2").json()["results"]
    assert [threat["reference"] for threat in searched] == ["TT-02"]
    assert api.delete(f"{THREATS}{threat_id}/").status_code == 204
    assert not Threat.objects.filter(pk=threat_id).exists()


def test_a_library_threat_is_read_only_through_the_api(api: Any, administrator: Person) -> None:
    load_library(builders.dump(builders.library()), by=administrator)
    shipped = Threat.objects.get(urn="urn:test:threat:t1")
    response = api.as_(administrator).patch(f"{THREATS}{shipped.pk}/", {"name": "Mine"}, format="json")
    assert response.status_code == 400
    assert "load a newer version of the library" in response.json()["non_field_errors"][0]
    assert api.delete(f"{THREATS}{shipped.pk}/").status_code == 400
    shipped.refresh_from_db()
    assert shipped.name == "Threat 1"


def test_a_threat_without_name_is_a_field_error(api: Any, administrator: Person) -> None:
    response = api.as_(administrator).post(THREATS, {"reference": "X-1", "name": ""}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    assert not Threat.objects.exists()


@pytest.mark.parametrize("persona", ["owner", "outsider", "auditor", "risk_owner"])
def test_readers_of_risks_read_the_catalogue_and_change_nothing(
    api: Any, persona: str, request: pytest.FixtureRequest, matrix: RiskMatrix, own_threat: Threat
) -> None:
    person = request.getfixturevalue(persona)
    events = AuditEvent.objects.count()
    api.as_(person)
    assert [row["id"] for row in api.get(MATRICES).json()["results"]] == [matrix.pk]
    assert api.get(f"{THREATS}{own_threat.pk}/").json()["name"] == "Rats"
    assert api.post(THREATS, {"reference": "X-1", "name": "X"}, format="json").status_code == 403
    assert api.post(MATRICES, matrix_payload(), format="json").status_code == 403
    assert api.patch(f"{THREATS}{own_threat.pk}/", {"name": "Mine"}, format="json").status_code == 404
    assert api.patch(f"{MATRICES}{matrix.pk}/", {"appetite": "high"}, format="json").status_code == 404
    assert api.delete(f"{THREATS}{own_threat.pk}/").status_code == 404
    assert Threat.objects.get().name == "Rats"
    assert RiskMatrix.objects.get().appetite == 2
    assert AuditEvent.objects.count() == events


def test_people_who_may_not_view_risks_see_no_catalogue(
    api: Any, colleague: Person, matrix: RiskMatrix, own_threat: Threat
) -> None:
    api.as_(colleague)
    assert api.get(MATRICES).json()["results"] == []
    assert api.get(f"{THREATS}{own_threat.pk}/").status_code == 404
    assert api.get(f"{MATRICES}{matrix.pk}/").status_code == 404
    assert api.post(THREATS, {"reference": "X-1", "name": "X"}, format="json").status_code == 403


@pytest.mark.parametrize("endpoint", [MATRICES, THREATS])
def test_catalogue_lists_cost_the_same_queries_for_a_page_of_five_and_fifty(
    api: Any, administrator: Person, endpoint: str, django_assert_max_num_queries: Any
) -> None:
    for number in range(8):
        catalogue.create_matrix(by=administrator, **matrix_payload(name=f"Matrix {number}"))
    load_library(
        builders.dump(builders.library(threats=[builders.threat(n) for n in range(1, 9)])), by=administrator
    )
    api.as_(administrator).get(f"{endpoint}?page_size=1")
    with django_assert_max_num_queries(10) as small:
        assert len(api.get(f"{endpoint}?page_size=5").json()["results"]) == 5
    with django_assert_max_num_queries(10) as large:
        assert len(api.get(f"{endpoint}?page_size=50").json()["results"]) > 5
    assert len(small.captured_queries) == len(large.captured_queries)
