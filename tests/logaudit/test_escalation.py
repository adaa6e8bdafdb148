"""Reports left unsigned past the policy's delay are escalated, once, to the people who may
approve log audits over the source's unit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from garrison.core.audit import history_of
from garrison.core.models import Notification
from garrison.core.roles import Role
from garrison.core.scheduling import RunStatus, run_job
from garrison.logaudit.models import AuditReport, LogAuditPolicy, LogFormat, ReportStatus
from garrison.logaudit.notifications_audits import REPORT_ESCALATED
from garrison.logaudit.services.sources import create_source
from garrison.logaudit.services.triage import escalate_unsigned
from garrison.logaudit.tasks_audits import ESCALATE_JOB

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 5, 9, tzinfo=dt.UTC)


@pytest.fixture
def source(security_officer: Any, critical_system: Any) -> Any:
    return create_source(
        by=security_officer, name="billing-db auditd", asset=critical_system, log_format=LogFormat.AUDITD
    )


def make_report(source: Any, *, finished_hours_ago: float, number: int = 1, **fields: Any) -> AuditReport:
    start = dt.datetime(2026, 2, 23, tzinfo=dt.UTC) - dt.timedelta(days=7 * number)
    fields.setdefault("status", ReportStatus.AWAITING_SIGN_OFF)
    return AuditReport.objects.create(
        reference=f"LA-T{number:05d}",
        source=source,
        period_start=start,
        period_end=start + dt.timedelta(days=7),
        reviewer=source.reviewer,
        finished_at=NOW - dt.timedelta(hours=finished_hours_ago),
        **fields,
    )


def escalations() -> list[tuple[str, str]]:
    notices = Notification.objects.filter(kind=REPORT_ESCALATED.code).order_by("recipient__username")
    return [(notice.recipient.username, notice.title) for notice in notices]


def test_a_report_unsigned_past_the_delay_is_escalated_once(
    source: Any, security_officer: Any, ciso: Any, make_person: Any, organisation: Any
) -> None:
    make_person("shanghai_so", organisation.shanghai, (Role.SECURITY_OFFICER, organisation.shanghai))
    report = make_report(source, finished_hours_ago=72.5)
    assert escalate_unsigned(NOW) == 1
    report.refresh_from_db()
    assert report.escalated_at == NOW
    title = "Log audit report LA-T00001 of billing-db auditd is still unsigned"
    # The Security Officers over Beijing (its own and the Group's) and Beijing's administrator
    # (the asset's owner); not Shanghai's.
    assert escalations() == [("ciso", title), ("owner", title), ("secofficer", title)]
    assert history_of(report).get().reason == "Unsigned for more than 72 hours."
    assert escalate_unsigned(NOW + dt.timedelta(days=1)) == 0
    assert len(escalations()) == 3


def test_a_report_within_the_delay_is_not_escalated(source: Any, ciso: Any) -> None:
    report = make_report(source, finished_hours_ago=71)
    assert escalate_unsigned(NOW) == 0
    report.refresh_from_db()
    assert report.escalated_at is None
    assert escalations() == []


def test_the_delay_follows_the_policy(source: Any, ciso: Any) -> None:
    LogAuditPolicy.objects.update(escalation_hours=24)
    make_report(source, finished_hours_ago=25)
    assert escalate_unsigned(NOW) == 1
    assert [name for name, _title in escalations()] == ["ciso", "owner", "secofficer"]


def test_signed_failed_and_escalated_reports_are_left_alone(source: Any, ciso: Any) -> None:
    make_report(source, finished_hours_ago=200, number=1, status=ReportStatus.SIGNED)
    make_report(source, finished_hours_ago=200, number=2, status=ReportStatus.FAILED)
    make_report(source, finished_hours_ago=200, number=3, escalated_at=NOW - dt.timedelta(days=5))
    assert escalate_unsigned(NOW) == 0
    assert escalations() == []


def test_the_hourly_job_escalates(source: Any, ciso: Any) -> None:
    report = make_report(source, finished_hours_ago=0)
    AuditReport.objects.filter(pk=report.pk).update(finished_at=timezone.now() - dt.timedelta(hours=100))
    outcome = run_job(ESCALATE_JOB, now=timezone.now())
    assert outcome.status == RunStatus.SUCCEEDED
    assert outcome.detail == "1 unsigned reports escalated"
