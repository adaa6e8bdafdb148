"""An asset's page shows its log sources with their latest weekly report, and an incident's
page the log-audit findings it was opened from, to those who may see log audits, and to no
one else."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.core.models import Person
from garrison.core.roles import Role
from garrison.logaudit.models import ReportStatus
from garrison.logaudit.services.triage import open_incident
from tests.logaudit.test_reports_pages import make_finding, make_incident_category, make_report, make_source
from tests.vulns.test_linked_findings import page_of

pytestmark = pytest.mark.django_db


def test_the_asset_page_lists_its_log_sources_and_their_latest_report(
    security_officer: Person, critical_system: Any
) -> None:
    source = make_source(
        critical_system, security_officer, reviewer=security_officer, name="billing-db auditd"
    )
    make_report(source, weeks_back=1, status=ReportStatus.SIGNED, reference="LA-OLD")
    latest = make_report(source, reference="LA-LATEST")
    make_finding(latest)
    make_finding(latest)

    html = page_of(security_officer, f"/assets/{critical_system.pk}/")

    assert "billing-db auditd" in html
    assert f'href="/logaudit/reports/{latest.pk}/"' in html
    assert "LA-OLD" not in html
    assert "Awaiting sign-off" in html
    assert "2 findings not triaged" in html
    assert f"/logaudit/reports/?asset={critical_system.pk}" in html


def test_an_asset_without_a_log_source_says_so(security_officer: Person, critical_system: Any) -> None:
    html = page_of(security_officer, f"/assets/{critical_system.pk}/")

    assert "No log source you can see delivers this asset" in html


def test_the_incident_opened_from_a_finding_shows_it(security_officer: Person, critical_system: Any) -> None:
    make_incident_category()
    source = make_source(critical_system, security_officer, reviewer=security_officer)
    finding = make_finding(make_report(source, reference="LA-INC"), match_count=4)
    incident = open_incident(finding, by=security_officer)

    html = page_of(security_officer, f"/incidents/cases/{incident.pk}/")

    assert f'href="/logaudit/findings/{finding.pk}/"' in html
    assert "LA-INC" in html
    assert "4 matches" in html


def test_someone_without_the_log_audit_domain_sees_no_section(
    organisation: Any, security_officer: Person, make_asset: Any, make_person: Any
) -> None:
    keeper = make_person("keeper", organisation.beijing, (Role.RISK_OWNER, organisation.beijing))
    server = make_asset(name="db-07", owner=keeper)
    make_source(server, security_officer, name="db-07 syslog")

    html = page_of(keeper, f"/assets/{server.pk}/")

    assert "db-07" in html
    assert "db-07 syslog" not in html
    assert "linked-log-audit-heading" not in html
