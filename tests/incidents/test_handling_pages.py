"""The handling pages: timeline, task and evidence forms on a case, the cards of the case
page, "my incident tasks", applying a playbook, and the library pages (playbooks,
contacts, escalation chain) with their refusals."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from garrison.core.models import Person
from garrison.incidents.models import (
    EmergencyContact,
    EscalationStep,
    IncidentEvidence,
    IncidentTask,
    Playbook,
    TaskStatus,
    TimelineEvent,
)
from garrison.incidents.services import playbooks as playbook_services
from garrison.incidents.services import tasks as task_services
from garrison.incidents.services import timeline as timeline_services
from tests.incidents.conftest import shanghai

pytestmark = pytest.mark.django_db

SAMPLE = Path("/work/shared/samples") / "sigma" / "LICENSE"
LONDON = zoneinfo.ZoneInfo("Europe/London")


def browser(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def incident(make_incident: Any) -> Any:
    return make_incident()


def test_a_timeline_event_is_typed_in_the_viewers_time_zone(incident: Any, handler: Person) -> None:
    handler.time_zone = "Europe/London"
    handler.save()
    response = browser(handler).post(
        reverse("incidents:timeline-create", args=[incident.pk]),
        {"occurred_at": "2026-03-02T01:30", "kind": "detection", "description": "SOC call"},
    )
    assert response.status_code == 302, response.content.decode()
    event = TimelineEvent.objects.get()
    assert event.occurred_at == dt.datetime(2026, 3, 2, 1, 30, tzinfo=LONDON)
    assert event.occurred_at == shanghai(2026, 3, 2, 9, 30)


def test_a_future_event_is_refused_on_the_form(incident: Any, handler: Person) -> None:
    later = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo("Asia/Shanghai")) + dt.timedelta(days=2)
    response = browser(handler).post(
        reverse("incidents:timeline-create", args=[incident.pk]),
        {"occurred_at": later.strftime("%Y-%m-%dT%H:%M"), "kind": "note", "description": "Later"},
    )
    assert response.status_code == 400
    assert "cannot lie in the future" in response.content.decode()
    assert not TimelineEvent.objects.exists()


def test_the_timeline_card_shows_times_in_the_viewers_zone(incident: Any, handler: Person) -> None:
    event = timeline_services.add_event(
        incident, by=handler, occurred_at=shanghai(2026, 3, 2, 9, 30), description="Beacon", kind="detection"
    )
    with timezone.override(LONDON):
        html = render_to_string(
            "incidents/_timeline.html", {"incident": incident, "can_change": True, "now": timezone.now()}
        )
    assert "2026-03-02 01:30 +0000" in html
    assert "Detection" in html
    assert reverse("incidents:timeline-update", args=[event.pk]) in html
    read_only = render_to_string(
        "incidents/_timeline.html", {"incident": incident, "can_change": False, "now": timezone.now()}
    )
    assert reverse("incidents:timeline-update", args=[event.pk]) not in read_only


def test_outsiders_cannot_open_the_forms_of_a_case(incident: Any, outsider: Person, auditor: Person) -> None:
    for person in (outsider, auditor):
        client = browser(person)
        for name in ("timeline-create", "task-create", "evidence-create", "playbook-apply"):
            assert client.get(reverse(f"incidents:{name}", args=[incident.pk])).status_code == 404, name


def test_a_task_is_created_then_completed_from_the_case_page(
    incident: Any, handler: Person, security_officer: Person
) -> None:
    client = browser(security_officer)
    response = client.post(
        reverse("incidents:task-create", args=[incident.pk]),
        {"title": "Rotate keys", "owner": handler.username, "due_at": "2026-03-03T12:00", "description": ""},
    )
    assert response.status_code == 302, response.content.decode()
    task = IncidentTask.objects.get()
    assert (task.owner, task.due_at) == (handler, shanghai(2026, 3, 3, 12))
    html = render_to_string(
        "incidents/_tasks.html", {"incident": incident, "can_change": True, "now": timezone.now()}
    )
    assert "Rotate keys" in html
    assert "Overdue" in html
    assert client.post(reverse("incidents:task-complete", args=[task.pk])).status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.completed_at is not None


def test_my_tasks_lists_the_persons_open_tasks(
    incident: Any, handler: Person, colleague: Person, make_incident: Any
) -> None:
    mine = task_services.create_task(incident, by=handler, title="Send the VPN logs", owner=colleague)
    closed = task_services.create_task(incident, by=handler, title="Old request", owner=colleague)
    task_services.complete_task(closed, by=colleague)
    task_services.create_task(incident, by=handler, title="Not for the colleague", owner=handler)
    client = browser(colleague)
    page = client.get(reverse("incidents:my-tasks")).content.decode()
    assert "Send the VPN logs" in page
    assert "Old request" not in page
    assert "Not for the colleague" not in page
    everything = client.get(reverse("incidents:my-tasks"), {"state": "all"}).content.decode()
    assert "Old request" in everything
    # The owner completes it from the list even without rights on the case.
    response = client.post(
        reverse("incidents:task-complete", args=[mine.pk]), {"next": reverse("incidents:my-tasks")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:my-tasks")
    assert IncidentTask.objects.get(pk=mine.pk).status == TaskStatus.DONE


def test_applying_a_suggested_playbook_from_the_case(
    incident: Any, handler: Person, categories: dict[str, Any]
) -> None:
    playbook = playbook_services.create_playbook(by=None, name="DoS response", category=categories["NA"])
    playbook_services.add_step(playbook, by=None, title="Enable scrubbing", due_after_hours=1)
    other = playbook_services.create_playbook(by=None, name="Data leak", category=categories["DS"])
    client = browser(handler)
    form = client.get(reverse("incidents:playbook-apply", args=[incident.pk]), HTTP_HX_REQUEST="true")
    assert "DoS response" in form.content.decode()
    assert "Data leak" not in form.content.decode()
    refused = client.post(reverse("incidents:playbook-apply", args=[incident.pk]), {"playbook": other.pk})
    assert refused.status_code == 302
    assert not IncidentTask.objects.exists()
    client.post(reverse("incidents:playbook-apply", args=[incident.pk]), {"playbook": playbook.pk})
    assert list(IncidentTask.objects.values_list("title", flat=True)) == ["Enable scrubbing"]


def test_evidence_is_uploaded_from_the_page_and_shown_with_its_hash(incident: Any, handler: Person) -> None:
    content = SAMPLE.read_bytes()
    response = browser(handler).post(
        reverse("incidents:evidence-create", args=[incident.pk]),
        {
            "upload": SimpleUploadedFile("LICENSE", content),
            "description": "Rule licence",
            "source": "shared samples",
            "collected_at": "2026-03-02T10:00",
        },
    )
    assert response.status_code == 302, response.content.decode()
    evidence = IncidentEvidence.objects.get()
    with timezone.override(zoneinfo.ZoneInfo("Asia/Shanghai")):
        html = render_to_string(
            "incidents/_evidence.html", {"incident": incident, "can_change": True, "now": None}
        )
    assert evidence.attachment.stored_file.sha256 in html
    assert "2026-03-02 10:00 +0800" in html
    assert reverse("incidents:evidence-download", args=[evidence.pk]) in html


def test_the_library_pages_for_readers_and_writers(
    handler: Person, security_officer: Person, colleague: Person, categories: dict[str, Any]
) -> None:
    playbook = playbook_services.create_playbook(by=None, name="Ransomware", category=categories["MP-RW"])
    reader = browser(handler)
    assert "Ransomware" in reader.get(reverse("incidents:playbook-list")).content.decode()
    assert reader.get(reverse("incidents:playbook-detail", args=[playbook.pk])).status_code == 200
    assert reader.get(reverse("incidents:playbook-create")).status_code == 403
    assert reader.get(reverse("incidents:playbook-update", args=[playbook.pk])).status_code == 404
    assert reader.get(reverse("incidents:playbook-step-create", args=[playbook.pk])).status_code == 403
    assert reader.get(reverse("incidents:contact-create")).status_code == 403
    assert browser(colleague).get(reverse("incidents:playbook-detail", args=[playbook.pk])).status_code == 404

    writer = browser(security_officer)
    response = writer.post(
        reverse("incidents:playbook-step-create", args=[playbook.pk]),
        {"title": "Isolate hosts", "due_after_hours": 2, "order": ""},
    )
    assert response.status_code == 302, response.content.decode()
    assert playbook.steps.get().order == 1
    response = writer.post(
        reverse("incidents:playbook-update", args=[playbook.pk]),
        {"name": "Ransomware v2", "category": categories["MP-RW"].pk, "is_active": "on", "reason": "rename"},
    )
    assert response.status_code == 302
    assert Playbook.objects.get(pk=playbook.pk).name == "Ransomware v2"
    response = writer.post(
        reverse("incidents:contact-create"),
        {"name": "Police cyber unit", "kind": "law_enforcement", "phone": "110", "is_active": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:contact-list")
    assert EmergencyContact.objects.get().name == "Police cyber unit"
    assert "Police cyber unit" in reader.get(reverse("incidents:contact-list")).content.decode()
    response = writer.post(
        reverse("incidents:escalation-create"),
        {
            "level": 1,
            "person": handler.username,
            "after_minutes": 30,
            "contact_note": "mobile",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    step = EscalationStep.objects.get()
    assert reader.get(reverse("incidents:escalation-list")).status_code == 200
    assert reader.post(reverse("incidents:escalation-delete", args=[step.pk])).status_code == 403
    assert writer.post(reverse("incidents:escalation-delete", args=[step.pk])).status_code == 302
    assert not EscalationStep.objects.exists()


def test_the_case_page_shows_the_handling_cards(incident: Any, handler: Person) -> None:
    timeline_services.add_event(
        incident, by=handler, occurred_at=shanghai(2026, 3, 2, 9), description="Alert raised"
    )
    task_services.create_task(incident, by=handler, title="Contain the host", owner=handler)
    page = browser(handler).get(reverse("incidents:incident-detail", args=[incident.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Alert raised" in html
    assert "2026-03-02 09:00 +0800" in html
    assert "Contain the host" in html
    assert reverse("incidents:evidence-create", args=[incident.pk]) in html
    assert reverse("incidents:playbook-apply", args=[incident.pk]) in html


def test_a_timeline_event_is_corrected_and_removed_from_its_pages(incident: Any, handler: Person) -> None:
    event = timeline_services.add_event(
        incident, by=handler, occurred_at=shanghai(2026, 3, 2, 9), description="Alert"
    )
    client = browser(handler)
    form = client.get(reverse("incidents:timeline-update", args=[event.pk])).content.decode()
    assert 'value="2026-03-02T09:00"' in form
    response = client.post(
        reverse("incidents:timeline-update", args=[event.pk]),
        {
            "occurred_at": "2026-03-02T08:45",
            "kind": "detection",
            "description": "Alert (SIEM)",
            "reason": "skew",
        },
    )
    assert response.status_code == 302, response.content.decode()
    event.refresh_from_db()
    assert event.occurred_at == shanghai(2026, 3, 2, 8, 45)
    assert (
        client.post(reverse("incidents:timeline-delete", args=[event.pk]), {"reason": "dup"}).status_code
        == 302
    )
    assert not TimelineEvent.objects.exists()
