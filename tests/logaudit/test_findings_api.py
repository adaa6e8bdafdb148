"""The log-audit finding API: lists with the page's filters, a finding with its rule's
author, licence and references and its sample events, triage and the one-step incident,
with who may do what."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.logaudit.models import AuditFinding, Triage
from tests.logaudit.test_reports_pages import build_audit, make_finding, make_incident_category

# The lead's autouse policy fixture reads the database: open it before that runs.
pytestmark = pytest.mark.django_db

BASE = "/api/logaudit/findings/"


@pytest.fixture
def audit(
    organisation: Any, security_officer: Any, outsider: Any, critical_system: Any, make_asset: Any
) -> Any:
    return build_audit(organisation, security_officer, outsider, critical_system, make_asset)


def ids(response: Any) -> list[int]:
    return sorted(row["id"] for row in response.json()["results"])


def test_the_list_holds_the_officers_findings_with_the_rule_author(
    api: Any, audit: Any, security_officer: Any, django_assert_max_num_queries: Any
) -> None:
    far = make_finding(audit.far)
    client = api.as_(security_officer)
    client.get(BASE)
    with django_assert_max_num_queries(10):
        response = client.get(BASE)
    assert response.status_code == 200
    assert ids(response) == sorted([audit.sudo.pk, audit.firewall.pk])
    assert far.pk not in ids(response)
    row = next(row for row in response.json()["results"] if row["id"] == audit.sudo.pk)
    assert row["rule_author"] == "Florian Roth (Nextron Systems)"
    assert row["report_reference"] == audit.report.reference
    assert row["triage"] == "untriaged"
    assert row["accounts"] == ["root", "deploy"]
    assert "samples" not in row


def test_the_list_filters_as_the_page_does(api: Any, audit: Any, security_officer: Any) -> None:
    old = make_finding(audit.signed, audit.sudo_rule, triage=Triage.FALSE_POSITIVE)
    client = api.as_(security_officer)
    assert ids(client.get(BASE, {"triage": "false_positive"})) == [old.pk]
    assert ids(client.get(BASE, {"level": ["medium"]})) == [audit.firewall.pk]
    assert ids(client.get(BASE, {"rule": audit.sudo_rule.pk})) == sorted([audit.sudo.pk, old.pk])
    assert ids(client.get(BASE, {"report": audit.signed.pk})) == [old.pk]
    assert ids(client.get(BASE, {"has_incident": "yes"})) == []
    assert client.get(BASE, {"report": audit.far.pk}).status_code == 400


def test_a_finding_shows_its_rules_provenance_and_samples(api: Any, audit: Any, auditor: Any) -> None:
    response = api.as_(auditor).get(f"{BASE}{audit.sudo.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["rule_title"] == "Sudo to root"
    assert body["rule_author"] == "Florian Roth (Nextron Systems)"
    assert body["rule_licence"] == "DRL 1.1"
    assert body["rule_references"] == ["https://example.org/rules/sudo"]
    assert body["samples"][0]["line"] == 17
    assert body["samples"][0]["event"]["exe"] == "/usr/bin/sudo"


def test_the_export_names_the_rule_author(api: Any, audit: Any, security_officer: Any) -> None:
    response = api.as_(security_officer).get(f"{BASE}export/", {"file_format": "csv"})
    assert response.status_code == 200
    assert "Florian Roth (Nextron Systems)" in b"".join(response.streaming_content).decode("utf-8-sig")


def test_triage_records_the_decision(api: Any, audit: Any, security_officer: Any) -> None:
    client = api.as_(security_officer)
    response = client.post(
        f"{BASE}{audit.sudo.pk}/triage/",
        {"triage": "expected", "change_ticket": "CHG-77", "note": "Planned"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["triage"] == "expected"
    assert body["change_ticket"] == "CHG-77"
    assert body["triage_note"] == "Planned"
    assert body["triaged_by"] == security_officer.pk
    history = client.get(f"{BASE}{audit.sudo.pk}/history/").json()["results"]
    assert "triage" in history[0]["changes"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"triage": "expected"}, "change_ticket"),
        ({"triage": "untriaged"}, "triage"),
        ({"triage": "maybe"}, "triage"),
        ({}, "triage"),
    ],
)
def test_a_bad_triage_is_refused_field_by_field(
    api: Any, audit: Any, security_officer: Any, body: dict[str, str], field: str
) -> None:
    response = api.as_(security_officer).post(f"{BASE}{audit.sudo.pk}/triage/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert AuditFinding.objects.get(pk=audit.sudo.pk).triage == Triage.UNTRIAGED


def test_a_finding_of_a_signed_report_keeps_its_triage(api: Any, audit: Any, security_officer: Any) -> None:
    old = make_finding(audit.signed, triage=Triage.FALSE_POSITIVE)
    response = api.as_(security_officer).post(
        f"{BASE}{old.pk}/triage/", {"triage": "true_positive"}, format="json"
    )
    assert response.status_code == 400
    assert AuditFinding.objects.get(pk=old.pk).triage == Triage.FALSE_POSITIVE


def test_incident_opens_one_in_one_step(api: Any, audit: Any, security_officer: Any) -> None:
    make_incident_category()
    response = api.as_(security_officer).post(f"{BASE}{audit.sudo.pk}/incident/")
    assert response.status_code == 201
    body = response.json()
    finding = AuditFinding.objects.select_related("incident").get(pk=audit.sudo.pk)
    assert finding.incident is not None
    assert body["incident"] == finding.incident.pk
    assert body["incident_reference"] == finding.incident.reference
    assert body["triage"] == "true_positive"
    again = api.as_(security_officer).post(f"{BASE}{audit.sudo.pk}/incident/")
    assert again.status_code == 400


@pytest.mark.parametrize("who", ["auditor", "outsider", "colleague"])
def test_only_those_who_may_change_it_triage_or_open_incidents(
    api: Any, audit: Any, who: str, request: Any
) -> None:
    client = api.as_(request.getfixturevalue(who))
    triage = client.post(f"{BASE}{audit.sudo.pk}/triage/", {"triage": "false_positive"}, format="json")
    assert triage.status_code == 404
    assert client.post(f"{BASE}{audit.sudo.pk}/incident/").status_code == 404
    finding = AuditFinding.objects.get(pk=audit.sudo.pk)
    assert finding.triage == Triage.UNTRIAGED
    assert finding.incident_id is None
    visible = client.get(f"{BASE}{audit.sudo.pk}/").status_code
    assert visible == (200 if who == "auditor" else 404)
