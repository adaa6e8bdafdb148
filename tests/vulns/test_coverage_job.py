"""The monthly coverage notice: one per Security Officer over the systems behind, none when
every system is covered, none twice in a month."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from garrison.core.models import Notification
from garrison.core.roles import Role
from garrison.core.scheduling import RunStatus, get_job, organisation_today, run_job
from garrison.vulns.models import AssetScan, PenetrationTest, PenetrationTestStatus, ScanImport
from garrison.vulns.notifications_coverage import COVERAGE_GAPS
from garrison.vulns.tasks_coverage import JOB_NAME, notify_coverage_gaps


@pytest.fixture
def shanghai_officer(organisation: Any, make_person: Any) -> Any:
    return make_person("shanghai_so", organisation.shanghai, (Role.SECURITY_OFFICER, organisation.shanghai))


def cover(system: Any, by: Any) -> None:
    """Scan the system and close a penetration test of it today."""
    scan_import = ScanImport.objects.create(
        reference="IMP-T99001", filename="scan.nessus", unit=system.unit, created_by=by
    )
    AssetScan.objects.create(
        asset=system, scan_import=scan_import, scanned_at=timezone.now(), source="nessus"
    )
    today = organisation_today()
    test = PenetrationTest.objects.create(
        reference="PT-T99001",
        title="Annual test",
        starts_on=today - dt.timedelta(days=5),
        ends_on=today,
        completed_on=today,
        status=PenetrationTestStatus.CLOSED,
        owner=by,
        unit=system.unit,
    )
    test.assets.add(system)


def coverage_notices() -> list[Notification]:
    return list(Notification.objects.filter(kind=COVERAGE_GAPS.code).order_by("recipient__username"))


def test_the_job_is_registered_monthly():
    job = get_job(JOB_NAME)

    assert job.period == "monthly"
    assert str(job.schedule) == "40 2 1 * *"


def test_each_security_officer_over_the_system_gets_one_notice(
    critical_system, make_asset, security_officer, ciso, shanghai_officer, owner
):
    make_asset(name="Payroll", is_critical_system=True)

    systems, people, sent = notify_coverage_gaps(organisation_today())

    assert (systems, people, sent) == (2, 2, 2)
    notices = coverage_notices()
    assert [notice.recipient.username for notice in notices] == ["ciso", "secofficer"]
    notice = notices[0]
    assert notice.title == "2 critical systems not scanned or not penetration-tested in time"
    assert (
        f"{critical_system.reference} Billing system: never scanned; never penetration-tested" in notice.body
    )
    assert "Payroll: never scanned; never penetration-tested" in notice.body
    assert "within 30 days" in notice.body
    assert "within 365 days" in notice.body
    assert notice.link == "/vulns/coverage/?coverage=uncovered"


def test_a_second_run_in_the_same_month_sends_nothing_more(critical_system, security_officer, ciso):
    today = organisation_today()
    assert notify_coverage_gaps(today)[2] == 2

    assert notify_coverage_gaps(today) == (1, 2, 0)
    assert len(coverage_notices()) == 2


def test_nothing_is_sent_when_every_system_is_covered(critical_system, security_officer, ciso, owner):
    cover(critical_system, owner)

    assert notify_coverage_gaps(organisation_today()) == (0, 0, 0)
    assert coverage_notices() == []


def test_only_the_missing_part_is_named(critical_system, security_officer, owner):
    cover(critical_system, owner)
    PenetrationTest.objects.update(completed_on=organisation_today() - dt.timedelta(days=400))

    assert notify_coverage_gaps(organisation_today()) == (1, 1, 1)
    [notice] = coverage_notices()
    last = (organisation_today() - dt.timedelta(days=400)).isoformat()
    assert notice.title == "1 critical system not scanned or not penetration-tested in time"
    assert notice.body.endswith(
        f"{critical_system.reference} Billing system: last penetration-tested on {last}"
    )


def test_the_scheduled_run_notifies_and_is_skipped_once_done(critical_system, security_officer):
    now = timezone.now()

    first = run_job(JOB_NAME, now=now)
    second = run_job(JOB_NAME, now=now)

    assert first.status == RunStatus.SUCCEEDED
    assert first.detail == "1 notices to 1 Security Officers about 1 critical systems not covered"
    assert second.status == RunStatus.SKIPPED
    assert [notice.recipient for notice in coverage_notices()] == [security_officer]
