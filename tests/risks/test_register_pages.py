"""The register's web pages: the list with its filters and exports, a scenario's page with
its ratings, plan and acceptance box, the forms, and constant query counts."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from garrison.assets.models import Asset
from garrison.core.models import Person
from garrison.core.roles import Role
from garrison.risks.models import (
    AcceptanceStatus,
    ActionStatus,
    RiskAcceptance,
    RiskMatrix,
    RiskScenario,
    Threat,
    Treatment,
    TreatmentAction,
)
from garrison.risks.services.acceptance import request_acceptance
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db


def browser(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def officer(organisation: Organisation, make_person: Any) -> Person:
    return make_person("officer", organisation.beijing, Role.SECURITY_OFFICER)


# The list ------------------------------------------------------------------------------------


def test_the_register_lists_scenarios_with_level_and_appetite_badges(
    make_scenario: Any, owner: Person, organisation: Organisation, outsider: Person
) -> None:
    make_scenario("Cooling failure", reference="BJ-1", current=(5, 5))
    make_scenario("Badge reader fault", reference="BJ-2", current=(1, 1))
    make_scenario("Shanghai flood", reference="SH-1", unit=organisation.shanghai, owner=outsider)

    response = browser(owner).get("/risks/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "2 results" in content
    assert content.index("BJ-1") < content.index("BJ-2")
    assert "SH-1" not in content
    assert '<span class="badge risk-level risk-level-critical">Critical</span>' in content
    assert "Above appetite, no treatment" in content
    assert "/risks/report/?" in content
    assert "/risks/heat-map/?" in content


def test_the_level_filters_start_empty_and_name_the_default_levels(owner: Person, matrix: RiskMatrix) -> None:
    content = browser(owner).get("/risks/").content.decode()

    for name in ("current_level", "inherent_level"):
        start = content.index(f'name="{name}"')
        select = content[start : content.index("</select>", start)]
        assert '<option value="" selected>---------</option>' in select
        assert '<option value="4">Critical</option>' in select


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("owner=owner", ["BJ-OWN"]),
        ("above_appetite=untreated", ["BJ-HIGH"]),
        ("treatment=mitigate", ["BJ-MIT"]),
        ("overdue=yes", ["BJ-MIT"]),
        ("current_level=1", ["BJ-OWN"]),
        ("q=mitig", ["BJ-MIT"]),
    ],
)
def test_the_register_page_filters(
    make_scenario: Any,
    owner: Person,
    risk_owner: Person,
    organisation: Organisation,
    query: str,
    expected: list[str],
) -> None:
    make_scenario("High", reference="BJ-HIGH", current=(5, 5))
    mitigated = make_scenario(
        "Mitigated",
        reference="BJ-MIT",
        current=(4, 4),
        treatment=Treatment.MITIGATE,
        unit=organisation.beijing_ops,
    )
    make_scenario("Owned", reference="BJ-OWN", current=(1, 1), owner=owner)
    TreatmentAction.objects.create(scenario=mitigated, title="Late", owner=risk_owner, due_on=in_days(-1))

    content = browser(owner).get(f"/risks/?{query}").content.decode()

    shown = [reference for reference in ("BJ-HIGH", "BJ-MIT", "BJ-OWN") if f">{reference}<" in content]
    assert shown == expected


def test_the_register_unit_filter_includes_sub_units(
    make_scenario: Any, owner: Person, organisation: Organisation
) -> None:
    make_scenario("Site", reference="BJ-SITE")
    make_scenario("Team", reference="BJ-OPS", unit=organisation.beijing_ops)

    site = browser(owner).get(f"/risks/?unit={organisation.beijing.pk}").content.decode()
    team = browser(owner).get(f"/risks/?unit={organisation.beijing_ops.pk}").content.decode()

    assert (">BJ-SITE<" in site, ">BJ-OPS<" in site) == (True, True)
    assert (">BJ-SITE<" in team, ">BJ-OPS<" in team) == (False, True)


def test_the_register_page_exports_every_rating_as_xlsx(make_scenario: Any, owner: Person) -> None:
    make_scenario("Cooling failure", reference="BJ-1", inherent=(5, 5), current=(4, 4), target=(2, 2))

    response = browser(owner).get("/risks/?export=xlsx")

    assert response.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True)
    )
    header = rows[0]
    assert len(rows) == 2
    assert dict(zip(header, rows[1], strict=True))["Target level"] == "Low"
    assert dict(zip(header, rows[1], strict=True))["Inherent likelihood"] == 5


def test_the_register_page_offers_a_pdf_of_the_filtered_register(make_scenario: Any, owner: Person) -> None:
    make_scenario("Cooling failure", reference="BJ-1")

    response = browser(owner).get("/risks/report/?treatment=untreated")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith('attachment; filename="risk-register-')


# Session, person, grants, root units, count, rows, unread notifications and the session's
# bookkeeping, plus the filter form's choices (levels, units, matrices, threats).
MAXIMUM_PAGE_QUERIES = 14


@pytest.mark.parametrize("username", ["owner", "auditor"])
def test_the_register_page_costs_the_same_queries_for_a_few_rows_or_many(
    make_scenario: Any, owner: Person, auditor: Person, username: str
) -> None:
    for number in range(55):
        make_scenario(f"Scenario {number}", current=(1 + number % 5, 1 + number % 5))
    client = browser(Person.objects.get(username=username))
    client.get("/risks/?page_size=25")

    counts = []
    for size in (25, 100):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/risks/?page_size={size}&sort=-current_level")
        assert response.status_code == 200
        counts.append(len(captured))

    assert counts[0] == counts[1]
    assert counts[1] <= MAXIMUM_PAGE_QUERIES


# A scenario's page ---------------------------------------------------------------------------


def test_a_scenario_page_shows_ratings_links_plan_and_history(
    make_scenario: Any, owner: Person, risk_owner: Person, organisation: Organisation
) -> None:
    ups = Asset.objects.create(
        reference="UPS-1",
        name="UPS hall A",
        asset_type="facility_equipment",
        owner=owner,
        unit=organisation.beijing,
    )
    threat = Threat.objects.create(urn="urn:test:threat:power", reference="T-POW", name="Power loss")
    scenario = make_scenario(inherent=(5, 5), current=(4, 4), target=(2, 2), assets=[ups], threats=[threat])
    TreatmentAction.objects.create(
        scenario=scenario, title="Second UPS", owner=risk_owner, due_on=in_days(-1)
    )

    content = browser(owner).get(f"/risks/{scenario.pk}/").content.decode()

    assert "5 · Almost certain" in content
    assert "4 · Major" in content
    assert '<span class="badge risk-level risk-level-critical">Critical</span>' in content
    assert "UPS-1 UPS hall A" in content
    assert "T-POW Power loss" in content
    assert "Second UPS" in content
    assert "Overdue treatment actions" in content
    assert "Above appetite, no treatment" in content
    assert "Ask to accept this risk" in content
    assert 'id="history"' in content
    assert f'href="/risks/{scenario.pk}/edit/"' in content


@pytest.mark.parametrize("person_name", ["outsider", "colleague"])
def test_a_scenario_page_out_of_reach_answers_404(make_scenario: Any, person_name: str, request: Any) -> None:
    scenario = make_scenario()
    person = request.getfixturevalue(person_name)

    for url in (f"/risks/{scenario.pk}/", f"/risks/{scenario.pk}/edit/", f"/risks/{scenario.pk}/delete/"):
        assert browser(person).get(url).status_code == 404


def test_an_auditor_reads_a_scenario_page_without_any_button(make_scenario: Any, auditor: Person) -> None:
    scenario = make_scenario()

    content = browser(auditor).get(f"/risks/{scenario.pk}/").content.decode()

    assert scenario.reference in content
    assert "/edit/" not in content
    assert "Ask to accept this risk" not in content
    assert "Add a treatment action" not in content


# Forms ---------------------------------------------------------------------------------------


def scenario_form(organisation: Organisation, **fields: Any) -> dict[str, Any]:
    data = {
        "title": "Cooling failure in hall B",
        "unit": organisation.beijing.pk,
        "owner": "riskowner",
        "inherent_likelihood": 4,
        "inherent_impact": 5,
        "current_likelihood": 3,
        "current_impact": 3,
        "target_likelihood": "",
        "target_impact": "",
        "treatment": "untreated",
        "assets": "",
    }
    data.update(fields)
    return data


def test_a_risk_owner_creates_a_scenario_from_the_form(
    risk_owner: Person, organisation: Organisation, matrix: RiskMatrix
) -> None:
    Asset.objects.create(
        reference="CRAC-2",
        name="Cooling unit",
        asset_type="facility_equipment",
        owner=risk_owner,
        unit=organisation.beijing,
    )

    response = browser(risk_owner).post(
        "/risks/new/", scenario_form(organisation, matrix=matrix.pk, assets="CRAC-2")
    )

    scenario = RiskScenario.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/risks/{scenario.pk}/"
    assert (scenario.reference, scenario.owner, scenario.current_level) == (
        f"R-{scenario.pk:06d}",
        risk_owner,
        2,
    )
    assert scenario.asset_references == "CRAC-2"


def test_the_form_names_unknown_assets_and_writes_nothing(
    risk_owner: Person, organisation: Organisation, matrix: RiskMatrix
) -> None:
    response = browser(risk_owner).post(
        "/risks/new/", scenario_form(organisation, matrix=matrix.pk, assets="NOPE-1, NOPE-2")
    )

    assert response.status_code == 400
    assert "No asset with the reference NOPE-1, NOPE-2." in response.content.decode()
    assert not RiskScenario.objects.exists()


def test_the_form_shows_the_matrix_error_of_a_rating(
    risk_owner: Person, organisation: Organisation, matrix: RiskMatrix
) -> None:
    small = RiskMatrix.objects.create(
        urn="urn:test:3x3",
        name="Three by three",
        likelihood=[{"name": "Low"}, {"name": "Medium"}, {"name": "High"}],
        impact=[{"name": "Low"}, {"name": "Medium"}, {"name": "High"}],
        levels=[{"key": "low", "name": "Low"}, {"key": "high", "name": "High"}],
        grid=[[1, 1, 1], [1, 2, 2], [1, 2, 2]],
        appetite=1,
    )

    response = browser(risk_owner).post("/risks/new/", scenario_form(organisation, matrix=small.pk))

    assert response.status_code == 400
    content = response.content.decode()
    assert "Must be between 1 and 3 on the matrix “Three by three”." in content
    assert not RiskScenario.objects.exists()


def test_an_edit_records_its_reason(make_scenario: Any, owner: Person, organisation: Organisation) -> None:
    scenario = make_scenario(current=(3, 3))

    response = browser(owner).post(
        f"/risks/{scenario.pk}/edit/",
        scenario_form(
            organisation,
            title=scenario.title,
            matrix=scenario.matrix_id,
            current_likelihood=1,
            current_impact=1,
            status="open",
            treatment="mitigate",
            reason="Fire suppression installed",
        ),
    )

    assert response.status_code == 302
    scenario.refresh_from_db()
    assert (scenario.current_level, scenario.treatment) == (1, Treatment.MITIGATE)
    history = browser(owner).get(f"/risks/{scenario.pk}/").content.decode()
    assert "Fire suppression installed" in history


def test_a_treatment_action_is_added_and_completed_from_the_scenario_page(
    make_scenario: Any, owner: Person, risk_owner: Person
) -> None:
    scenario = make_scenario()
    client = browser(owner)

    added = client.post(
        f"/risks/{scenario.pk}/actions/new/",
        {
            "action-title": "Install second UPS",
            "action-owner": "riskowner",
            "action-due_on": str(in_days(14)),
            "action-status": "planned",
        },
    )
    action = TreatmentAction.objects.get()
    completed = client.post(f"/risks/actions/{action.pk}/complete/")

    assert (added.status_code, completed.status_code) == (302, 302)
    action.refresh_from_db()
    assert (action.title, action.owner, action.status) == (
        "Install second UPS",
        risk_owner,
        ActionStatus.DONE,
    )


def test_acceptance_is_requested_and_approved_through_the_pages(
    make_scenario: Any, risk_owner: Person, officer: Person
) -> None:
    scenario = make_scenario(current=(4, 4))

    requested = browser(risk_owner).post(
        f"/risks/{scenario.pk}/acceptance/",
        {"acceptance-justification": "Hardware on order", "acceptance-expires_on": str(in_days(60))},
    )
    acceptance = RiskAcceptance.objects.get()
    requester_page = browser(risk_owner).get(f"/risks/{scenario.pk}/").content.decode()
    officer_page = browser(officer).get(f"/risks/{scenario.pk}/").content.decode()
    approved = browser(officer).post(
        f"/risks/acceptances/{acceptance.pk}/approve/", {"decision-comment": "Until delivery"}
    )

    assert (requested.status_code, approved.status_code) == (302, 302)
    assert ">Withdraw<" in requester_page
    assert ">Approve<" not in requester_page
    assert ">Approve<" in officer_page
    assert ">Reject<" in officer_page
    assert ">Withdraw<" not in officer_page
    acceptance.refresh_from_db()
    assert (acceptance.status, acceptance.decided_by) == (AcceptanceStatus.APPROVED, officer)
    assert RiskScenario.objects.get(pk=scenario.pk).treatment == Treatment.ACCEPT


def test_the_requester_is_told_why_they_cannot_approve_from_the_page(
    make_scenario: Any, owner: Person
) -> None:
    scenario = make_scenario()
    acceptance = request_acceptance(scenario, by=owner, justification="Cheap", expires_on=in_days(10))
    client = browser(owner)

    response = client.post(f"/risks/acceptances/{acceptance.pk}/approve/", {}, follow=True)

    assert "someone else with the authority to accept must decide" in response.content.decode()
    assert RiskAcceptance.objects.get(pk=acceptance.pk).status == AcceptanceStatus.REQUESTED


def test_the_acceptances_page_lists_requests_waiting_for_a_decision(
    make_scenario: Any, risk_owner: Person, officer: Person, outsider: Person
) -> None:
    scenario = make_scenario(reference="BJ-ACC")
    request_acceptance(scenario, by=risk_owner, justification="Hardware on order", expires_on=in_days(30))

    mine = browser(officer).get("/risks/acceptances/?status=requested").content.decode()
    theirs = browser(outsider).get("/risks/acceptances/?status=requested").content.decode()

    assert "BJ-ACC" in mine
    assert "Hardware on order" in mine
    assert "BJ-ACC" not in theirs


def test_an_administrator_deletes_a_scenario_from_its_page(
    make_scenario: Any, owner: Person, risk_owner: Person
) -> None:
    scenario = make_scenario()

    assert browser(risk_owner).post(f"/risks/{scenario.pk}/delete/", {"comment": "Twice"}).status_code == 404
    response = browser(owner).post(f"/risks/{scenario.pk}/delete/", {"comment": "Entered twice"})

    assert response.status_code == 302
    assert not RiskScenario.objects.exists()


def test_the_acceptances_page_filters_by_requester_and_costs_the_same_for_few_rows_or_many(
    make_scenario: Any, risk_owner: Person, owner: Person, officer: Person
) -> None:
    for number in range(30):
        scenario = make_scenario(f"Scenario {number}", reference=f"ACC-{number:02d}")
        request_acceptance(
            scenario, by=owner if number % 2 else risk_owner, justification="Why not", expires_on=in_days(9)
        )
    client = browser(officer)
    client.get("/risks/acceptances/?page_size=25")

    counts = []
    for size in (25, 100):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/risks/acceptances/?page_size={size}&requested_by=riskowner")
        assert response.status_code == 200
        counts.append(len(captured))
    content = response.content.decode()

    assert "15 results" in content
    assert "ACC-00 Scenario 0" in content
    assert "ACC-01 Scenario 1" not in content
    assert counts[0] == counts[1]
    assert counts[1] <= MAXIMUM_PAGE_QUERIES
