"""Evidence API: multipart create, link create, add a version, download, requests, refusals."""

from __future__ import annotations

import hashlib
from typing import Any

from garrison.compliance.models import Evidence, EvidenceRequest, RequestStatus
from garrison.compliance.services import evidence as services
from tests.compliance.evidence_support import *  # noqa: F403
from tests.compliance.evidence_support import NMAP_REPORT, TRIVY_REPORT, days

EVIDENCE_URL = "/api/compliance/evidence/"
REQUESTS_URL = "/api/compliance/evidence-requests/"


def test_evidence_is_created_from_a_multipart_upload(
    api: Any, evidence_manager: Any, organisation: Any, beijing_control: Any
) -> None:
    with NMAP_REPORT.open("rb") as report:
        response = api.as_(evidence_manager).post(
            EVIDENCE_URL,
            {
                "name": "Edge scan",
                "unit": organisation.beijing.pk,
                "owner": evidence_manager.pk,
                "controls": [beijing_control.pk],
                "file": report,
                "valid_until": days(3).isoformat(),
            },
            format="multipart",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("EVD-")
    assert body["current_version"]["sha256"] == hashlib.sha256(NMAP_REPORT.read_bytes()).hexdigest()
    assert body["validity"] == "expiring"
    assert body["controls"] == [beijing_control.pk]


def test_link_evidence_is_created_from_json(api: Any, evidence_manager: Any, organisation: Any) -> None:
    response = api.as_(evidence_manager).post(
        EVIDENCE_URL,
        {
            "name": "Review minutes",
            "kind": "link",
            "unit": organisation.beijing.pk,
            "owner": evidence_manager.pk,
            "url": "https://wiki.example.com/minutes",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["current_version"]["url"] == "https://wiki.example.com/minutes"


def test_bad_input_answers_400_with_field_errors(api: Any, evidence_manager: Any, organisation: Any) -> None:
    response = api.as_(evidence_manager).post(
        EVIDENCE_URL,
        {"name": "No file", "unit": organisation.beijing.pk, "owner": evidence_manager.pk},
        format="multipart",
    )
    assert response.status_code == 400
    assert "file" in response.json()
    assert not Evidence.objects.exists()


def test_evidence_in_a_unit_out_of_reach_is_refused(
    api: Any, evidence_manager: Any, organisation: Any
) -> None:
    with NMAP_REPORT.open("rb") as report:
        response = api.as_(evidence_manager).post(
            EVIDENCE_URL,
            {
                "name": "Elsewhere",
                "unit": organisation.shanghai.pk,
                "owner": evidence_manager.pk,
                "file": report,
            },
            format="multipart",
        )
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_an_employee_cannot_create_evidence(api: Any, colleague: Any, organisation: Any) -> None:
    with NMAP_REPORT.open("rb") as report:
        response = api.as_(colleague).post(
            EVIDENCE_URL,
            {"name": "Mine", "unit": organisation.beijing.pk, "owner": colleague.pk, "file": report},
            format="multipart",
        )
    assert response.status_code == 403
    assert not Evidence.objects.exists()


def test_a_version_is_added_and_downloaded(api: Any, file_evidence: Evidence, evidence_manager: Any) -> None:
    client = api.as_(evidence_manager)
    with TRIVY_REPORT.open("rb") as report:
        response = client.post(
            f"{EVIDENCE_URL}{file_evidence.pk}/versions/",
            {"file": report, "note": "Rescan"},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    assert response.json()["number"] == 2
    download = client.get(f"{EVIDENCE_URL}{file_evidence.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == TRIVY_REPORT.read_bytes()
    first = client.get(f"{EVIDENCE_URL}{file_evidence.pk}/download/", {"version": "1"})
    assert first["X-Content-SHA256"] == hashlib.sha256(NMAP_REPORT.read_bytes()).hexdigest()
    listed = client.get(f"{EVIDENCE_URL}{file_evidence.pk}/versions/list/").json()
    assert [item["number"] for item in listed] == [2, 1]


def test_a_version_out_of_reach_is_refused(api: Any, file_evidence: Evidence, shanghai_manager: Any) -> None:
    with TRIVY_REPORT.open("rb") as report:
        response = api.as_(shanghai_manager).post(
            f"{EVIDENCE_URL}{file_evidence.pk}/versions/", {"file": report}, format="multipart"
        )
    assert response.status_code == 404
    assert file_evidence.versions.count() == 1


def test_evidence_cited_by_nothing_is_deleted_but_not_by_an_employee(
    api: Any, file_evidence: Evidence, colleague: Any, evidence_manager: Any
) -> None:
    assert api.as_(colleague).delete(f"{EVIDENCE_URL}{file_evidence.pk}/").status_code == 404
    assert Evidence.objects.filter(pk=file_evidence.pk).exists()
    assert api.as_(evidence_manager).delete(f"{EVIDENCE_URL}{file_evidence.pk}/").status_code == 204
    assert not Evidence.objects.exists()


def test_the_owner_may_rename_their_evidence(api: Any, file_evidence: Evidence, colleague: Any) -> None:
    response = api.as_(colleague).patch(
        f"{EVIDENCE_URL}{file_evidence.pk}/", {"name": "Renamed"}, format="json"
    )
    assert response.status_code == 200, response.content
    file_evidence.refresh_from_db()
    assert file_evidence.name == "Renamed"


def test_a_request_is_created_fulfilled_and_cannot_be_cancelled_after(
    api: Any, evidence_manager: Any, colleague: Any, organisation: Any, file_evidence: Evidence
) -> None:
    created = api.as_(evidence_manager).post(
        REQUESTS_URL,
        {
            "title": "Rescan",
            "unit": organisation.beijing.pk,
            "assignee": colleague.pk,
            "due_on": days(4).isoformat(),
            "evidence": file_evidence.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    with TRIVY_REPORT.open("rb") as report:
        fulfilled = api.as_(colleague).post(
            f"{REQUESTS_URL}{pk}/fulfil/", {"file": report}, format="multipart"
        )
    assert fulfilled.status_code == 201, fulfilled.content
    assert EvidenceRequest.objects.get(pk=pk).status == RequestStatus.FULFILLED
    refused = api.as_(evidence_manager).post(f"{REQUESTS_URL}{pk}/cancel/", {}, format="json")
    assert refused.status_code == 400


def test_the_person_asked_cannot_cancel(
    api: Any, evidence_manager: Any, colleague: Any, organisation: Any
) -> None:
    request = services.request_evidence(
        by=evidence_manager, assignee=colleague, title="Minutes", due_on=days(3), unit=organisation.beijing
    )
    assert (
        api.as_(colleague).post(f"{REQUESTS_URL}{request.pk}/cancel/", {}, format="json").status_code == 404
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN
    assert (
        api.as_(evidence_manager).post(f"{REQUESTS_URL}{request.pk}/cancel/", {}, format="json").status_code
        == 200
    )


def test_an_outsider_cannot_fulfil(
    api: Any, evidence_manager: Any, colleague: Any, organisation: Any, shanghai_manager: Any
) -> None:
    request = services.request_evidence(
        by=evidence_manager, assignee=colleague, title="Minutes", due_on=days(3), unit=organisation.beijing
    )
    response = api.as_(shanghai_manager).post(
        f"{REQUESTS_URL}{request.pk}/fulfil/", {"url": "https://example.com/minutes"}, format="json"
    )
    assert response.status_code == 404
    assert not Evidence.objects.exists()
