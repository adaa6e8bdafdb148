"""The finding pages: the list with its filters, sorting and export, a finding's page
with its history, entering a finding by hand, changing its status and its links, and
who may see and do what."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from garrison.core.scheduling import organisation_today
from garrison.vulns.models import Finding, FindingStatus, RetestStatus, Severity, Source
from garrison.vulns.services import findings as services
from tests.incidents.reviews_support import make_risk
from tests.vulns.test_findings_services import make_finding, make_incident

LIST = reverse("vulns:finding-list")


def client_for(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def listed(page: Any) -> list[str]:
    return [row.object.reference for row in page.context["rows"]]


@pytest.fixture
def register(organisation: Any, make_asset: Any, owner: Any) -> dict[str, Finding]:
    """One finding per thing a filter picks out, each else alike."""
    today = organisation_today()
    web = make_asset(name="web-frontend", reference="AST-WEB01", ips=["10.0.0.7"])
    ops_asset = make_asset(name="ops-jumphost", unit=organisation.beijing_ops)
    from garrison.vulns.models import PenetrationTest

    test = PenetrationTest.objects.create(
        reference="PT-F0001",
        title="Annual test",
        starts_on=today,
        ends_on=today,
        owner=owner,
        unit=organisation.beijing,
    )
    return {
        "critical": make_finding(organisation.beijing, title="Log4Shell", severity=Severity.CRITICAL),
        "overdue": make_finding(
            organisation.beijing, title="Old OpenSSL", due_on=today - dt.timedelta(days=3)
        ),
        "fixed": make_finding(organisation.beijing, title="Patched", status=FindingStatus.FIXED),
        "trivy": make_finding(
            organisation.beijing, title="libxml2", source=Source.TRIVY, component="libxml2"
        ),
        "scoped": make_finding(organisation.beijing, title="In DMZ scope", scan_scope="dmz-weekly"),
        "on_asset": make_finding(organisation.beijing, title="On web", asset=web, host="10.0.0.7"),
        "cve": make_finding(
            organisation.beijing,
            title="Two CVEs",
            cve="CVE-2023-0001",
            cve_ids=["CVE-2023-0001", "CVE-2024-3094"],
        ),
        "rule": make_finding(organisation.beijing, title="Plugin", rule_id="19506"),
        "ops": make_finding(organisation.beijing_ops, title="In operations", asset=ops_asset),
        "pentest": make_finding(
            organisation.beijing,
            title="From the test",
            source=Source.MANUAL,
            penetration_test=test,
            retest_status=RetestStatus.REQUESTED,
        ),
        "late": make_finding(organisation.beijing, title="Due far", due_on=today + dt.timedelta(days=400)),
        "shanghai": make_finding(organisation.shanghai, title="Far away"),
    }


def test_the_list_shows_open_findings_by_default_and_each_filter_narrows(
    register: dict[str, Finding], security_officer: Any, organisation: Any
) -> None:
    client = client_for(security_officer)
    references = {name: finding.reference for name, finding in register.items()}
    beijing_open = {name for name in references if name not in ("fixed", "shanghai")}
    assert set(listed(client.get(LIST, {"page_size": "100"}))) == {references[name] for name in beijing_open}

    def only(parameters: dict[str, Any], *names: str) -> None:
        page = client.get(LIST, {**parameters, "page_size": "100"})
        assert page.status_code == 200, parameters
        assert sorted(listed(page)) == sorted(references[name] for name in names), parameters

    only({"status": "fixed"}, "fixed")
    only({"severity": Severity.CRITICAL}, "critical")
    only({"overdue": "yes"}, "overdue")
    only({"source": Source.TRIVY}, "trivy")
    only({"scan_scope": "dmz-weekly"}, "scoped")
    only({"asset_text": "web-front"}, "on_asset")
    only({"asset_text": "AST-WEB"}, "on_asset")
    only({"asset": register["on_asset"].asset_id}, "on_asset")
    only({"host": "10.0.0"}, "on_asset")
    only({"cve": "cve-2024-3094"}, "cve")
    only({"cve": "CVE-2023-0001"}, "cve")
    only({"rule": "19506"}, "rule")
    only({"unit": organisation.beijing_ops.pk}, "ops")
    only({"penetration_test": register["pentest"].penetration_test_id}, "pentest")
    only({"due_after": (organisation_today() + dt.timedelta(days=300)).isoformat()}, "late")
    only({"due_before": (organisation_today() - dt.timedelta(days=1)).isoformat()}, "overdue")
    only({"retest": RetestStatus.REQUESTED}, "pentest")
    only({"q": "log4"}, "critical")
    only({"q": "libxml2"}, "trivy")
    only({"q": register["rule"].reference}, "rule")
    assert len(listed(client.get(LIST, {"status": "all", "page_size": "100"}))) == 11


def test_the_list_sorts_shows_sla_clocks_and_reads_a_page_in_few_queries(
    organisation: Any, security_officer: Any, make_asset: Any, django_assert_max_num_queries: Any
) -> None:
    today = organisation_today()
    for number in range(30):
        make_finding(
            organisation.beijing,
            title=f"Finding {number:02d}",
            asset=make_asset(),
            severity=number % 5,
            due_on=today + dt.timedelta(days=number - 5),
        )
    client = client_for(security_officer)
    with django_assert_max_num_queries(14):
        page = client.get(LIST, {"page_size": "50"})
    assert page.status_code == 200
    assert len(page.context["rows"]) == 30
    severities = [row.object.severity for row in page.context["rows"]]
    assert severities == sorted(severities, reverse=True)
    text = page.content.decode()
    assert "5 days overdue" in text
    assert "due today" in text
    titles = listed(client.get(LIST, {"sort": "title", "page_size": "50"}))
    assert titles == sorted(titles, key=lambda reference: Finding.objects.get(pk=int(reference[4:])).title)
    due = [
        row.object.due_on for row in client.get(LIST, {"sort": "-due_on", "page_size": "50"}).context["rows"]
    ]
    assert due == sorted(due, reverse=True)


def test_the_list_exports_every_filtered_row(register: dict[str, Finding], security_officer: Any) -> None:
    export = client_for(security_officer).get(LIST, {"export": "csv", "severity": str(Severity.MEDIUM.value)})
    assert export.status_code == 200
    text = b"".join(export.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    lines = text.strip().splitlines()
    assert lines[0].startswith("Reference,Title,Severity,CVSS score")
    assert len(lines) == 1 + 9
    assert "Old OpenSSL" in text
    assert ",-3," in text
    assert "Log4Shell" not in text


def test_a_finding_page_shows_its_facts_history_and_links(
    security_officer: Any, organisation: Any, owner: Any
) -> None:
    finding = services.create_finding(
        by=security_officer,
        unit=organisation.beijing,
        title="SQL injection in search",
        severity=Severity.HIGH,
        evidence="GET /search?q=' OR 1=1--",
        cve_ids=["CVE-2024-1111"],
        reason="Found in the code review",
    )
    services.mark_fixed(finding, by=security_officer, reason="Parameterised the query")
    risk = make_risk(organisation.beijing, owner, title="Data theft through the web shop")
    services.set_links(finding, by=security_officer, risks=[risk])
    page = client_for(security_officer).get(reverse("vulns:finding-detail", args=[finding.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "<pre" in text
    assert "GET /search?q=&#x27; OR 1=1--" in text
    assert "CVE-2024-1111" in text
    assert "Parameterised the query" in text
    assert "Found in the code review" in text
    assert [event.kind for event in page.context["events"]] == ["status", "opened"]
    assert [entry.event.action for entry in page.context["history"].entries] == [
        "update",
        "update",
        "transition",
        "create",
    ]
    assert reverse("risks:risk-detail", args=[risk.pk]) in text
    assert reverse("vulns:finding-edit", args=[finding.pk]) in text
    assert [step.name for step in page.context["steps"]] == ["reopen"]


def test_an_imported_finding_says_why_it_is_not_edited(security_officer: Any, organisation: Any) -> None:
    finding = make_finding(organisation.beijing, title="From Nessus")
    client = client_for(security_officer)
    page = client.get(reverse("vulns:finding-detail", args=[finding.pk]))
    assert 'id="imported-note"' in page.content.decode()
    assert page.context["edit_url"] is None
    assert client.get(reverse("vulns:finding-edit", args=[finding.pk])).status_code == 404


def test_entering_a_finding_by_hand(security_officer: Any, organisation: Any, make_asset: Any) -> None:
    asset = make_asset(reference="AST-DB0001")
    client = client_for(security_officer)
    assert client.get(reverse("vulns:finding-create")).status_code == 200
    missing = client.post(reverse("vulns:finding-create"), {"title": "Weak password policy"})
    assert missing.status_code == 400
    assert "severity" in missing.context["form"].errors
    saved = client.post(
        reverse("vulns:finding-create"),
        {"title": "Weak password policy", "asset": "ast-db0001", "severity": Severity.HIGH, "cve_ids": ""},
    )
    finding = Finding.objects.get()
    assert saved.status_code == 302
    assert saved["Location"] == reverse("vulns:finding-detail", args=[finding.pk])
    assert (finding.asset, finding.unit, finding.source) == (asset, organisation.beijing, Source.MANUAL)
    assert finding.due_on == organisation_today() + dt.timedelta(days=30)
    edited = client.post(
        reverse("vulns:finding-edit", args=[finding.pk]),
        {
            "title": "Weak password policy",
            "asset": "AST-DB0001",
            "severity": Severity.CRITICAL,
            "reason": "Admin",
        },
    )
    assert edited.status_code == 302
    finding.refresh_from_db()
    assert finding.due_on == organisation_today() + dt.timedelta(days=7)


def test_a_status_change_needs_a_reason(security_officer: Any, organisation: Any) -> None:
    finding = make_finding(organisation.beijing)
    url = reverse("vulns:finding-status", args=[finding.pk])
    client = client_for(security_officer)
    refused = client.post(url, {"status": "fixed", "reason": ""})
    assert refused.status_code == 400
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    wrong = client.post(url, {"status": "open", "reason": "Back"})
    assert wrong.status_code == 400
    assert client.post(url, {"status": "fixed", "reason": "Patched"}).status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.FIXED


def test_links_are_set_by_reference_among_what_the_person_sees(
    security_officer: Any, organisation: Any, owner: Any, outsider: Any
) -> None:
    finding = make_finding(organisation.beijing)
    risk = make_risk(organisation.beijing, owner)
    incident = make_incident(organisation.beijing, owner, "INC-P0001")
    far = make_risk(organisation.shanghai, outsider)
    url = reverse("vulns:finding-links", args=[finding.pk])
    client = client_for(security_officer)
    refused = client.post(url, {"risks": f"{risk.reference}, {far.reference}", "incidents": ""})
    assert refused.status_code == 400
    assert refused.context["form"].errors["risks"] == [f"Not found: {far.reference}."]
    assert finding.risks.count() == 0
    saved = client.post(url, {"risks": risk.reference.lower(), "incidents": "INC-P0001"})
    assert saved.status_code == 302
    assert list(finding.risks.all()) == [risk]
    assert list(finding.incidents.all()) == [incident]


def test_who_sees_and_changes_a_finding(
    security_officer: Any, colleague: Any, outsider: Any, auditor: Any, organisation: Any
) -> None:
    finding = make_finding(organisation.beijing)
    detail = reverse("vulns:finding-detail", args=[finding.pk])
    status = reverse("vulns:finding-status", args=[finding.pk])
    links = reverse("vulns:finding-links", args=[finding.pk])
    assert client_for(security_officer).get(detail).status_code == 200
    for person in (colleague, outsider):
        client = client_for(person)
        assert client.get(detail).status_code == 404
        assert listed(client.get(LIST)) == []
    reader = client_for(auditor)
    page = reader.get(detail)
    assert page.status_code == 200
    assert page.context["steps"] == []
    assert page.context["links_form"] is None
    assert listed(reader.get(LIST)) == [finding.reference]
    assert reader.get(reverse("vulns:finding-create")).status_code == 404
    for person in (colleague, outsider, auditor):
        client = client_for(person)
        assert client.post(status, {"status": "fixed", "reason": "Patched"}).status_code == 404
        assert client.post(links, {"risks": "", "incidents": ""}).status_code == 404
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
