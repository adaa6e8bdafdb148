"""A new library version meeting the scenarios its matrix already rates."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.core.models import AuditEvent, Person
from garrison.core.roles import Role
from garrison.library.models import LoadedLibrary
from garrison.library.services import LoadStatus, load_library
from garrison.risks.models import RiskMatrix
from tests.library import builders
from tests.risks.conftest import APPETITE, GRID, LEVELS

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(organisation: Any, make_person: Any) -> Person:
    return make_person("library.admin", organisation.root, Role.ADMINISTRATOR)


@pytest.fixture
def library_matrix(administrator: Person) -> RiskMatrix:
    load_library(builders.dump(builders.library()), by=administrator)
    return RiskMatrix.objects.get(urn=builders.MATRIX_URN)


def test_a_new_grid_from_the_library_derives_the_scenario_levels_again(
    administrator: Person, library_matrix: RiskMatrix, make_scenario: Any
) -> None:
    scenario = make_scenario(matrix_used=library_matrix, inherent=(3, 3), current=(2, 2), target=(1, 1))
    assert (scenario.inherent_level, scenario.current_level, scenario.target_level) == (3, 2, 1)
    stricter = builders.matrix(
        grid=[["green", "amber", "amber"], ["amber", "red", "red"], ["red", "red", "red"]]
    )
    result = load_library(builders.dump(builders.library(version=2, matrices=[stricter])), by=administrator)
    assert result.status == LoadStatus.UPGRADED
    assert result.kinds["risk_matrices"].changed == {builders.MATRIX_URN: ["grid"]}
    scenario.refresh_from_db()
    assert (scenario.inherent_level, scenario.current_level, scenario.target_level) == (3, 3, 1)
    event = AuditEvent.objects.filter(object_type="risks.riskscenario", action="update").get()
    assert event.changes == {"current_level": [2, 3]}
    assert event.reason == f"library {builders.LIBRARY_URN} version 2"


def test_a_new_version_may_not_resize_a_matrix_that_rates_scenarios(
    administrator: Person, library_matrix: RiskMatrix, make_scenario: Any
) -> None:
    make_scenario(matrix_used=library_matrix, inherent=(3, 3), current=(2, 2))
    smaller = builders.matrix(
        likelihood=["Low", "High"], grid=[["green", "green", "amber"], ["amber", "red", "red"]]
    )
    events = AuditEvent.objects.count()
    result = load_library(
        builders.dump(builders.library(version=2, matrices=[smaller], threats=[builders.threat(9)])),
        by=administrator,
    )
    assert result.status == LoadStatus.REFUSED
    assert result.errors == [
        f"{builders.MATRIX_URN}, likelihood and impact: The matrix rates 1 risk scenarios; the number of its "
        "likelihood and impact steps cannot change."
    ]
    library_matrix.refresh_from_db()
    assert len(library_matrix.likelihood) == 3
    assert LoadedLibrary.objects.get().version == 1
    assert AuditEvent.objects.count() == events


def test_the_shipped_default_matrix_rates_like_the_register_fixture(administrator: Person) -> None:
    load_library(builders.SHIPPED_DEFAULTS, by=administrator)
    shipped = RiskMatrix.objects.get(urn="urn:garrison:risk-matrix:default-5x5")
    assert shipped.grid == [list(row) for row in GRID]
    assert shipped.appetite == APPETITE
    assert [(level["key"], level["name"], level["colour"]) for level in shipped.levels] == list(LEVELS)
    assert shipped.is_default
