"""The pages of an asset, a risk scenario and an incident show the findings on the asset or
linked to them, counted by severity, to those who may see vulnerabilities, and to no one
else."""

from __future__ import annotations

from typing import Any

from django.test import Client

from garrison.core.models import Person
from garrison.vulns.models import Severity
from garrison.vulns.services import findings as services
from tests.incidents.reviews_support import make_risk
from tests.vulns.test_findings_services import make_incident


def page_of(person: Person, path: str) -> str:
    client = Client()
    client.force_login(person)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_asset_page_counts_its_open_findings_by_severity(
    organisation: Any, security_officer: Person, make_asset: Any
) -> None:
    server = make_asset(name="db-01", ips=["10.0.0.7"])
    unit = organisation.beijing
    critical = services.create_finding(
        by=security_officer, unit=unit, asset=server, title="OpenSSH RCE", severity=4
    )
    services.create_finding(
        by=security_officer, unit=unit, asset=server, title="Weak TLS ciphers", severity=2
    )
    fixed = services.create_finding(
        by=security_officer, unit=unit, asset=server, title="Old banner", severity=2
    )
    services.mark_fixed(fixed, by=security_officer, reason="Banner removed")

    html = page_of(security_officer, f"/assets/{server.pk}/")

    assert "OpenSSH RCE" in html
    assert "Weak TLS ciphers" in html
    assert f"{Severity.CRITICAL.label}: 1" in html
    assert f"{Severity.MEDIUM.label}: 1" in html
    assert "2 open" in html
    assert f'href="/vulns/findings/{critical.pk}/"' in html
    assert f"/vulns/findings/?asset={server.pk}" in html


def test_risk_and_incident_pages_list_the_findings_linked_to_them(
    organisation: Any, security_officer: Person, owner: Person
) -> None:
    risk = make_risk(organisation.beijing, owner)
    incident = make_incident(organisation.beijing, owner, "INC-T0001")
    finding = services.create_finding(
        by=security_officer, unit=organisation.beijing, title="Exposed RDP on jump host", severity=3
    )
    services.set_links(finding, by=security_officer, risks=[risk], incidents=[incident])

    assert "Exposed RDP on jump host" in page_of(owner, f"/risks/{risk.pk}/")
    assert "Exposed RDP on jump host" in page_of(owner, f"/incidents/cases/{incident.pk}/")


def test_someone_without_the_vulnerability_domain_sees_no_findings_section(
    organisation: Any, security_officer: Person, make_asset: Any, make_person: Any
) -> None:
    from garrison.core.roles import Role

    asset_keeper = make_person("keeper", organisation.beijing, (Role.RISK_OWNER, organisation.beijing))
    server = make_asset(name="db-02", ips=["10.0.0.8"], owner=asset_keeper)
    services.create_finding(
        by=security_officer, unit=organisation.beijing, asset=server, title="SMB signing off", severity=2
    )

    html = page_of(asset_keeper, f"/assets/{server.pk}/")

    assert server.name in html
    assert "SMB signing off" not in html
    assert "linked-findings-heading" not in html
