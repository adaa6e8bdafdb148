"""The heat map: exact counts per cell for inherent and current ratings, within the
person's reach and the filters, and the click-through from a cell to its scenarios."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from garrison.core.models import Person
from garrison.risks.heatmap import level_css_class
from garrison.risks.models import RiskMatrix, Treatment
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db

HEATMAP = "/api/risks/heatmap/"


@pytest.fixture
def scenarios(make_scenario: Any, organisation: Organisation, outsider: Person) -> None:
    make_scenario("A", inherent=(5, 5), current=(4, 4))
    make_scenario("B", inherent=(5, 5), current=(2, 3))
    make_scenario("C", inherent=(3, 2), current=(2, 3), treatment=Treatment.MITIGATE)
    make_scenario("Shanghai", inherent=(5, 5), current=(1, 1), unit=organisation.shanghai, owner=outsider)


def counts(grid: dict[str, Any]) -> dict[tuple[int, int], int]:
    return {(cell["likelihood"], cell["impact"]): cell["count"] for cell in grid["cells"] if cell["count"]}


def test_the_heat_map_counts_each_cell_exactly_within_reach(
    api: Any, scenarios: None, owner: Person, matrix: RiskMatrix
) -> None:
    response = api.as_(owner).get(HEATMAP)

    assert response.status_code == 200
    [default] = response.json()["matrices"]
    assert (default["id"], default["name"], default["appetite"]) == (matrix.pk, "Default 5x5", 2)
    assert default["likelihood"] == ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]
    assert [(level["rank"], level["key"], level["colour"]) for level in default["levels"]] == [
        (1, "low", "#2e7d32"),
        (2, "medium", "#f9a825"),
        (3, "high", "#ef6c00"),
        (4, "critical", "#c62828"),
    ]
    assert counts(default["inherent"]) == {(5, 5): 2, (3, 2): 1}
    assert counts(default["current"]) == {(4, 4): 1, (2, 3): 2}
    assert (default["inherent"]["total"], default["current"]["total"]) == (3, 3)
    assert len(default["current"]["cells"]) == 25
    first = default["current"]["cells"][0]
    assert (first["likelihood"], first["impact"], first["level"]) == (5, 1, 2)


def test_the_heat_map_follows_the_register_filters(api: Any, scenarios: None, auditor: Person) -> None:
    everything = api.as_(auditor).get(HEATMAP).json()["matrices"][0]
    untreated = api.as_(auditor).get(f"{HEATMAP}?treatment=untreated").json()["matrices"][0]

    assert counts(everything["inherent"]) == {(5, 5): 3, (3, 2): 1}
    assert counts(untreated["current"]) == {(4, 4): 1, (2, 3): 1, (1, 1): 1}


def test_the_heat_map_shows_the_default_matrix_when_nothing_is_rated(
    api: Any, colleague: Person, matrix: RiskMatrix
) -> None:
    [default] = api.as_(colleague).get(HEATMAP).json()["matrices"]

    assert default["id"] == matrix.pk
    assert (default["inherent"]["total"], default["current"]["total"]) == (0, 0)


def test_the_heat_map_has_one_map_per_matrix_in_use(
    api: Any, make_scenario: Any, owner: Person, matrix: RiskMatrix
) -> None:
    small = RiskMatrix.objects.create(
        urn="urn:test:3x3",
        name="Three by three",
        likelihood=[{"name": "Low"}, {"name": "Medium"}, {"name": "High"}],
        impact=[{"name": "Low"}, {"name": "Medium"}, {"name": "High"}],
        levels=[
            {"key": "green", "name": "Green"},
            {"key": "amber", "name": "Amber"},
            {"key": "red", "name": "Red"},
        ],
        grid=[[1, 1, 2], [1, 2, 3], [2, 3, 3]],
        appetite=1,
    )
    make_scenario("On the small matrix", matrix_used=small, inherent=(3, 3), current=(2, 2))

    maps = api.as_(owner).get(HEATMAP).json()["matrices"]

    assert [item["name"] for item in maps] == ["Default 5x5", "Three by three"]
    assert counts(maps[1]["current"]) == {(2, 2): 1}
    assert len(maps[1]["current"]["cells"]) == 9
    # Unknown level keys are coloured by their position on their own scale.
    assert [level_css_class(small, rank) for rank in (1, 2, 3)] == [
        "risk-level-low",
        "risk-level-medium",
        "risk-level-critical",
    ]


def test_a_heat_map_cell_leads_to_its_scenarios(scenarios: None, owner: Person, matrix: RiskMatrix) -> None:
    client = Client()
    client.force_login(owner)

    page = client.get("/risks/heat-map/")

    assert page.status_code == 200
    link = f"/risks/?matrix={matrix.pk}&amp;current_likelihood=2&amp;current_impact=3"
    assert link in page.content.decode()
    register = client.get(f"/risks/?matrix={matrix.pk}&current_likelihood=2&current_impact=3")
    content = register.content.decode()
    assert register.status_code == 200
    assert "2 results" in content
    assert "Current rating: likelihood 2, impact 3" in content


def test_the_heat_map_page_colours_cells_by_level_and_keeps_other_filters_in_its_links(
    scenarios: None, owner: Person, matrix: RiskMatrix
) -> None:
    client = Client()
    client.force_login(owner)

    content = client.get("/risks/heat-map/?treatment=untreated").content.decode()

    assert content.count('class="heatmap-cell risk-level-critical"') == 2 * 3
    assert content.count('class="heatmap-cell risk-level-low"') == 2 * 6
    assert (
        f"/risks/?treatment=untreated&amp;matrix={matrix.pk}&amp;inherent_likelihood=5&amp;inherent_impact=5"
        in content
    )
    assert "style=" not in content
