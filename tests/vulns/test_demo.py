"""The vulnerability demo step: scans from five scanners imported against the seeded
inventory (three monthly data-center scans with fixed, reopened and overdue findings), two
unregistered hosts waiting for review, two penetration tests, exceptions in both states,
links to risks and incidents, a critical system left unscanned, pages that open, and
nothing added when run again.

Seeding the inventory, the register, the incidents and the suppliers it builds on takes
seconds, so the demo is seeded once, for one test."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from dateutil.relativedelta import relativedelta
from django.test import Client
from django.urls import reverse

from garrison.assets.models import AssetIdentifier
from garrison.core.demo.runner import seed_demo_data
from garrison.core.models import AuditEvent, Person
from garrison.core.scheduling import organisation_today
from garrison.vulns.demo import DC_SCOPE, UNSCANNED_SYSTEM, security_officers
from garrison.vulns.models import (
    ExceptionKind,
    ExceptionStatus,
    Finding,
    FindingException,
    FindingStatus,
    PenetrationTest,
    PenetrationTestStatus,
    RetestStatus,
    ScanImport,
    Severity,
    Source,
)
from garrison.vulns.models import (
    TesterKind as WhoTests,
)
from garrison.vulns.services.coverage import coverage_report
from garrison.vulns.services.findings import opened_on

PREREQUISITES = {"organisation", "assets", "risks", "incidents", "suppliers"}


def test_the_demo_shows_scans_sla_clocks_engagements_and_a_coverage_gap_and_adds_nothing_when_run_again(
    db: Any,
) -> None:
    seed_demo_data(scale=1, seed=1, only=PREREQUISITES)
    seed_demo_data(scale=1, seed=1, only={"vulns"})
    findings_come_from_five_scanners_and_the_testers()
    the_monthly_scans_fix_and_reopen_findings()
    clocks_run_and_old_high_and_critical_findings_are_overdue()
    unregistered_hosts_wait_for_review()
    two_penetration_tests_are_under_way_and_done()
    exceptions_are_approved_and_waiting()
    findings_link_to_risks_and_incidents()
    a_critical_system_is_left_unscanned()
    the_seeded_pages_open()
    before = (Finding.objects.count(), ScanImport.objects.count(), AuditEvent.objects.count())
    seed_demo_data(scale=1, seed=1, only={"vulns"})
    assert (Finding.objects.count(), ScanImport.objects.count(), AuditEvent.objects.count()) == before


def findings_come_from_five_scanners_and_the_testers() -> None:
    imports = Counter(ScanImport.objects.values_list("requested_format", "status"))
    assert imports == {
        ("nessus", "done"): 3,
        ("openvas", "done"): 1,
        ("trivy", "done"): 1,
        ("sarif", "done"): 1,
        ("nmap", "done"): 1,
    }
    sources = set(Finding.objects.values_list("source", flat=True))
    assert sources == {Source.NESSUS, Source.OPENVAS, Source.TRIVY, Source.SARIF, Source.NMAP, Source.MANUAL}
    # Images and code are on no host; the data-center scan is on registered servers only.
    assert not Finding.objects.filter(source__in=[Source.TRIVY, Source.SARIF], asset__isnull=False).exists()
    assert not Finding.objects.filter(source=Source.NESSUS, asset__isnull=True).exists()
    assert Finding.objects.filter(source=Source.TRIVY).count() == 12
    assert Finding.objects.filter(source=Source.SARIF).count() == 8
    severities = set(Finding.objects.filter(source=Source.NESSUS).values_list("severity", flat=True))
    assert severities == set(Severity.values)
    log4shell = Finding.objects.get(cve="CVE-2021-44228")
    assert (log4shell.severity, float(log4shell.cvss_score or 0), log4shell.fixed_version) == (
        Severity.CRITICAL,
        10.0,
        "2.15.0, 2.3.1, 2.12.2",
    )


def the_monthly_scans_fix_and_reopen_findings() -> None:
    first, second, third = ScanImport.objects.filter(scan_scope=DC_SCOPE).order_by("created_at")
    today = organisation_today()
    assert [(today - scan.created_at.date()).days for scan in (first, second, third)] in (
        [63, 32, 2],
        [64, 33, 3],  # seeded just before midnight UTC, checked after
    )
    assert first.host_count == second.host_count == third.host_count > 100
    assert (first.fixed_count, first.reopened_count) == (0, 0)
    assert second.fixed_count > 0
    assert second.reopened_count == 0
    assert third.fixed_count > 0
    assert third.reopened_count > 0
    scoped = Finding.objects.filter(scan_scope=DC_SCOPE)
    assert scoped.filter(reopened_count=1).count() == third.reopened_count
    assert scoped.filter(status=FindingStatus.FIXED).count() == (
        second.fixed_count + third.fixed_count - third.reopened_count
    )
    reopened = scoped.filter(reopened_count=1).first()
    assert reopened is not None
    assert reopened.status == FindingStatus.OPEN
    assert list(reopened.events.order_by("at").values_list("kind", flat=True)) == [
        "opened",
        "fixed",
        "reopened",
    ]
    assert reopened.opened_at.date() == third.created_at.date()


def clocks_run_and_old_high_and_critical_findings_are_overdue() -> None:
    today = organisation_today()
    open_findings = Finding.objects.filter(status=FindingStatus.OPEN)
    assert not open_findings.filter(severity__gt=Severity.INFO, due_on__isnull=True).exists()
    assert not open_findings.filter(severity=Severity.INFO, due_on__isnull=False).exists()
    overdue = open_findings.filter(due_on__lt=today)
    assert set(overdue.values_list("severity", flat=True)) == {Severity.HIGH, Severity.CRITICAL}
    oldest = (
        open_findings.filter(scan_scope=DC_SCOPE, severity=Severity.HIGH).order_by("first_seen_at").first()
    )
    assert oldest is not None
    assert oldest.due_on == opened_on(oldest.opened_at) + dt.timedelta(days=30)
    assert oldest.due_on < today


def unregistered_hosts_wait_for_review() -> None:
    sweep = ScanImport.objects.get(requested_format="nmap")
    assert sweep.discovered_asset_count == 2
    for address in ("10.10.1.66", "10.10.1.201"):
        asset = AssetIdentifier.objects.select_related("asset__unit").get(value=address).asset
        assert (asset.needs_review, asset.unit.code) == (True, "bj")
        assert Finding.objects.filter(asset=asset, source=Source.NMAP).count() == 2


def two_penetration_tests_are_under_way_and_done() -> None:
    today = organisation_today()
    quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    red_team, external = PenetrationTest.objects.order_by("reference")
    assert (red_team.tester_kind, red_team.status) == (WhoTests.INTERNAL, PenetrationTestStatus.CLOSED)
    assert red_team.completed_on is not None
    assert quarter - relativedelta(months=3) <= red_team.completed_on < quarter
    assert red_team.assets.filter(name="Blue Cloud console", is_critical_system=True).exists()
    assert sorted(red_team.findings.values_list("status", "retest_status")) == [
        (FindingStatus.FIXED, RetestStatus.PASSED),
        (FindingStatus.FIXED, RetestStatus.PASSED),
        (FindingStatus.FIXED, RetestStatus.PASSED),
        (FindingStatus.OPEN, RetestStatus.FAILED),
    ]
    assert (external.tester_kind, external.status) == (WhoTests.SUPPLIER, PenetrationTestStatus.REPORTING)
    assert external.supplier is not None
    assert external.supplier.categories.filter(code="security-services").exists()
    assert external.findings.count() == 4
    assert external.findings.filter(retest_status=RetestStatus.REQUESTED).count() == 1


def exceptions_are_approved_and_waiting() -> None:
    chief, deputy = security_officers()
    accepted = FindingException.objects.get(kind=ExceptionKind.RISK_ACCEPTANCE)
    assert accepted.status == ExceptionStatus.APPROVED
    assert accepted.expires_on == organisation_today() + relativedelta(months=3)
    assert accepted.risk is not None
    assert (accepted.requested_by, accepted.decided_by) == (chief, deputy)
    assert accepted.finding.status == FindingStatus.RISK_ACCEPTED
    waiting = FindingException.objects.get(kind=ExceptionKind.FALSE_POSITIVE)
    assert waiting.status == ExceptionStatus.REQUESTED
    assert (waiting.finding.source, waiting.finding.status) == (Source.TRIVY, FindingStatus.OPEN)


def findings_link_to_risks_and_incidents() -> None:
    assert Finding.objects.filter(risks__isnull=False).distinct().count() == 3
    linked = sorted(
        Finding.objects.filter(incidents__isnull=False).values_list("incidents__title", flat=True)
    )
    assert linked == [
        "Credential stuffing against the customer portal",
        "Cryptominer on a Shanghai test virtual machine",
        "Suspicious outbound traffic from a build server",
    ]


def a_critical_system_is_left_unscanned() -> None:
    report = coverage_report(today=organisation_today())
    unscanned = [row.system.name for row in report.systems if not row.is_scanned]
    assert unscanned == [UNSCANNED_SYSTEM]
    tested = [row.system.name for row in report.systems if row.is_tested]
    assert tested == ["Blue Cloud console"]


def the_seeded_pages_open() -> None:
    chief, _deputy = security_officers()
    assert chief is not None
    assert chief.job_title == "Chief Information Security Officer"
    client = Client()
    client.force_login(chief)
    overdue = Finding.objects.filter(status=FindingStatus.OPEN, due_on__lt=organisation_today()).first()
    reopened = Finding.objects.filter(reopened_count=1).first()
    assert overdue is not None
    assert reopened is not None
    pages = [
        reverse("vulns:dashboard"),
        reverse("vulns:coverage"),
        reverse("vulns:finding-list"),
        reverse("vulns:import-list"),
        reverse("vulns:pentest-list"),
        reverse("vulns:exception-list"),
        reverse("vulns:finding-detail", args=[overdue.pk]),
        reverse("vulns:finding-detail", args=[reopened.pk]),
        reverse("vulns:scanimport-detail", args=[ScanImport.objects.get(requested_format="nmap").pk]),
        *(
            reverse("vulns:penetrationtest-detail", args=[pk])
            for pk in PenetrationTest.objects.values_list("pk", flat=True)
        ),
        *(
            reverse("vulns:findingexception-detail", args=[pk])
            for pk in FindingException.objects.values_list("pk", flat=True)
        ),
    ]
    for page in pages:
        assert client.get(page).status_code == 200, page
    site_officer = Client()
    site_officer.force_login(Person.objects.get(username="secofficer"))
    for page in (reverse("vulns:dashboard"), reverse("vulns:finding-list")):
        assert site_officer.get(page).status_code == 200, page
