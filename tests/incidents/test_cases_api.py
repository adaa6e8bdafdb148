"""The case API: CRUD with categories by code, tags and suppliers by name, the workflow
endpoint, the obligations summary, refusals for outsiders and auditors, and the schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from garrison.core.models import Person
from garrison.incidents.models import Grade, Incident, IncidentStatus, ObligationKind, ReportingObligation
from tests.conftest import Organisation
from tests.incidents.cases_support import *  # noqa: F403
from tests.incidents.conftest import shanghai

pytestmark = pytest.mark.django_db

BASE = "/api/incidents/incidents/"


def payload(organisation: Organisation, handler: Person, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Ransomware on the file server",
        "category": "MP",
        "subcategory": "MP-RW",
        "occurred_at": shanghai(2026, 3, 1, 22).isoformat(),
        "discovered_at": shanghai(2026, 3, 2, 7).isoformat(),
        "handler": handler.pk,
        "unit": organisation.beijing.pk,
        "affected_units": [organisation.beijing_ops.pk],
        "affected_suppliers": ["Backup Vendor Ltd"],
        "tags": ["ransomware", "file-server"],
        "personal_information_people": 300,
        "direct_loss_cny": "12000.50",
    }
    data.update(changes)
    return data


def test_it_creates_reads_updates_and_deletes_a_case(
    api: Any, handler: Person, organisation: Organisation, categories: Any
) -> None:
    client = api.as_(handler)
    created = client.post(BASE, payload(organisation, handler), format="json")
    assert created.status_code == 201, created.data
    data = created.data
    assert data["reference"].startswith("INC-")
    assert (data["category"], data["subcategory"], data["status"]) == ("MP", "MP-RW", "new")
    assert data["tags"] == ["file-server", "ransomware"]
    assert data["affected_suppliers"] == ["Backup Vendor Ltd"]
    assert data["affected_units"] == [organisation.beijing_ops.pk]
    assert data["obligations"] == {"pending": 0, "overdue": 0, "next_due": None}
    url = f"{BASE}{data['id']}/"
    changed = client.patch(
        url, {"title": "Ransomware (contained)", "grade": "major", "reason": "Scope"}, format="json"
    )
    assert changed.status_code == 200, changed.data
    assert changed.data["title"] == "Ransomware (contained)"
    assert changed.data["grade"] == ""
    history = client.get(f"{url}history/").data["results"]
    assert history[0]["reason"] == "Scope"
    listed = client.get(BASE, {"q": "contained"}).data
    assert [item["id"] for item in listed["results"]] == [data["id"]]
    assert client.delete(url).status_code == 204
    assert not Incident.objects.exists()


def test_bad_input_answers_400_naming_the_field_and_saves_nothing(
    api: Any, handler: Person, organisation: Organisation, categories: Any
) -> None:
    client = api.as_(handler)
    late = client.post(
        BASE, payload(organisation, handler, occurred_at=shanghai(2026, 3, 2, 8).isoformat()), format="json"
    )
    assert late.status_code == 400
    assert set(late.data) == {"occurred_at"}
    mismatch = client.post(BASE, payload(organisation, handler, subcategory="NA-DOS"), format="json")
    assert mismatch.status_code == 400
    assert set(mismatch.data) == {"subcategory"}
    unknown = client.post(BASE, payload(organisation, handler, category="XX"), format="json")
    assert unknown.status_code == 400
    assert "category" in unknown.data
    assert not Incident.objects.exists()


def test_outsiders_see_nothing_and_auditors_only_read(
    api: Any,
    make_incident: Any,
    handler: Person,
    outsider: Person,
    auditor: Person,
    colleague: Person,
    organisation: Organisation,
) -> None:
    incident = make_incident(title="Beijing breach")
    url = f"{BASE}{incident.pk}/"
    assert api.as_(outsider).get(url).status_code == 404
    assert api.as_(outsider).get(BASE).data["count"] == 0
    assert api.as_(outsider).patch(url, {"title": "x"}, format="json").status_code == 404
    assert (
        api.as_(outsider).post(f"{url}transition/", {"transition": "triage"}, format="json").status_code
        == 404
    )
    assert api.as_(colleague).get(url).status_code == 404
    assert api.as_(auditor).get(url).status_code == 200
    assert api.as_(auditor).patch(url, {"title": "x"}, format="json").status_code == 404
    assert api.as_(auditor).delete(url).status_code == 404
    assert (
        api.as_(auditor).post(f"{url}transition/", {"transition": "triage"}, format="json").status_code == 404
    )
    assert api.as_(auditor).post(BASE, payload(organisation, handler), format="json").status_code == 403
    assert api.as_(None).get(url).status_code in (401, 403)
    incident.refresh_from_db()
    assert (incident.title, incident.status) == ("Beijing breach", IncidentStatus.NEW)


def test_the_transition_endpoint_takes_workflow_steps(api: Any, make_incident: Any, handler: Person) -> None:
    incident = make_incident()
    url = f"{BASE}{incident.pk}/transition/"
    client = api.as_(handler)
    taken = client.post(url, {"transition": "contain"}, format="json")
    assert taken.status_code == 200, taken.data
    assert taken.data["status"] == "containment"
    wrong = client.post(url, {"transition": "close"}, format="json")
    assert wrong.status_code == 400
    assert "status" in wrong.data
    no_reason = client.post(url, {"transition": "false_positive"}, format="json")
    assert no_reason.status_code == 400
    assert "reason" in no_reason.data
    unknown = client.post(url, {"transition": "explode"}, format="json")
    assert unknown.status_code == 400
    done = client.post(url, {"transition": "false_positive", "reason": "Pen test"}, format="json")
    assert done.data["status"] == "false_positive"


def test_the_obligations_summary_and_filters(api: Any, make_incident: Any, handler: Person) -> None:
    late = make_incident(title="Late report", proposed_grade=Grade.MAJOR)
    make_incident(title="Closed case", status=IncidentStatus.CLOSED)
    past = timezone.now() - dt.timedelta(hours=2)
    ReportingObligation.objects.create(
        incident=late, code="initial:x", kind=ObligationKind.INITIAL, recipient="CAC", due_at=past
    )
    ReportingObligation.objects.create(
        incident=late, code="final", kind=ObligationKind.FINAL, recipient="CAC", due_at=None
    )
    client = api.as_(handler)
    data = client.get(f"{BASE}{late.pk}/").data
    assert data["obligations"]["pending"] == 2
    assert data["obligations"]["overdue"] == 1
    assert data["obligations"]["next_due"] is not None
    assert data["effective_grade"] == "major"
    assert [item["title"] for item in client.get(BASE, {"overdue": "yes"}).data["results"]] == ["Late report"]
    assert [item["title"] for item in client.get(BASE, {"grade": "major"}).data["results"]] == ["Late report"]
    assert client.get(BASE).data["count"] == 2
    assert [item["title"] for item in client.get(BASE, {"status": "open"}).data["results"]] == ["Late report"]
    export = client.get(f"{BASE}export/", {"file_format": "csv"})
    assert export.status_code == 200
    assert b"Late report" in b"".join(export.streaming_content)


def test_the_schema_documents_the_case_api(api: Any, handler: Person) -> None:
    schema = api.as_(handler).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert "/api/incidents/incidents/{id}/transition/" in paths
    assert "/api/incidents/incidents/{id}/history/" in paths
    assert "/api/incidents/indicators/" in paths
    properties = schema["components"]["schemas"]["Incident"]["properties"]
    assert properties["grade"]["readOnly"] is True
    assert properties["obligations"]["readOnly"] is True
