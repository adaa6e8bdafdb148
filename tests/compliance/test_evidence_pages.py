"""Evidence pages: upload through the form, download, list filters, requests, refusals."""

from __future__ import annotations

import hashlib
from typing import Any

from django.test import Client
from django.urls import reverse

from garrison.compliance.models import Evidence, EvidenceRequest, RequestStatus
from garrison.compliance.services import evidence as services
from tests.compliance.evidence_support import *  # noqa: F403
from tests.compliance.evidence_support import NMAP_REPORT, TRIVY_REPORT, days


def login(client: Client, person: Any) -> Client:
    client.force_login(person)
    return client


def test_evidence_is_uploaded_through_the_form(
    client: Client, evidence_manager: Any, organisation: Any, beijing_control: Any
) -> None:
    login(client, evidence_manager)
    with NMAP_REPORT.open("rb") as report:
        response = client.post(
            reverse("compliance:evidence-add"),
            {
                "name": "Edge port scan",
                "kind": "file",
                "unit": organisation.beijing.pk,
                "owner": evidence_manager.username,
                "controls": [beijing_control.pk],
                "file": report,
                "valid_until": days(60).isoformat(),
            },
        )
    evidence = Evidence.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("compliance:evidence-detail", args=[evidence.pk])
    assert evidence.current_version is not None
    assert evidence.current_version.sha256 == hashlib.sha256(NMAP_REPORT.read_bytes()).hexdigest()
    page = client.get(response["Location"])
    assert evidence.current_version.sha256 in page.content.decode()
    assert beijing_control.reference in page.content.decode()


def test_a_link_without_address_is_refused_on_the_form(
    client: Client, evidence_manager: Any, organisation: Any
) -> None:
    login(client, evidence_manager)
    response = client.post(
        reverse("compliance:evidence-add"),
        {
            "name": "Minutes",
            "kind": "link",
            "unit": organisation.beijing.pk,
            "owner": evidence_manager.username,
        },
    )
    assert response.status_code == 400
    assert "Give an http:// or https:// address." in response.content.decode()
    assert not Evidence.objects.exists()


def test_a_version_is_downloaded_with_its_name_and_type(
    client: Client, file_evidence: Evidence, colleague: Any
) -> None:
    login(client, colleague)  # the owner may read their evidence
    response = client.get(reverse("compliance:evidence-version-download", args=[file_evidence.pk, 1]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == 'attachment; filename="nmap_multiple_port.xml"'
    assert b"".join(response.streaming_content) == NMAP_REPORT.read_bytes()  # type: ignore[attr-defined]


def test_evidence_out_of_reach_answers_404(
    client: Client, file_evidence: Evidence, shanghai_manager: Any
) -> None:
    login(client, shanghai_manager)
    assert client.get(reverse("compliance:evidence-detail", args=[file_evidence.pk])).status_code == 404
    download = client.get(reverse("compliance:evidence-version-download", args=[file_evidence.pk, 1]))
    assert download.status_code == 404
    with TRIVY_REPORT.open("rb") as report:
        refused = client.post(
            reverse("compliance:evidence-version-add", args=[file_evidence.pk]), {"version-file": report}
        )
    assert refused.status_code == 404
    assert file_evidence.versions.count() == 1


def test_a_version_is_added_from_the_evidence_page(
    client: Client, file_evidence: Evidence, evidence_manager: Any
) -> None:
    login(client, evidence_manager)
    with TRIVY_REPORT.open("rb") as report:
        response = client.post(
            reverse("compliance:evidence-version-add", args=[file_evidence.pk]),
            {"version-file": report, "version-valid_until": days(10).isoformat()},
        )
    assert response.status_code == 302
    file_evidence.refresh_from_db()
    assert file_evidence.valid_until == days(10)
    listing = client.get(reverse("compliance:evidence-list"), {"validity": "expiring"})
    assert file_evidence.reference in listing.content.decode()
    assert (
        client.get(reverse("compliance:evidence-list"), {"validity": "expired"})
        .content.decode()
        .count(file_evidence.reference)
        == 0
    )


def test_the_list_exports_csv(client: Client, file_evidence: Evidence, evidence_manager: Any) -> None:
    login(client, evidence_manager)
    response = client.get(reverse("compliance:evidence-list"), {"export": "csv"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert file_evidence.reference in content
    assert "Valid" in content


def test_an_employee_cannot_delete_evidence(client: Client, file_evidence: Evidence, colleague: Any) -> None:
    login(client, colleague)
    response = client.post(reverse("compliance:evidence-delete", args=[file_evidence.pk]), {"reason": "x"})
    assert response.status_code == 404
    assert Evidence.objects.filter(pk=file_evidence.pk).exists()


def test_a_manager_deletes_unused_evidence(
    client: Client, file_evidence: Evidence, evidence_manager: Any
) -> None:
    login(client, evidence_manager)
    response = client.post(
        reverse("compliance:evidence-delete", args=[file_evidence.pk]), {"reason": "Wrong file"}
    )
    assert response.status_code == 302
    assert not Evidence.objects.exists()


def test_a_request_is_made_and_fulfilled_by_upload(
    client: Client, file_evidence: Evidence, evidence_manager: Any, colleague: Any, organisation: Any
) -> None:
    login(client, evidence_manager)
    response = client.post(
        reverse("compliance:evidence-request-add"),
        {
            "title": "Next scan",
            "assignee": colleague.username,
            "unit": organisation.beijing.pk,
            "due_on": days(5).isoformat(),
            "evidence": file_evidence.pk,
        },
    )
    request = EvidenceRequest.objects.get()
    assert response.status_code == 302
    login(client, colleague)
    mine = client.get(reverse("compliance:evidence-request-list"))
    assert mine.status_code == 302
    assert "mine=assigned" in mine["Location"]
    assert "Next scan" in client.get(mine["Location"]).content.decode()
    with TRIVY_REPORT.open("rb") as report:
        delivered = client.post(
            reverse("compliance:evidence-request-fulfil", args=[request.pk]), {"file": report}
        )
    assert delivered.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED
    assert file_evidence.versions.count() == 2


def test_the_person_asked_cannot_cancel_the_request(
    client: Client, evidence_manager: Any, colleague: Any, organisation: Any
) -> None:
    request = services.request_evidence(
        by=evidence_manager, assignee=colleague, title="Minutes", due_on=days(3), unit=organisation.beijing
    )
    login(client, colleague)
    assert (
        client.post(reverse("compliance:evidence-request-cancel", args=[request.pk]), {}).status_code == 404
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN
    login(client, evidence_manager)
    assert (
        client.post(reverse("compliance:evidence-request-cancel", args=[request.pk]), {}).status_code == 302
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED


def test_the_overdue_filter_lists_late_requests(
    client: Client, evidence_manager: Any, colleague: Any, organisation: Any
) -> None:
    late = services.request_evidence(
        by=None,
        requested_by=evidence_manager,
        assignee=colleague,
        title="Late minutes",
        due_on=days(-2),
        unit=organisation.beijing,
    )
    services.request_evidence(
        by=evidence_manager,
        assignee=colleague,
        title="Future report",
        due_on=days(9),
        unit=organisation.beijing,
    )
    login(client, evidence_manager)
    page = client.get(reverse("compliance:evidence-request-list"), {"overdue": "yes"}).content.decode()
    assert late.title in page
    assert "Future report" not in page
    detail = client.get(reverse("compliance:evidence-request-detail", args=[late.pk])).content.decode()
    assert "Overdue" in detail
