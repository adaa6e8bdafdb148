"""The catalogue pages: matrices (drawn as coloured grids) and threats, for every persona."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from garrison.core.models import AuditEvent, Person
from garrison.core.roles import Role
from garrison.library.services import load_library
from garrison.risks.models import RiskMatrix, Threat
from garrison.risks.services import catalogue
from tests.library import builders

pytestmark = pytest.mark.django_db

MATRIX_FORM = {
    "urn": "",
    "name": "Facilities matrix",
    "name_zh": "设施矩阵",
    "description": "",
    "likelihood": "Low | 低 | Once in ten years\nMedium\nHigh | 高",
    "impact": "Small\nSerious\nGrave",
    "levels": "green | Green | 绿 | #2e7d32\namber | Amber | 黄 | #f9a825\nred | Red | 红 | #c62828",
    "grid": "green green amber\ngreen, amber, red\namber red red",
    "appetite": "amber",
}


@pytest.fixture
def administrator(organisation: Any, make_person: Any) -> Person:
    return make_person("catalogue.admin", organisation.root, Role.ADMINISTRATOR)


@pytest.fixture
def shipped(administrator: Person) -> None:
    load_library(builders.SHIPPED_DEFAULTS, by=administrator)


def test_the_matrix_list_shows_size_levels_and_appetite(
    client: Client, auditor: Person, shipped: None
) -> None:
    client.force_login(auditor)
    response = client.get(reverse("risks:matrix-list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Default 5\u00d75 risk matrix" in page
    assert "5 \u00d7 5" in page
    assert 'class="badge risk-level risk-level-critical">Critical</span>' in page
    assert reverse("risks:matrix-create") not in page


def test_the_matrix_page_draws_the_grid_highest_likelihood_on_top_and_marks_cells_above_appetite(
    client: Client, auditor: Person, shipped: None
) -> None:
    matrix = RiskMatrix.objects.get()
    client.force_login(auditor)
    response = client.get(reverse("risks:matrix-detail", args=[matrix.pk]))
    assert response.status_code == 200
    rows = response.context["grid_rows"]
    assert [row["name"] for row in rows] == ["Almost certain", "Likely", "Possible", "Unlikely", "Rare"]
    assert [cell["name"] for cell in rows[0]["cells"]] == ["Medium", "High", "High", "Critical", "Critical"]
    assert rows[0]["cells"][4]["css_class"] == "risk-level-critical"
    above = sum(cell["is_above_appetite"] for row in rows for cell in row["cells"])
    assert above == 10
    page = response.content.decode()
    assert page.count("▲</span>") == 10
    assert "Far above appetite; reported to the Committee and treated first." in page
    assert reverse("risks:matrix-edit", args=[matrix.pk]) not in page


def test_a_matrix_is_added_from_lines_of_text(client: Client, administrator: Person) -> None:
    client.force_login(administrator)
    assert client.get(reverse("risks:matrix-create")).status_code == 200
    response = client.post(reverse("risks:matrix-create"), MATRIX_FORM)
    matrix = RiskMatrix.objects.get(name="Facilities matrix")
    assert response.status_code == 302
    assert response["Location"] == reverse("risks:matrix-detail", args=[matrix.pk])
    assert matrix.grid == [[1, 1, 2], [1, 2, 3], [2, 3, 3]]
    assert matrix.likelihood[0] == {
        "name": "Low",
        "name_zh": "低",
        "description": "Once in ten years",
        "description_zh": "",
    }
    assert matrix.levels[2]["colour"] == "#c62828"
    assert matrix.appetite == 2


def test_a_bad_matrix_form_shows_the_errors_on_its_fields_and_writes_nothing(
    client: Client, administrator: Person
) -> None:
    client.force_login(administrator)
    events = AuditEvent.objects.count()
    form = {
        **MATRIX_FORM,
        "grid": "green green amber\ngreen amber red\namber severe red",
        "likelihood": "a | b | c | d | e",
    }
    response = client.post(reverse("risks:matrix-create"), form)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["likelihood"] == ["Line 1 has 5 parts; at most 4 are separated by “|”."]
    assert not RiskMatrix.objects.exists()
    form["likelihood"] = MATRIX_FORM["likelihood"]
    response = client.post(reverse("risks:matrix-create"), form)
    assert response.status_code == 400
    assert response.context["form"].errors == {"grid": ["row 3: unknown level 'severe'"]}
    assert not RiskMatrix.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_library_matrix_is_edited_only_in_its_appetite_and_default_flag(
    client: Client, administrator: Person, shipped: None
) -> None:
    matrix = RiskMatrix.objects.get()
    client.force_login(administrator)
    response = client.get(reverse("risks:matrix-edit", args=[matrix.pk]))
    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["appetite", "is_default", "reason"]
    response = client.post(
        reverse("risks:matrix-edit", args=[matrix.pk]),
        {"appetite": "high", "is_default": "on", "reason": "The Committee raised the appetite"},
    )
    assert response.status_code == 302
    matrix.refresh_from_db()
    assert matrix.appetite == 3
    event = AuditEvent.objects.get(object_type="risks.riskmatrix", action="update")
    assert event.reason == "The Committee raised the appetite"


def test_an_organisation_matrix_is_edited_whole_and_removed_while_unused(
    client: Client, administrator: Person
) -> None:
    client.force_login(administrator)
    client.post(reverse("risks:matrix-create"), MATRIX_FORM)
    matrix = RiskMatrix.objects.get()
    edit = client.get(reverse("risks:matrix-edit", args=[matrix.pk]))
    assert edit.context["form"]["grid"].value() == "green green amber\ngreen amber red\namber red red"
    response = client.post(
        reverse("risks:matrix-edit", args=[matrix.pk]),
        {**MATRIX_FORM, "grid": "green green green\ngreen amber red\namber red red", "reason": "Softer"},
    )
    assert response.status_code == 302
    matrix.refresh_from_db()
    assert matrix.grid[0] == [1, 1, 1]
    page = client.get(reverse("risks:matrix-detail", args=[matrix.pk])).content.decode()
    assert reverse("risks:matrix-delete", args=[matrix.pk]) in page
    response = client.post(reverse("risks:matrix-delete", args=[matrix.pk]), {"reason": "Not needed"})
    assert response.status_code == 302
    assert not RiskMatrix.objects.exists()


@pytest.mark.parametrize("persona", ["owner", "colleague", "outsider", "auditor", "risk_owner"])
def test_without_the_grant_everywhere_the_catalogue_forms_answer_404_and_change_nothing(
    client: Client, persona: str, request: pytest.FixtureRequest, matrix: RiskMatrix, administrator: Person
) -> None:
    threat = catalogue.create_threat(by=administrator, reference="OWN-1", name="Rats")
    client.force_login(request.getfixturevalue(persona))
    events = AuditEvent.objects.count()
    assert client.get(reverse("risks:matrix-create")).status_code == 404
    assert client.post(reverse("risks:matrix-create"), MATRIX_FORM).status_code == 404
    assert (
        client.post(reverse("risks:matrix-edit", args=[matrix.pk]), {"appetite": "high"}).status_code == 404
    )
    assert client.post(reverse("risks:threat-create"), {"reference": "X", "name": "X"}).status_code == 404
    assert client.post(reverse("risks:threat-edit", args=[threat.pk]), {"name": "Y"}).status_code == 404
    assert client.post(reverse("risks:threat-delete", args=[threat.pk])).status_code == 404
    assert RiskMatrix.objects.get().appetite == 2
    assert Threat.objects.get().name == "Rats"
    assert AuditEvent.objects.count() == events


def test_the_threat_list_reads_in_the_readers_language_and_filters_by_category(
    client: Client, organisation: Any, make_person: Any, shipped: None
) -> None:
    reader = make_person("zh.reader", organisation.root, Role.AUDITOR, language="zh-hans")
    client.force_login(reader)
    response = client.get(reverse("risks:threat-list") + "?category=facility&page_size=50")
    assert response.status_code == 200
    assert [row.object.reference for row in response.context["rows"]] == [
        "TH-CLG-01",
        "TH-CLG-02",
        "TH-PWR-01",
        "TH-PWR-02",
        "TH-PWR-03",
        "TH-PWR-04",
    ]
    assert "市电中断" in response.content.decode()


def test_a_library_threat_page_offers_no_edit_and_lists_the_scenarios_naming_it(
    client: Client, administrator: Person, shipped: None, make_scenario: Any
) -> None:
    threat = Threat.objects.get(reference="TH-CYB-01")
    scenario = make_scenario("Ransomware on the billing system", threats=[threat])
    client.force_login(administrator)
    response = client.get(reverse("risks:threat-detail", args=[threat.pk]))
    assert response.status_code == 200
    assert response.context["edit_url"] is None
    assert response.context["delete_url"] is None
    assert list(response.context["scenarios"]) == [scenario]
    assert reverse("risks:risk-detail", args=[scenario.pk]) in response.content.decode()


def test_the_organisations_threat_is_added_edited_and_removed_through_the_pages(
    client: Client, administrator: Person
) -> None:
    client.force_login(administrator)
    response = client.post(
        reverse("risks:threat-create"),
        {"reference": "OWN-01", "name": "Rats", "name_zh": "鼠害", "category": "facility", "urn": ""},
    )
    threat = Threat.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("risks:threat-detail", args=[threat.pk])
    response = client.post(
        reverse("risks:threat-edit", args=[threat.pk]),
        {
            "reference": "OWN-01",
            "name": "Rodents",
            "name_zh": "鼠害",
            "category": "facility",
            "reason": "Wording",
        },
    )
    assert response.status_code == 302
    threat.refresh_from_db()
    assert threat.name == "Rodents"
    confirm = client.get(reverse("risks:threat-delete", args=[threat.pk]))
    assert confirm.status_code == 200
    assert client.post(reverse("risks:threat-delete", args=[threat.pk]), {"reason": ""}).status_code == 302
    assert not Threat.objects.exists()


def test_a_threat_form_without_name_shows_the_field_error(client: Client, administrator: Person) -> None:
    client.force_login(administrator)
    response = client.post(reverse("risks:threat-create"), {"reference": "OWN-01", "name": ""})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name"}
    assert not Threat.objects.exists()


@pytest.mark.parametrize("url_name", ["risks:matrix-list", "risks:threat-list"])
def test_catalogue_list_pages_cost_the_same_queries_for_few_rows_or_many(
    client: Client, administrator: Person, shipped: None, url_name: str, django_assert_max_num_queries: Any
) -> None:
    for number in range(6):
        catalogue.create_matrix(
            by=administrator, **{**builders.matrix(urn=f"urn:test:risk-matrix:m{number}")}
        )
    client.force_login(administrator)
    client.get(reverse(url_name))
    with django_assert_max_num_queries(14) as small:
        client.get(reverse(url_name) + "?page_size=25&q=e")
    with django_assert_max_num_queries(14) as large:
        response = client.get(reverse(url_name) + "?page_size=100")
    assert len(response.context["rows"]) > 5
    assert len(small.captured_queries) == len(large.captured_queries)
