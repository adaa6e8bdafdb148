"""The vulnerability dashboard: open findings by severity, overdue, fixed lately, time to
fix, the most exposed assets, exceptions to decide, recent imports and coverage; its empty
state, the same figures in the API and on the home dashboard, and who sees what."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from garrison.core.scheduling import organisation_today
from garrison.vulns.models import (
    ExceptionKind,
    Finding,
    FindingException,
    FindingSighting,
    FindingStatus,
    ImportStatus,
    ScanImport,
    Severity,
)
from garrison.web.dashboard import tiles_for

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("vulns:dashboard")
_numbers = itertools.count(1)


def browser(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def make_finding(unit: Any, severity: int, *, asset: Any = None, **fields: Any) -> Finding:
    number = next(_numbers)
    now = timezone.now()
    fields.setdefault("opened_at", now - dt.timedelta(days=1))
    finding = Finding.objects.create(
        fingerprint=f"test-{number}",
        title=f"Finding {number}",
        source="manual",
        severity=severity,
        unit=unit,
        asset=asset,
        first_seen_at=fields["opened_at"],
        due_on=fields.pop("due_on", organisation_today() + dt.timedelta(days=5)),
        **fields,
    )
    FindingSighting.objects.create(finding=finding, last_seen_at=now)
    return finding


@pytest.fixture
def findings(organisation, make_asset, security_officer) -> dict[str, Any]:
    """Two critical findings on the web server (one overdue), one high on the database, one
    medium without an asset, one fixed 10 days ago after 20 days, one fixed 60 days ago after
    10 days, one fixed 100 days ago; an exception awaiting a decision; one import."""
    web, database = make_asset(name="web-1"), make_asset(name="db-1")
    beijing = organisation.beijing
    now = timezone.now()
    overdue = make_finding(
        beijing, Severity.CRITICAL, asset=web, due_on=organisation_today() - dt.timedelta(days=2)
    )
    make_finding(beijing, Severity.CRITICAL, asset=web)
    make_finding(beijing, Severity.HIGH, asset=database)
    make_finding(beijing, Severity.MEDIUM)
    for fixed_days_ago, took in ((10, 20), (60, 10), (100, 1)):
        fixed_at = now - dt.timedelta(days=fixed_days_ago)
        make_finding(
            beijing,
            Severity.HIGH,
            asset=database,
            status=FindingStatus.FIXED,
            fixed_at=fixed_at,
            opened_at=fixed_at - dt.timedelta(days=took),
        )
    FindingException.objects.create(
        finding=overdue,
        kind=ExceptionKind.RISK_ACCEPTANCE,
        justification="Compensated",
        requested_by=security_officer,
    )
    ScanImport.objects.create(
        reference="IMP-T00001",
        filename="dc1.nessus",
        unit=beijing,
        created_by=security_officer,
        status=ImportStatus.DONE,
        new_count=4,
    )
    return {"web": web, "database": database}


def test_the_dashboard_shows_the_figures(findings, critical_system, security_officer):
    response = browser(security_officer).get(DASHBOARD)

    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.open_by_severity == {4: 2, 3: 1, 2: 1, 1: 0, 0: 0}
    assert figures.open_total == 4
    assert figures.overdue == 1
    assert figures.fixed_recently == 1
    assert figures.mean_days_to_fix == 15.0
    assert [(row.asset.name, row.critical, row.high) for row in figures.top_assets] == [
        ("web-1", 2, 0),
        ("db-1", 0, 1),
    ]
    assert figures.exceptions_awaiting == 1
    assert [item.filename for item in response.context["imports"]] == ["dc1.nessus"]
    coverage = response.context["coverage"]
    assert (coverage["total"], coverage["scanned"], coverage["tested"]) == (1, 0, 0)
    html = response.content.decode()
    assert '<div class="display-6" id="time-to-fix">15.0 d</div>' in html
    assert "0 of 1" in html
    assert "4 new" in html
    assert "No vulnerability is recorded yet" not in html


def test_the_empty_dashboard_says_so(security_officer):
    response = browser(security_officer).get(DASHBOARD)

    assert response.status_code == 200
    html = response.content.decode()
    assert "No vulnerability is recorded yet" in html
    assert "No scan imported yet." in html
    assert "No asset has an open critical or high finding." in html
    assert "No critical information system you may see is registered." in html
    assert response.context["figures"].mean_days_to_fix is None
    assert '<div class="display-6" id="time-to-fix">—</div>' in html


def test_people_see_only_the_figures_of_their_reach(findings, owner, colleague, outsider):
    assert browser(owner).get(DASHBOARD).context["figures"].open_total == 4
    assert browser(outsider).get(DASHBOARD).context["figures"].open_total == 0
    assert browser(outsider).get(DASHBOARD).context["imports"] == []
    assert browser(colleague).get(DASHBOARD).status_code == 404


def test_the_figures_read_a_fixed_number_of_queries(findings, security_officer, organisation, make_asset):
    client = browser(security_officer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(DASHBOARD)
        return len(captured)

    baseline = queries()
    for number in range(5):
        make_finding(organisation.beijing, Severity.CRITICAL, asset=make_asset(name=f"extra-{number}"))

    assert queries() == baseline


def test_the_api_summary_gives_the_same_figures(api, findings, critical_system, security_officer, outsider):
    summary = api.as_(security_officer).get("/api/vulns/coverage/summary/").json()

    assert summary == {
        "open_by_severity": {"0": 0, "1": 0, "2": 1, "3": 1, "4": 2},
        "open_total": 4,
        "overdue": 1,
        "fixed_recently": 1,
        "mean_days_to_fix": 15.0,
        "top_assets": [
            {
                "asset": findings["web"].pk,
                "reference": findings["web"].reference,
                "name": "web-1",
                "critical": 2,
                "high": 0,
            },
            {
                "asset": findings["database"].pk,
                "reference": findings["database"].reference,
                "name": "db-1",
                "critical": 0,
                "high": 1,
            },
        ],
        "exceptions_awaiting": 1,
        "critical_systems": 1,
        "critical_systems_scanned": 0,
        "critical_systems_tested": 0,
    }
    assert api.as_(outsider).get("/api/vulns/coverage/summary/").json()["open_total"] == 0


def test_the_home_dashboard_shows_the_vulnerability_tiles(
    findings, critical_system, security_officer, colleague
):
    tiles = {str(tile.label): tile for tile in tiles_for(security_officer)}

    assert tiles["Open critical vulnerabilities"].count == 2
    assert tiles["Open high vulnerabilities"].count == 1
    assert tiles["Vulnerabilities past their due date"].count == 1
    assert tiles["Critical systems not scanned in time"].count == 1
    assert tiles["Critical systems not scanned in time"].url == "/vulns/coverage/?coverage=not_scanned"
    assert tiles["Vulnerability exceptions awaiting a decision"].count == 1
    assert not [tile for tile in tiles_for(colleague) if "ulnerabilit" in str(tile.label)]
