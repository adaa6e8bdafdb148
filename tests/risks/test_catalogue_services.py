"""Writing matrices and threats through the catalogue services."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from garrison.core.models import AuditEvent, Person
from garrison.core.roles import Role
from garrison.library.services import load_library
from garrison.risks.models import RiskMatrix, RiskScenario, Threat
from garrison.risks.services import catalogue
from tests.library import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(organisation: Any, make_person: Any) -> Person:
    return make_person("catalogue.admin", organisation.root, Role.ADMINISTRATOR)


def matrix_input(**changes: Any) -> dict[str, Any]:
    data = builders.matrix(**changes)
    del data["urn"]
    return data


def field_errors(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


def test_a_matrix_is_created_from_level_keys_and_stored_as_ranks(administrator: Person) -> None:
    matrix = catalogue.create_matrix(by=administrator, **matrix_input(name="Data-center matrix"))
    assert matrix.urn == "urn:garrison:local:risk-matrix:data-center-matrix"
    assert matrix.grid == [[1, 1, 2], [1, 2, 3], [2, 3, 3]]
    assert matrix.appetite == 2
    assert matrix.library_urn == ""
    assert catalogue.matrix_as_input(matrix)["grid"] == builders.matrix()["grid"]
    event = AuditEvent.objects.get(object_type="risks.riskmatrix", object_id=str(matrix.pk))
    assert event.action == "create"
    assert event.actor == administrator
    second = catalogue.create_matrix(by=administrator, **matrix_input(name="Data-center matrix"))
    assert second.urn == "urn:garrison:local:risk-matrix:data-center-matrix-2"


def test_a_bad_matrix_names_each_field_and_writes_nothing(administrator: Person) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        catalogue.create_matrix(
            by=administrator,
            **matrix_input(
                grid=[["green", "green", "amber"], ["green", "severe", "red"]],
                appetite="purple",
                levels=[{"key": "green", "name": "Green", "colour": "#2e7d32"}],
                impact=[],
            ),
        )
    assert field_errors(error) == {
        "impact": ["must be a list of at least one step, lowest first"],
        "grid": [
            "needs 3 rows, one per likelihood step (it has 2)",
            "row 1: unknown level 'amber'",
            "row 2: unknown level 'severe'",
            "row 2: unknown level 'red'",
        ],
        "appetite": ["unknown level 'purple'"],
    }
    assert not RiskMatrix.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_given_urn_must_be_well_formed_and_unused(administrator: Person) -> None:
    catalogue.create_matrix(by=administrator, urn="urn:acme:risk-matrix:one", **matrix_input())
    with pytest.raises(ValidationError) as taken:
        catalogue.create_matrix(by=administrator, urn="urn:acme:risk-matrix:one", **matrix_input())
    assert field_errors(taken) == {"urn": ["Another object already has this URN."]}
    with pytest.raises(ValidationError) as malformed:
        catalogue.create_matrix(by=administrator, urn="not a urn", **matrix_input())
    assert list(field_errors(malformed)) == ["urn"]
    assert RiskMatrix.objects.count() == 1


def test_making_a_matrix_the_default_takes_the_flag_from_the_previous_one(
    administrator: Person, matrix: RiskMatrix
) -> None:
    assert matrix.is_default
    ours = catalogue.create_matrix(by=administrator, **matrix_input(is_default=True))
    matrix.refresh_from_db()
    assert ours.is_default
    assert not matrix.is_default
    catalogue.update_matrix(matrix, by=administrator, is_default=True)
    ours.refresh_from_db()
    assert list(RiskMatrix.objects.filter(is_default=True)) == [matrix]


def test_a_matrix_that_rates_scenarios_keeps_its_size(
    administrator: Person, matrix: RiskMatrix, make_scenario: Any
) -> None:
    make_scenario()
    data = catalogue.matrix_as_input(matrix)
    with pytest.raises(ValidationError) as error:
        catalogue.update_matrix(
            matrix,
            by=administrator,
            likelihood=data["likelihood"][:4],
            grid=data["grid"][:4],
        )
    assert field_errors(error) == {
        "likelihood": [
            "The matrix rates 1 risk scenarios; the number of its likelihood and impact steps cannot change."
        ]
    }
    matrix.refresh_from_db()
    assert len(matrix.likelihood) == 5


def test_a_new_grid_derives_again_the_levels_of_the_scenarios_it_rates(
    administrator: Person, matrix: RiskMatrix, make_scenario: Any
) -> None:
    scenario = make_scenario(inherent=(5, 5), current=(3, 3), target=(1, 1))
    assert (scenario.inherent_level, scenario.current_level, scenario.target_level) == (4, 2, 1)
    grid = catalogue.matrix_as_input(matrix)["grid"]
    grid[2][2] = "high"  # likelihood 3, impact 3
    catalogue.update_matrix(matrix, by=administrator, grid=grid, reason="Moderate risks at possible are high")
    scenario.refresh_from_db()
    assert (scenario.inherent_level, scenario.current_level, scenario.target_level) == (4, 3, 1)
    event = AuditEvent.objects.filter(object_type="risks.riskscenario", object_id=str(scenario.pk)).latest(
        "sequence"
    )
    assert event.changes == {"current_level": [2, 3]}
    assert event.reason == "Moderate risks at possible are high"


def test_only_the_appetite_and_default_flag_of_a_library_matrix_change_here(administrator: Person) -> None:
    load_library(builders.dump(builders.library()), by=administrator)
    matrix = RiskMatrix.objects.get(urn=builders.MATRIX_URN)
    catalogue.update_matrix(matrix, by=administrator, appetite="red", is_default=True)
    matrix.refresh_from_db()
    assert (matrix.appetite, matrix.is_default) == (3, True)
    with pytest.raises(ValidationError) as error:
        catalogue.update_matrix(matrix, by=administrator, name="Renamed", appetite="green")
    assert list(field_errors(error)) == ["name"]
    assert "comes from the library urn:test:library:risk-basics" in field_errors(error)["name"][0]
    matrix.refresh_from_db()
    assert (matrix.name, matrix.appetite) == ("Three by three", 3)


def test_a_matrix_in_use_or_from_a_library_is_not_removed(
    administrator: Person, matrix: RiskMatrix, make_scenario: Any
) -> None:
    make_scenario()
    with pytest.raises(ValidationError, match="rates risk scenarios"):
        catalogue.delete_matrix(matrix, by=administrator)
    load_library(builders.dump(builders.library()), by=administrator)
    with pytest.raises(ValidationError, match="comes from the library"):
        catalogue.delete_matrix(RiskMatrix.objects.get(urn=builders.MATRIX_URN), by=administrator)
    unused = catalogue.create_matrix(by=administrator, **matrix_input(name="Unused"))
    catalogue.delete_matrix(unused, by=administrator, reason="Never used")
    assert RiskMatrix.objects.count() == 2
    assert AuditEvent.objects.get(object_type="risks.riskmatrix", action="delete").reason == "Never used"


def test_threats_of_the_organisation_are_created_changed_and_removed(administrator: Person) -> None:
    threat = catalogue.create_threat(
        by=administrator,
        reference="OWN-01",
        name="Rats chewing cables",
        name_zh="老鼠咬线",
        category="facility",
    )
    assert threat.urn == "urn:garrison:local:threat:own-01"
    catalogue.update_threat(threat, by=administrator, name="Rodents chewing cables", reason="Wording")
    threat.refresh_from_db()
    assert threat.name == "Rodents chewing cables"
    event = AuditEvent.objects.get(object_type="risks.threat", action="update")
    assert event.changes == {"name": ["Rats chewing cables", "Rodents chewing cables"]}
    catalogue.delete_threat(threat, by=administrator)
    assert not Threat.objects.exists()


def test_a_bad_threat_names_its_fields(administrator: Person) -> None:
    with pytest.raises(ValidationError) as error:
        catalogue.create_threat(by=administrator, reference="", name="", category="x" * 61)
    assert field_errors(error) == {
        "reference": ["required"],
        "name": ["required"],
        "category": ["is longer than 60 characters"],
    }
    assert not Threat.objects.exists()


def test_a_library_threat_changes_only_with_its_library_and_a_named_threat_stays(
    administrator: Person, make_scenario: Any
) -> None:
    load_library(builders.dump(builders.library()), by=administrator)
    shipped = Threat.objects.get(urn="urn:test:threat:t1")
    with pytest.raises(ValidationError, match="load a newer version of the library"):
        catalogue.update_threat(shipped, by=administrator, name="Mine now")
    with pytest.raises(ValidationError, match="stays while the library is loaded"):
        catalogue.delete_threat(shipped, by=administrator)
    ours = catalogue.create_threat(by=administrator, reference="OWN-02", name="Ours")
    make_scenario(threats=[ours])
    with pytest.raises(ValidationError, match="Risk scenarios name this threat"):
        catalogue.delete_threat(ours, by=administrator)
    assert Threat.objects.filter(pk__in=[shipped.pk, ours.pk]).count() == 2
    assert RiskScenario.objects.get().threats.get() == ours


@pytest.mark.parametrize("persona", ["owner", "colleague", "outsider", "auditor", "risk_owner"])
def test_changing_the_catalogue_needs_the_grant_over_every_tree(
    persona: str, request: pytest.FixtureRequest, matrix: RiskMatrix
) -> None:
    person = request.getfixturevalue(persona)
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        catalogue.create_threat(by=person, reference="X-1", name="X")
    with pytest.raises(PermissionDenied):
        catalogue.create_matrix(by=person, **matrix_input())
    with pytest.raises(PermissionDenied):
        catalogue.update_matrix(matrix, by=person, appetite="high")
    assert not Threat.objects.exists()
    assert RiskMatrix.objects.get().appetite == 2
    assert AuditEvent.objects.count() == events
