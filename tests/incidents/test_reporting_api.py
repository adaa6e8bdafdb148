"""The reporting API: obligations with their filters and actions, submissions with a
file, reports with their PDF, communications, the profile and the organisation's rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from garrison.core.roles import Role
from garrison.incidents.models import (
    CustomReportingRule,
    Grade,
    ObligationStatus,
    OperatorKind,
    Submission,
)
from garrison.incidents.services import obligations as obligation_services
from garrison.incidents.services import profile as profile_services

BASE = "/api/incidents"


@pytest.fixture
def incident(make_incident: Any, handler: Any) -> Any:
    # Discovered an hour ago: the initial report is due in three hours.
    case = make_incident(
        proposed_grade=Grade.RELATIVELY_MAJOR, discovered_at=timezone.now() - dt.timedelta(hours=1)
    )
    obligation_services.recompute_obligations(case, by=handler)
    return case


@pytest.fixture
def administrator(organisation: Any, make_person: Any) -> Any:
    return make_person("admin", organisation.root, (Role.ADMINISTRATOR, organisation.root))


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def test_obligations_are_listed_in_scope_with_filters(
    api: Any, incident: Any, handler: Any, outsider: Any
) -> None:
    rows = results(api.as_(handler).get(f"{BASE}/obligations/", {"incident": incident.pk}))
    assert {row["code"] for row in rows} == {"initial:provincial_cyberspace_administration", "final"}
    due = results(api.as_(handler).get(f"{BASE}/obligations/", {"due_within_hours": 24}))
    assert [row["code"] for row in due] == ["initial:provincial_cyberspace_administration"]
    assert due[0]["is_overdue"] is False
    pending = results(api.as_(handler).get(f"{BASE}/obligations/", {"status": "submitted"}))
    assert pending == []
    assert results(api.as_(outsider).get(f"{BASE}/obligations/")) == []
    obligation = incident.obligations.get(code="final")
    assert api.as_(outsider).get(f"{BASE}/obligations/{obligation.pk}/").status_code == 404


def test_waive_needs_a_reason_and_the_right_to_change(
    api: Any, incident: Any, handler: Any, auditor: Any
) -> None:
    obligation = incident.obligations.get(code="final")
    url = f"{BASE}/obligations/{obligation.pk}/waive/"
    assert api.as_(auditor).post(url, {"reason": "no"}, format="json").status_code == 404
    refused = api.as_(handler).post(url, {"reason": ""}, format="json")
    assert refused.status_code == 400
    assert "reason" in refused.json()
    done = api.as_(handler).post(url, {"reason": "Not required by the regulator"}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "waived"


def test_supplementary_obligations_are_added_through_the_api(api: Any, incident: Any, handler: Any) -> None:
    response = api.as_(handler).post(
        f"{BASE}/obligations/supplementary/",
        {
            "incident": incident.pk,
            "recipient": "CAC",
            "due_at": "2026-03-04T12:00:00+08:00",
            "content": "Scope grew",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["code"] == "supplementary:1"


def test_a_submission_with_a_file_marks_the_obligation_and_bad_input_saves_nothing(
    api: Any, incident: Any, handler: Any
) -> None:
    obligation = incident.obligations.get(code="initial:provincial_cyberspace_administration")
    bad = api.as_(handler).post(
        f"{BASE}/submissions/",
        {"incident": incident.pk, "obligation": obligation.pk, "channel": "email", "recipient": ""},
        format="multipart",
    )
    assert bad.status_code == 400
    assert bad.json()["sent_at"] == ["A submission needs the time it was sent and its recipient."]
    assert bad.json()["recipient"] == ["A submission needs the time it was sent and its recipient."]
    assert not Submission.objects.exists()
    sent_at = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    good = api.as_(handler).post(
        f"{BASE}/submissions/",
        {
            "incident": incident.pk,
            "obligation": obligation.pk,
            "channel": "online_platform",
            "recipient": "Beijing Cyberspace Administration",
            "sent_at": sent_at,
            "receipt": "BJ-42",
            "upload": SimpleUploadedFile("initial.pdf", b"%PDF-1.4 x", content_type="application/pdf"),
        },
        format="multipart",
    )
    assert good.status_code == 201, good.content
    body = good.json()
    assert body["on_time"] is True
    assert len(body["file"]["sha256"]) == 64
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.SUBMITTED
    assert len(results(api.as_(handler).get(f"{BASE}/submissions/", {"incident": incident.pk}))) == 1


def test_reports_are_drafted_updated_and_printed(
    api: Any, incident: Any, handler: Any, outsider: Any
) -> None:
    created = api.as_(handler).post(
        f"{BASE}/reports/", {"incident": incident.pk, "kind": "initial"}, format="json"
    )
    assert created.status_code == 201, created.content
    report = created.json()
    assert report["is_partial"] is True
    assert incident.reference not in report["reporting_unit"]  # the organisation, not the case
    changed = api.as_(handler).patch(
        f"{BASE}/reports/{report['id']}/",
        {"cause": "Phishing", "impact": "Billing down for three hours"},
        format="json",
    )
    assert changed.status_code == 200
    assert changed.json()["is_partial"] is False
    pdf = api.as_(handler).get(f"{BASE}/reports/{report['id']}/pdf/")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert api.as_(outsider).get(f"{BASE}/reports/{report['id']}/pdf/").status_code == 404


def test_communications_are_logged(api: Any, incident: Any, handler: Any) -> None:
    response = api.as_(handler).post(
        f"{BASE}/communications/",
        {
            "incident": incident.pk,
            "audience": "customer",
            "direction": "outgoing",
            "party": "Key account A",
            "channel": "email",
            "occurred_at": (timezone.now() - dt.timedelta(minutes=1)).isoformat(),
            "summary": "Told them billing is down",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert incident.communications.get().recorded_by == handler


def test_the_profile_is_read_by_incident_staff_and_changed_by_administrators(
    api: Any, incident: Any, handler: Any, administrator: Any, colleague: Any
) -> None:
    url = f"{BASE}/reporting-profile/"
    assert api.as_(handler).get(url).json()["operator_kind"] == OperatorKind.OTHER_OPERATOR
    assert api.as_(colleague).get(url).status_code == 404
    assert api.as_(handler).put(url, {"operator_kind": "cii_operator"}, format="json").status_code == 403
    changed = api.as_(administrator).put(url, {"operator_kind": "cii_operator"}, format="json")
    assert changed.status_code == 200, changed.content
    assert profile_services.get_profile().operator_kind == OperatorKind.CII_OPERATOR
    assert incident.obligations.filter(code="initial:public_security", status="pending").exists()


def test_custom_rules_are_kept_by_administrators(
    api: Any, incident: Any, handler: Any, administrator: Any, owner: Any
) -> None:
    data = {"name": "Telecom", "recipient": "BCA", "minimum_grade": "relatively_major", "deadline_hours": 2}
    assert api.as_(handler).post(f"{BASE}/reporting-rules/", data, format="json").status_code == 403
    assert api.as_(owner).post(f"{BASE}/reporting-rules/", data, format="json").status_code == 403
    created = api.as_(administrator).post(f"{BASE}/reporting-rules/", data, format="json")
    assert created.status_code == 201, created.content
    rule = CustomReportingRule.objects.get()
    assert incident.obligations.filter(code=f"custom:{rule.pk}").exists()
    assert len(results(api.as_(handler).get(f"{BASE}/reporting-rules/"))) == 1
    bad = api.as_(administrator).patch(
        f"{BASE}/reporting-rules/{rule.pk}/", {"deadline_hours": 100000}, format="json"
    )
    assert bad.status_code == 400
