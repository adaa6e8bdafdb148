"""Which week an audit covers, and queueing it: the scheduler creates one report per source
and week however often it runs, "audit now" queues the last full week or runs a failed one
again, and both run after the queueing transaction commits."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from garrison.core.audit import history_of
from garrison.core.models.audit import AuditAction
from garrison.core.scheduling import get_job
from garrison.logaudit.models import AuditReport, LogAuditPolicy, LogFormat, ReportStatus
from garrison.logaudit.services.audits import audit_period, request_audit, schedule_weekly_audits
from garrison.logaudit.services.sources import create_source
from garrison.logaudit.tasks_audits import ESCALATE_JOB, SCHEDULE_JOB

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def shanghai(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def set_weekday(weekday: int) -> None:
    LogAuditPolicy.objects.update(audit_weekday=weekday)


def test_the_week_ends_at_midnight_of_the_audit_weekday_in_the_organisations_zone() -> None:
    # Wednesday 4 March 2026; audits on Monday (the default).
    assert audit_period(shanghai(2026, 3, 4, 10)) == (shanghai(2026, 2, 23), shanghai(2026, 3, 2))


def test_the_week_just_ended_counts_in_local_time_while_utc_is_still_on_sunday() -> None:
    moment = shanghai(2026, 3, 2, 0, 30)
    assert moment.astimezone(dt.UTC).weekday() == 6  # Sunday 16:30 UTC
    assert audit_period(moment) == (shanghai(2026, 2, 23), shanghai(2026, 3, 2))
    assert audit_period(shanghai(2026, 3, 1, 23, 59)) == (shanghai(2026, 2, 16), shanghai(2026, 2, 23))


def test_the_week_follows_the_policy_weekday() -> None:
    set_weekday(3)  # Thursday
    assert audit_period(shanghai(2026, 3, 4, 10)) == (shanghai(2026, 2, 19), shanghai(2026, 2, 26))
    assert audit_period(shanghai(2026, 3, 5, 0)) == (shanghai(2026, 2, 26), shanghai(2026, 3, 5))


def test_a_week_with_a_clock_change_keeps_seven_calendar_days(settings: Any) -> None:
    settings.DEFAULT_PERSON_TIME_ZONE = "Europe/Berlin"
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    start, end = audit_period(dt.datetime(2026, 3, 31, 12, tzinfo=berlin))
    assert (start, end) == (dt.datetime(2026, 3, 23, tzinfo=berlin), dt.datetime(2026, 3, 30, tzinfo=berlin))
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=167)


@pytest.fixture
def sources(security_officer: Any, critical_system: Any, make_asset: Any) -> list[Any]:
    other = make_asset(name="bastion-1")
    return [
        create_source(
            by=security_officer, name="billing-db auditd", asset=critical_system, log_format=LogFormat.AUDITD
        ),
        create_source(
            by=security_officer, name="bastion commands", asset=other, log_format=LogFormat.BASTION
        ),
        create_source(
            by=security_officer,
            name="retired host",
            asset=other,
            log_format=LogFormat.SYSLOG,
            audit_enabled=False,
        ),
    ]


def test_scheduling_queues_one_report_per_enabled_source_and_week(
    sources: list[Any], security_officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    now = shanghai(2026, 3, 4, 10)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = schedule_weekly_audits(now)
    assert sorted(report.source.name for report in queued) == ["bastion commands", "billing-db auditd"]
    assert len(callbacks) == 2
    report = queued[0]
    assert report.reference == f"LA-{report.pk:06d}"
    assert (report.status, report.period_start, report.period_end) == (
        ReportStatus.QUEUED,
        shanghai(2026, 2, 23),
        shanghai(2026, 3, 2),
    )
    assert report.reviewer == security_officer
    assert history_of(report).get().action == AuditAction.CREATE

    with django_capture_on_commit_callbacks(execute=False) as again:
        assert schedule_weekly_audits(now) == []
        assert schedule_weekly_audits(shanghai(2026, 3, 8, 23)) == []
    assert again == []
    assert AuditReport.objects.count() == 2


def test_the_next_week_gets_its_own_reports(sources: list[Any]) -> None:
    schedule_weekly_audits(shanghai(2026, 3, 4, 10))
    later = schedule_weekly_audits(shanghai(2026, 3, 9, 1))
    assert {report.period_start for report in later} == {shanghai(2026, 3, 2)}
    assert AuditReport.objects.count() == 4


def test_a_report_the_worker_lost_is_queued_again(
    sources: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    queued = schedule_weekly_audits(shanghai(2026, 3, 4, 10))
    AuditReport.objects.filter(pk=queued[0].pk).update(created_at=shanghai(2026, 3, 4, 10))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert schedule_weekly_audits(shanghai(2026, 3, 4, 12)) == []
    assert len(callbacks) == 1


def test_audit_now_queues_the_last_full_week(
    sources: list[Any], security_officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = request_audit(sources[2], by=security_officer)
    assert (report.status, report.source) == (ReportStatus.QUEUED, sources[2])
    assert (report.period_start, report.period_end) == audit_period()
    assert len(callbacks) == 1
    assert request_audit(sources[2], by=security_officer) == report  # still queued: the same


def test_audit_now_of_a_given_week_takes_the_audit_week_containing_it(
    sources: list[Any], security_officer: Any
) -> None:
    report = request_audit(sources[0], by=security_officer, period_start=shanghai(2026, 2, 25, 15))
    assert (report.period_start, report.period_end) == (shanghai(2026, 2, 23), shanghai(2026, 3, 2))


def test_audit_now_refuses_a_week_not_over(sources: list[Any], security_officer: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        request_audit(sources[0], by=security_officer, period_start=audit_period()[1])
    assert "not over" in str(refused.value)
    assert not AuditReport.objects.exists()


def test_audit_now_runs_a_failed_week_again_and_refuses_one_that_ran(
    sources: list[Any], security_officer: Any
) -> None:
    report = request_audit(sources[0], by=security_officer)
    AuditReport.objects.filter(pk=report.pk).update(status=ReportStatus.FAILED, error="disk full")
    again = request_audit(sources[0], by=security_officer)
    assert (again.pk, again.status, again.error) == (report.pk, ReportStatus.QUEUED, "")
    assert history_of(report).filter(reason="Audit requested again after it failed.").exists()
    AuditReport.objects.filter(pk=report.pk).update(status=ReportStatus.AWAITING_SIGN_OFF)
    with pytest.raises(ValidationError) as refused:
        request_audit(sources[0], by=security_officer)
    assert report.reference in str(refused.value)


def test_audit_now_is_refused_outside_the_persons_reach(
    sources: list[Any], outsider: Any, colleague: Any, auditor: Any
) -> None:
    for person in (outsider, colleague, auditor):
        with pytest.raises(Http404):
            request_audit(sources[0], by=person)
    assert not AuditReport.objects.exists()


def test_the_jobs_are_registered_hourly() -> None:
    assert (get_job(SCHEDULE_JOB).period, str(get_job(SCHEDULE_JOB).schedule)) == ("hourly", "7 * * * *")
    assert (get_job(ESCALATE_JOB).period, str(get_job(ESCALATE_JOB).schedule)) == ("hourly", "37 * * * *")
