"""The handling API: timeline events, tasks with complete, playbooks with nested steps and
apply, evidence upload and download, contacts and the escalation chain; scoping and
library rights for the owner, a colleague and an outsider."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from garrison.core.models import Notification, Person
from garrison.incidents.models import EmergencyContact, EscalationStep, IncidentTask, Playbook, TimelineEvent
from garrison.incidents.services import playbooks as playbook_services

pytestmark = pytest.mark.django_db

BASE = "/api/incidents"
SAMPLE = Path("/work/shared/samples") / "vulns" / "trivy" / "scheme_2_no_vuln.json"


@pytest.fixture
def incident(make_incident: Any) -> Any:
    return make_incident()


def test_timeline_events_are_created_listed_by_case_and_refused_in_the_future(
    api: Any, incident: Any, make_incident: Any, handler: Person, outsider: Person
) -> None:
    other = make_incident(title="Other")
    api.as_(handler)
    response = api.post(
        f"{BASE}/timeline-events/",
        {
            "incident": incident.pk,
            "occurred_at": "2026-03-02T09:30:00+08:00",
            "kind": "detection",
            "description": "EDR alert",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["occurred_at"] == "2026-03-02T09:30:00+08:00"
    api.post(
        f"{BASE}/timeline-events/",
        {"incident": other.pk, "occurred_at": "2026-03-02T10:00:00+08:00", "description": "Elsewhere"},
        format="json",
    )
    listed = api.get(f"{BASE}/timeline-events/", {"incident": incident.pk}).json()
    assert [item["description"] for item in listed["results"]] == ["EDR alert"]
    future = api.post(
        f"{BASE}/timeline-events/",
        {"incident": incident.pk, "occurred_at": "2999-01-01T00:00:00Z", "description": "Later"},
        format="json",
    )
    assert future.status_code == 400
    assert "occurred_at" in future.json()
    api.as_(outsider)
    assert api.get(f"{BASE}/timeline-events/").json()["count"] == 0
    refused = api.post(
        f"{BASE}/timeline-events/",
        {"incident": incident.pk, "occurred_at": "2026-03-02T09:30:00+08:00", "description": "X"},
        format="json",
    )
    assert refused.status_code == 400
    assert TimelineEvent.objects.count() == 2


def test_tasks_are_assigned_and_completed(
    api: Any, incident: Any, handler: Person, security_officer: Person
) -> None:
    api.as_(security_officer)
    response = api.post(
        f"{BASE}/tasks/",
        {
            "incident": incident.pk,
            "title": "Block C2 domain",
            "owner": handler.pk,
            "due_at": "2026-03-03T12:00:00+08:00",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    task_id = response.json()["id"]
    assert Notification.objects.filter(recipient=handler, kind="incidents.task-assigned").count() == 1
    done = api.post(f"{BASE}/tasks/{task_id}/complete/", {}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "done"
    assert done.json()["completed_at"] is not None
    again = api.post(f"{BASE}/tasks/{task_id}/complete/", {}, format="json")
    assert again.status_code == 400


def test_playbooks_show_nested_steps_and_apply_to_a_case(
    api: Any, incident: Any, handler: Person, security_officer: Person, categories: dict[str, Any]
) -> None:
    api.as_(security_officer)
    created = api.post(f"{BASE}/playbooks/", {"name": "DDoS", "category": categories["NA"].pk}, format="json")
    assert created.status_code == 201, created.content
    playbook_id = created.json()["id"]
    step = api.post(
        f"{BASE}/playbook-steps/",
        {"playbook": playbook_id, "title": "Call the ISP", "due_after_hours": 2},
        format="json",
    )
    assert step.status_code == 201, step.content
    detail = api.get(f"{BASE}/playbooks/{playbook_id}/").json()
    assert [item["title"] for item in detail["steps"]] == ["Call the ISP"]
    api.as_(handler)
    applied = api.post(f"{BASE}/playbooks/{playbook_id}/apply/", {"incident": incident.pk}, format="json")
    assert applied.status_code == 201, applied.content
    assert [item["title"] for item in applied.json()] == ["Call the ISP"]
    twice = api.post(f"{BASE}/playbooks/{playbook_id}/apply/", {"incident": incident.pk}, format="json")
    assert twice.status_code == 400
    assert IncidentTask.objects.filter(incident=incident).count() == 1


def test_only_officers_of_the_whole_organisation_write_the_library(
    api: Any, handler: Person, outsider: Person, colleague: Person, security_officer: Person
) -> None:
    playbook = playbook_services.create_playbook(by=None, name="Generic")
    for person in (handler, outsider, colleague):
        api.as_(person)
        assert api.post(f"{BASE}/playbooks/", {"name": "Mine"}, format="json").status_code == 403
        assert api.post(f"{BASE}/contacts/", {"name": "X", "phone": "110"}, format="json").status_code == 403
        assert api.patch(f"{BASE}/playbooks/{playbook.pk}/", {"name": "Y"}, format="json").status_code in (
            403,
            404,
        )
    api.as_(handler)
    assert api.get(f"{BASE}/playbooks/{playbook.pk}/").status_code == 200
    assert Playbook.objects.get(pk=playbook.pk).name == "Generic"
    assert not EmergencyContact.objects.exists()
    api.as_(security_officer)
    contact = api.post(
        f"{BASE}/contacts/",
        {"name": "CNCERT Beijing", "kind": "regulator", "phone": "+86 10 0000 0000"},
        format="json",
    )
    assert contact.status_code == 201, contact.content
    step = api.post(
        f"{BASE}/escalation-steps/", {"level": 1, "person": handler.pk, "after_minutes": 0}, format="json"
    )
    assert step.status_code == 201, step.content
    assert EscalationStep.objects.get().person == handler


def test_evidence_is_uploaded_and_downloaded_intact(
    api: Any, incident: Any, handler: Person, outsider: Person
) -> None:
    content = SAMPLE.read_bytes()
    api.as_(handler)
    with SAMPLE.open("rb") as file:
        response = api.post(
            f"{BASE}/evidence/",
            {
                "incident": incident.pk,
                "file": file,
                "description": "Trivy scan",
                "source": "CI",
                "collected_at": "2026-03-02T11:00:00+08:00",
            },
            format="multipart",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["size"] == len(content)
    download = api.get(f"{BASE}/evidence/{body['id']}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    verified = api.post(f"{BASE}/evidence/{body['id']}/verify/")
    assert verified.json()["is_intact"] is True
    api.as_(outsider)
    assert api.get(f"{BASE}/evidence/{body['id']}/download/").status_code == 404


def test_the_handling_routes_are_in_the_schema(api: Any, security_officer: Person) -> None:
    api.as_(security_officer)
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for route in (
        "timeline-events",
        "tasks",
        "playbooks",
        "playbook-steps",
        "evidence",
        "contacts",
        "escalation-steps",
    ):
        assert f"/api/incidents/{route}/" in schema["paths"], route
    assert "/api/incidents/tasks/{id}/complete/" in schema["paths"]
    assert "/api/incidents/playbooks/{id}/apply/" in schema["paths"]
    assert "/api/incidents/evidence/{id}/download/" in schema["paths"]
