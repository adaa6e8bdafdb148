"""The daily certification reminders: thresholds, dedupe, a missed day, expiry notices and
surveillance audits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from garrison.compliance.models import CertificationStatus
from garrison.compliance.services import certifications as services
from garrison.compliance.tasks_certifications import JOB_NAME, send_certification_reminders
from garrison.core.models import JobRun, Notification, Person
from garrison.core.scheduling import RunStatus, run_job
from tests.compliance.certifications_support import *  # noqa: F403

pytestmark = pytest.mark.django_db

EXPIRY = dt.date(2027, 3, 31)
EXPIRING = "compliance.certification-expiring"
EXPIRED = "compliance.certification-expired"
AUDIT_DUE = "compliance.surveillance-audit-due"


def morning(day: dt.date) -> dt.datetime:
    """The job's scheduled time on `day`: 01:15 UTC, 09:15 in Shanghai, the same date."""
    return dt.datetime.combine(day, dt.time(1, 15), tzinfo=dt.UTC)


def run_on(day: dt.date) -> str:
    return send_certification_reminders(morning(day))


def titles(person: Person, kind: str) -> list[str]:
    return list(
        Notification.objects.filter(recipient=person, kind=kind)
        .order_by("pk")
        .values_list("title", flat=True)
    )


@pytest.fixture
def certificate(make_certification: Any) -> Any:
    return make_certification(issued_on=dt.date(2024, 4, 1), expires_on=EXPIRY, name="ISO 27001")


def test_it_reminds_the_owner_at_90_30_and_7_days(certificate: Any, cert_owner: Person) -> None:
    for days_left in (91, 90, 89, 31, 30, 29, 8, 7, 6, 1):
        run_on(EXPIRY - dt.timedelta(days=days_left))
    assert titles(cert_owner, EXPIRING) == [
        "Certification expires in 90 days: ISO 27001",
        "Certification expires in 30 days: ISO 27001",
        "Certification expires in 7 days: ISO 27001",
    ]
    notification = Notification.objects.get(recipient=cert_owner, title__contains="30 days")
    assert notification.link == f"/compliance/certifications/{certificate.pk}/"
    assert notification.dedupe_key == f"{EXPIRING}:{certificate.pk}:{EXPIRY}:30"


def test_a_second_run_the_same_day_sends_nothing_more(certificate: Any, cert_owner: Person) -> None:
    run_on(EXPIRY - dt.timedelta(days=30))
    run_on(EXPIRY - dt.timedelta(days=30))
    assert len(titles(cert_owner, EXPIRING)) == 1


def test_after_missed_days_only_the_nearest_threshold_is_sent_once(
    certificate: Any, cert_owner: Person
) -> None:
    # The job did not run between 100 and 25 days before expiry: the 90-day reminder is
    # overtaken, the 30-day one is sent (late), and only once.
    run_on(EXPIRY - dt.timedelta(days=100))
    run_on(EXPIRY - dt.timedelta(days=25))
    run_on(EXPIRY - dt.timedelta(days=24))
    assert titles(cert_owner, EXPIRING) == ["Certification expires in 25 days: ISO 27001"]


def test_it_tells_the_owner_on_the_expiry_date_and_once_only(certificate: Any, cert_owner: Person) -> None:
    run_on(EXPIRY)
    run_on(EXPIRY + dt.timedelta(days=1))
    assert titles(cert_owner, EXPIRED) == ["Certification expires today: ISO 27001"]
    assert titles(cert_owner, EXPIRING) == []


def test_a_job_missing_the_expiry_date_still_says_it_expired(certificate: Any, cert_owner: Person) -> None:
    run_on(EXPIRY + dt.timedelta(days=3))
    assert titles(cert_owner, EXPIRED) == [f"Certification expired on {EXPIRY.isoformat()}: ISO 27001"]


def test_a_certificate_that_lapsed_long_ago_is_not_announced(certificate: Any, cert_owner: Person) -> None:
    run_on(EXPIRY + dt.timedelta(days=60))
    assert Notification.objects.filter(recipient=cert_owner, kind__startswith="compliance.").count() == 0


def test_a_renewed_certificate_is_not_reminded(
    certificate: Any, cert_owner: Person, cert_manager: Person
) -> None:
    services.renew_certification(
        certificate,
        by=cert_manager,
        issued_on=EXPIRY - dt.timedelta(days=40),
        expires_on=dt.date(2030, 3, 31),
    )
    run_on(EXPIRY - dt.timedelta(days=30))
    run_on(EXPIRY)
    assert Notification.objects.filter(recipient=cert_owner, kind__startswith="compliance.").count() == 0


def test_withdrawn_certificates_are_not_reminded(certificate: Any, cert_owner: Person) -> None:
    services.update_certification(certificate, by=None, status=CertificationStatus.WITHDRAWN)
    run_on(EXPIRY - dt.timedelta(days=7))
    assert Notification.objects.filter(recipient=cert_owner, kind__startswith="compliance.").count() == 0


def test_moving_the_expiry_date_starts_the_reminders_afresh(certificate: Any, cert_owner: Person) -> None:
    run_on(EXPIRY - dt.timedelta(days=30))
    later = EXPIRY + dt.timedelta(days=60)
    services.update_certification(certificate, by=None, expires_on=later)
    run_on(later - dt.timedelta(days=30))
    assert len(titles(cert_owner, EXPIRING)) == 2


def test_it_reminds_of_open_surveillance_audits(certificate: Any, cert_owner: Person) -> None:
    due = dt.date(2026, 6, 15)
    audit = services.add_surveillance_audit(certificate, by=None, due_on=due)
    done = services.add_surveillance_audit(certificate, by=None, due_on=due)
    services.complete_surveillance_audit(done, by=None, completed_on=dt.date(2025, 1, 1))
    for days_left in (90, 60, 30, 7, 0):
        run_on(due - dt.timedelta(days=days_left))
    assert titles(cert_owner, AUDIT_DUE) == [
        "Surveillance audit in 90 days: ISO 27001",
        "Surveillance audit in 30 days: ISO 27001",
        "Surveillance audit in 7 days: ISO 27001",
    ]
    keys = set(Notification.objects.filter(kind=AUDIT_DUE).values_list("dedupe_key", flat=True))
    assert keys == {f"{AUDIT_DUE}:{audit.pk}:{due}:{threshold}" for threshold in (90, 30, 7)}


def test_the_registered_job_runs_once_a_day(certificate: Any, cert_owner: Person) -> None:
    day = morning(EXPIRY - dt.timedelta(days=7))
    first = run_job(JOB_NAME, now=day)
    again = run_job(JOB_NAME, now=day)
    assert first.status is RunStatus.SUCCEEDED
    assert first.detail.startswith("1 expiry reminders")
    assert again.status is RunStatus.SKIPPED
    assert JobRun.objects.filter(job_name=JOB_NAME).count() == 1
    assert len(titles(cert_owner, EXPIRING)) == 1
