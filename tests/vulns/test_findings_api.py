"""The finding API: the list with the web list's filters, a manual finding created and
changed, the status and links actions, the finding's events, the export, and who may do
what (a finding out of reach is a 404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from garrison.core.scheduling import organisation_today
from garrison.vulns.models import Finding, FindingSighting, FindingStatus, Severity, Source
from garrison.vulns.services import findings as services
from tests.incidents.reviews_support import make_risk
from tests.vulns.test_findings_services import CRITICAL_VECTOR, make_finding, make_incident

BASE = "/api/vulns/findings/"


def url(finding: Finding, action: str = "") -> str:
    return f"{BASE}{finding.pk}/{action + '/' if action else ''}"


def test_the_list_filters_like_the_page_in_few_queries(
    api: Any, security_officer: Any, organisation: Any, make_asset: Any, django_assert_max_num_queries: Any
) -> None:
    today = organisation_today()
    for number in range(12):
        make_finding(organisation.beijing, asset=make_asset(), severity=number % 4)
    overdue = make_finding(organisation.beijing, title="Old OpenSSL", due_on=today - dt.timedelta(days=2))
    make_finding(organisation.beijing, status=FindingStatus.FIXED)
    make_finding(organisation.shanghai)
    client = api.as_(security_officer)
    with django_assert_max_num_queries(10):
        page = client.get(BASE)
    assert page.status_code == 200
    assert page.json()["count"] == 14
    row = next(row for row in page.json()["results"] if row["id"] == overdue.pk)
    assert row["sla"] == {
        "due_on": (today - dt.timedelta(days=2)).isoformat(),
        "days_left": -2,
        "is_overdue": True,
    }
    assert client.get(BASE, {"status": "open"}).json()["count"] == 13
    assert client.get(BASE, {"overdue": "yes"}).json()["count"] == 1
    assert client.get(BASE, {"severity": [Severity.HIGH, Severity.LOW]}).json()["count"] == 6
    assert client.get(BASE, {"search": "openssl"}).json()["count"] == 1
    ordered = client.get(BASE, {"ordering": "-due_on", "status": "open"}).json()["results"]
    assert ordered[-1]["id"] == overdue.pk
    FindingSighting.objects.filter(finding=overdue).update(last_seen_at=timezone.now() - dt.timedelta(days=9))
    by_sighting = client.get(BASE, {"ordering": "last_seen_at", "status": "open"}).json()["results"]
    assert by_sighting[0]["id"] == overdue.pk
    shown = dt.datetime.fromisoformat(by_sighting[0]["last_seen_at"])
    assert shown == FindingSighting.objects.get(finding=overdue).last_seen_at


def test_a_manual_finding_is_created_with_its_due_date(
    api: Any, security_officer: Any, organisation: Any, make_asset: Any
) -> None:
    asset = make_asset(unit=organisation.beijing_ops)
    client = api.as_(security_officer)
    created = client.post(
        BASE,
        {
            "title": "Unauthenticated RCE",
            "asset": asset.pk,
            "cvss_vector": CRITICAL_VECTOR,
            "cve_ids": ["CVE-2024-0001"],
            "reason": "Penetration test report",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["severity"] == Severity.CRITICAL
    assert body["cvss_score"] == "9.8"
    assert body["source"] == Source.MANUAL
    assert body["unit"] == organisation.beijing_ops.pk
    assert body["due_on"] == (organisation_today() + dt.timedelta(days=7)).isoformat()
    low = client.post(
        BASE, {"title": "Banner", "unit": organisation.beijing.pk, "severity": 1}, format="json"
    )
    assert low.json()["due_on"] == (organisation_today() + dt.timedelta(days=180)).isoformat()


def test_a_refused_finding_names_its_fields_and_writes_nothing(
    api: Any, security_officer: Any, organisation: Any
) -> None:
    refused = api.as_(security_officer).post(
        BASE,
        {"title": "X", "unit": organisation.beijing.pk, "cvss_vector": "nonsense", "cwe_ids": ["79"]},
        format="json",
    )
    assert refused.status_code == 400
    assert set(refused.json()) == {"cvss_vector", "cwe_ids"}
    assert Finding.objects.count() == 0


def test_only_manual_findings_change_through_the_api(
    api: Any, security_officer: Any, organisation: Any
) -> None:
    manual = services.create_finding(by=security_officer, unit=organisation.beijing, title="XSS", severity=1)
    imported = make_finding(organisation.beijing, title="From Nessus")
    client = api.as_(security_officer)
    changed = client.patch(url(manual), {"severity": Severity.HIGH, "reason": "Reachable"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["due_on"] == (organisation_today() + dt.timedelta(days=30)).isoformat()
    refused = client.patch(url(imported), {"title": "Mine"}, format="json")
    assert refused.status_code == 400
    assert "non_field_errors" in refused.json()
    imported.refresh_from_db()
    assert imported.title == "From Nessus"


def test_the_status_action_needs_a_reason_and_reopens_with_a_new_clock(
    api: Any, security_officer: Any, organisation: Any
) -> None:
    finding = make_finding(organisation.beijing, severity=Severity.HIGH, due_on=dt.date(2020, 1, 1))
    client = api.as_(security_officer)
    assert client.post(url(finding, "status"), {"status": "fixed"}, format="json").status_code == 400
    fixed = client.post(url(finding, "status"), {"status": "fixed", "reason": "Patched"}, format="json")
    assert fixed.status_code == 200
    assert fixed.json()["status"] == FindingStatus.FIXED
    again = client.post(url(finding, "status"), {"status": "fixed", "reason": "Twice"}, format="json")
    assert again.status_code == 400
    assert "status" in again.json()
    reopened = client.post(url(finding, "status"), {"status": "open", "reason": "Still there"}, format="json")
    assert reopened.json()["reopened_count"] == 1
    assert reopened.json()["due_on"] == (organisation_today() + dt.timedelta(days=30)).isoformat()
    events = client.get(url(finding, "events")).json()["results"]
    assert [(event["status"], event["note"]) for event in events] == [
        ("open", "Still there"),
        ("fixed", "Patched"),
    ]
    history = client.get(url(finding, "history")).json()["results"]
    assert [event["action"] for event in history] == ["update", "transition", "update", "transition"]


def test_links_take_only_risks_and_incidents_the_person_sees(
    api: Any, security_officer: Any, organisation: Any, owner: Any, outsider: Any
) -> None:
    finding = make_finding(organisation.beijing)
    risk = make_risk(organisation.beijing, owner)
    incident = make_incident(organisation.beijing, owner, "INC-A0001")
    far = make_risk(organisation.shanghai, outsider)
    client = api.as_(security_officer)
    refused = client.post(url(finding, "links"), {"risks": [risk.pk, far.pk]}, format="json")
    assert refused.status_code == 400
    assert set(refused.json()) == {"risks"}
    assert finding.risks.count() == 0
    linked = client.post(
        url(finding, "links"), {"risks": [risk.pk], "incidents": [incident.pk]}, format="json"
    )
    assert linked.status_code == 200
    assert (linked.json()["risks"], linked.json()["incidents"]) == ([risk.pk], [incident.pk])
    kept = client.post(url(finding, "links"), {"incidents": []}, format="json")
    assert (kept.json()["risks"], kept.json()["incidents"]) == ([risk.pk], [])


def test_the_export_holds_every_filtered_row(api: Any, security_officer: Any, organisation: Any) -> None:
    make_finding(organisation.beijing, title="Critical one", severity=Severity.CRITICAL)
    make_finding(organisation.beijing, title="Medium one")
    exported = api.as_(security_officer).get(f"{BASE}export/", {"file_format": "csv", "severity": 4})
    assert exported.status_code == 200
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 2
    assert "Critical one" in text
    assert "Medium one" not in text


@pytest.mark.parametrize("who", ["colleague", "outsider"])
def test_people_out_of_reach_see_nothing(api: Any, request: Any, organisation: Any, who: str) -> None:
    finding = make_finding(organisation.beijing)
    client = api.as_(request.getfixturevalue(who))
    assert client.get(BASE).json()["count"] == 0
    assert client.get(url(finding)).status_code == 404
    assert client.get(url(finding, "events")).status_code == 404
    assert (
        client.post(url(finding, "status"), {"status": "fixed", "reason": "x"}, format="json").status_code
        == 404
    )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_the_auditor_reads_and_changes_nothing(api: Any, auditor: Any, organisation: Any, owner: Any) -> None:
    finding = make_finding(organisation.beijing)
    risk = make_risk(organisation.beijing, owner)
    client = api.as_(auditor)
    assert client.get(BASE).json()["count"] == 1
    assert client.get(url(finding)).status_code == 200
    assert client.get(url(finding, "events")).status_code == 200
    assert (
        client.post(url(finding, "status"), {"status": "fixed", "reason": "x"}, format="json").status_code
        == 404
    )
    assert client.post(url(finding, "links"), {"risks": [risk.pk]}, format="json").status_code == 404
    assert client.patch(url(finding), {"title": "Mine"}, format="json").status_code == 404
    created = client.post(BASE, {"title": "X", "unit": organisation.beijing.pk, "severity": 2}, format="json")
    assert created.status_code == 403
    finding.refresh_from_db()
    assert (finding.status, finding.risks.count(), Finding.objects.count()) == (FindingStatus.OPEN, 0, 1)
