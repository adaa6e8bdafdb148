"""Signing a weekly report: only one awaiting sign-off with every finding triaged, by its
reviewer or someone who may approve log audits over the source's unit, and only while the
logs behind it still match the tree head it recorded."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404
from django.utils import timezone

from garrison.core.audit import history_of
from garrison.logaudit.models import AuditFinding, AuditReport, DetectionRule, LogFormat, ReportStatus, Triage
from garrison.logaudit.services.ingest import ingest_batch
from garrison.logaudit.services.sealing import tree_head_for
from garrison.logaudit.services.sources import create_source
from garrison.logaudit.services.triage import sign_report, triage_finding

pytestmark = pytest.mark.django_db

HEADER = "user,asset,account,command,time,session\n"


@pytest.fixture
def source(security_officer: Any, critical_system: Any) -> Any:
    return create_source(
        by=security_officer, name="billing-db commands", asset=critical_system, log_format=LogFormat.BASTION
    )


@pytest.fixture
def report(source: Any, security_officer: Any) -> AuditReport:
    """A report over two sealed batches with one untriaged finding."""
    for number, command in enumerate(["iptables -F", "systemctl restart nginx"]):
        content = f"{HEADER}zhang.wei,billing-db,root,{command},2026-02-2{number}T10:00:00+08:00,s{number}\n"
        ingest_batch(source, io.BytesIO(content.encode()), filename=f"day{number}.csv", by=security_officer)
    start = dt.datetime(2026, 2, 16, tzinfo=dt.UTC)
    report = AuditReport.objects.create(
        reference="LA-T00001",
        source=source,
        period_start=start,
        period_end=start + dt.timedelta(days=7),
        status=ReportStatus.AWAITING_SIGN_OFF,
        reviewer=source.reviewer,
        tree_size=2,
        tree_head=tree_head_for(source, 2),
        batch_count=2,
        finished_at=timezone.now(),
    )
    rule = DetectionRule.objects.create(rule_id="t-flush", title="Firewall rules flushed", text="title: x")
    AuditFinding.objects.create(report=report, rule=rule, asset=source.asset, title=rule.title, level="high")
    return report


def triage_all(report: AuditReport, by: Any) -> None:
    for finding in report.findings.all():
        triage_finding(finding, by=by, triage=Triage.EXPECTED, change_ticket="CHG-7")


def test_the_reviewer_signs_a_triaged_report(report: AuditReport, security_officer: Any) -> None:
    triage_all(report, security_officer)
    signed = sign_report(report, by=security_officer, note=" All changes had tickets. ")
    signed.refresh_from_db()
    assert (signed.status, signed.signed_by, signed.sign_note) == (
        ReportStatus.SIGNED,
        security_officer,
        "All changes had tickets.",
    )
    assert signed.signed_at is not None
    event = history_of(signed).get()
    assert event.changes["status"] == [ReportStatus.AWAITING_SIGN_OFF, ReportStatus.SIGNED]
    with pytest.raises(ValidationError) as twice:
        sign_report(signed, by=security_officer)
    assert "only a report awaiting sign-off" in str(twice.value)


def test_a_report_with_untriaged_findings_is_not_signed(report: AuditReport, security_officer: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        sign_report(report, by=security_officer)
    assert "1 not triaged yet" in str(refused.value)
    report.refresh_from_db()
    assert report.status == ReportStatus.AWAITING_SIGN_OFF


def test_an_empty_week_is_signed_too(report: AuditReport, security_officer: Any) -> None:
    report.findings.all().delete()
    assert sign_report(report, by=security_officer).status == ReportStatus.SIGNED


def test_someone_who_is_neither_reviewer_nor_approver_may_not_sign(
    report: AuditReport, security_officer: Any, auditor: Any, colleague: Any, outsider: Any
) -> None:
    triage_all(report, security_officer)
    with pytest.raises(ValidationError) as refused:
        sign_report(report, by=auditor)
    assert "Only the reviewer of billing-db commands" in str(refused.value)
    for person in (colleague, outsider):
        with pytest.raises(Http404):
            sign_report(report, by=person)
    with pytest.raises(ValidationError):
        sign_report(report, by=None)
    report.refresh_from_db()
    assert report.status == ReportStatus.AWAITING_SIGN_OFF


def test_an_approver_over_the_unit_signs_for_the_reviewer(
    report: AuditReport, security_officer: Any, ciso: Any
) -> None:
    triage_all(report, security_officer)
    assert sign_report(report, by=ciso).signed_by == ciso


def test_a_report_whose_logs_were_altered_is_not_signed(report: AuditReport, security_officer: Any) -> None:
    triage_all(report, security_officer)
    batch = report.source.batches.get(sequence=1)
    assert batch.stored_file is not None
    path = default_storage.path(batch.stored_file.storage_name)
    with open(path, "ab") as blob:
        blob.write(b"mallory,billing-db,root,rm -rf /var/log,2026-02-21T03:00:00+08:00,s9\n")
    with pytest.raises(ValidationError) as refused:
        sign_report(report, by=security_officer)
    assert "no longer match its seal" in str(refused.value)
    assert "batch 1 (day1.csv)" in str(refused.value)
    report.refresh_from_db()
    assert report.status == ReportStatus.AWAITING_SIGN_OFF


def test_a_report_whose_recorded_head_differs_is_not_signed(
    report: AuditReport, security_officer: Any
) -> None:
    triage_all(report, security_officer)
    AuditReport.objects.filter(pk=report.pk).update(tree_head="0" * 64)
    with pytest.raises(ValidationError) as refused:
        sign_report(report, by=security_officer)
    assert "tree head" in str(refused.value)


@pytest.mark.parametrize("status", [ReportStatus.QUEUED, ReportStatus.RUNNING, ReportStatus.FAILED])
def test_only_a_report_awaiting_sign_off_is_signed(
    report: AuditReport, security_officer: Any, status: str
) -> None:
    report.findings.all().delete()
    AuditReport.objects.filter(pk=report.pk).update(status=status)
    with pytest.raises(ValidationError):
        sign_report(report, by=security_officer)
    report.refresh_from_db()
    assert report.status == status
