"""The log-audit demo step: log sources on critical information systems, three weeks of
sealed daily batches, the rule pack loaded, three audit weeks run through the services —
the two older ones triaged and signed, the latest awaiting sign-off with untriaged
findings — one suppression that kept the nightly backup out, seals that verify, pages that
open, and nothing added when run again.

Seeding the organisation, the inventory and the incident register it builds on takes
seconds, so the demo is seeded once, for one test."""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client

from garrison.core.demo.runner import seed_demo_data
from garrison.core.models import AuditEvent
from garrison.incidents.models import IncidentCategory
from garrison.logaudit.demo import WEEKS_AUDITED, log_officers
from garrison.logaudit.models import (
    AuditFinding,
    AuditReport,
    DetectionRule,
    LogBatch,
    LogSource,
    ReportStatus,
    Suppression,
    Triage,
)
from garrison.logaudit.services.dashboard import logaudit_figures
from garrison.logaudit.services.sealing import verify_report

pytestmark = pytest.mark.django_db

PREREQUISITES = {"organisation", "assets", "incidents"}


def test_the_demo_audits_three_weeks_of_critical_system_logs_and_adds_nothing_when_run_again() -> None:
    seed_demo_data(scale=1, seed=1, only=PREREQUISITES)
    # The incident library is not loaded in tests: the one category a finding's incident needs.
    IncidentCategory.objects.create(urn="urn:test:incident-category:oth", code="OTH", name="Other incident")
    seed_demo_data(scale=1, seed=1, only={"logaudit"})
    sources_belong_to_critical_systems_and_receive_daily_batches()
    the_rule_pack_is_loaded()
    older_weeks_are_signed_and_the_latest_awaits_sign_off()
    sensitive_operations_became_findings()
    the_backup_account_is_suppressed()
    the_signed_reports_verify()
    the_seeded_pages_open()
    before = (LogBatch.objects.count(), AuditReport.objects.count(), AuditEvent.objects.count())
    seed_demo_data(scale=1, seed=1, only={"logaudit"})
    assert (LogBatch.objects.count(), AuditReport.objects.count(), AuditEvent.objects.count()) == before


def sources_belong_to_critical_systems_and_receive_daily_batches() -> None:
    sources = list(LogSource.objects.select_related("asset").order_by("pk"))
    assert [source.log_format for source in sources] == ["bastion", "auditd", "syslog", "syslog"]
    assert all(source.asset.is_critical_system for source in sources)
    batches = Counter(LogBatch.objects.values_list("source_id", flat=True))
    # About three weeks of daily batches; the building gateway went silent ten days ago.
    assert all(batches[source.pk] >= 14 for source in sources[:3])
    assert batches[sources[3].pk] == batches[sources[0].pk] - 10
    assert not LogBatch.objects.filter(malformed_count__gt=0).exists()


def the_rule_pack_is_loaded() -> None:
    assert DetectionRule.objects.filter(origin="garrison").count() >= 30


def older_weeks_are_signed_and_the_latest_awaits_sign_off() -> None:
    _officer, reviewer = log_officers()
    statuses = Counter(AuditReport.objects.values_list("status", flat=True))
    assert statuses == {ReportStatus.SIGNED: 8, ReportStatus.AWAITING_SIGN_OFF: 4}
    assert AuditReport.objects.count() == WEEKS_AUDITED * 4
    latest = AuditReport.objects.filter(status=ReportStatus.AWAITING_SIGN_OFF)
    assert set(latest.values_list("reviewer", flat=True)) == {reviewer.pk if reviewer else None}
    assert not AuditFinding.objects.filter(
        report__status=ReportStatus.SIGNED, triage=Triage.UNTRIAGED
    ).exists()
    assert (
        AuditFinding.objects.filter(
            report__status=ReportStatus.AWAITING_SIGN_OFF, triage=Triage.UNTRIAGED
        ).count()
        >= 5
    )
    triages = set(
        AuditFinding.objects.filter(report__status=ReportStatus.SIGNED).values_list("triage", flat=True)
    )
    assert triages == {Triage.TRUE_POSITIVE, Triage.EXPECTED, Triage.FALSE_POSITIVE}
    assert AuditFinding.objects.filter(incident__isnull=False).count() == 1


def sensitive_operations_became_findings() -> None:
    titles = set(AuditFinding.objects.values_list("title", flat=True))
    assert {
        "Interactive root shell opened through sudo",
        "Firewall rules flushed or firewall stopped",
        "Shell history cleared or turned off",
        "Database dumped with a dump tool",
        "Credential file named on a command line",
        "Credential file opened (auditd)",
        "Command on a critical system outside working hours",
        "Direct SSH login as root",
        "Command run as root through sudo",
    } <= titles


def the_backup_account_is_suppressed() -> None:
    suppression = Suppression.objects.get()
    assert (suppression.kind, suppression.account) == ("account", "backup-svc")
    # One nightly dump a day, each matching the dump and the night-time rules at least.
    assert suppression.match_count >= 2 * 14
    dumps = AuditFinding.objects.filter(title="Database dumped with a dump tool")
    assert all("backup-svc" not in finding.accounts for finding in dumps)


def the_signed_reports_verify() -> None:
    for report in AuditReport.objects.filter(status=ReportStatus.SIGNED):
        check = verify_report(report)
        assert check.ok, check.problems


def the_seeded_pages_open() -> None:
    _officer, reviewer = log_officers()
    assert reviewer is not None
    figures = logaudit_figures(reviewer)
    assert (figures.awaiting.mine, figures.untriaged >= 5) == (4, True)
    client = Client()
    client.force_login(reviewer)
    report = AuditReport.objects.filter(status=ReportStatus.AWAITING_SIGN_OFF).first()
    assert report is not None
    for url in (
        "/logaudit/",
        "/logaudit/suppressions/",
        f"/logaudit/suppressions/{Suppression.objects.get().pk}/",
        "/logaudit/policy/",
        f"/logaudit/reports/{report.pk}/",
    ):
        assert client.get(url).status_code == 200, url
