"""The daily SLA jobs: one reminder per person summarising the findings that became overdue
(the asset owner's, or the unit's Security Officers' for findings without an asset), never
twice for the same due date; and the expiry of accepted risks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from garrison.core.models import Notification, Person
from garrison.core.roles import Role
from garrison.core.scheduling import RunStatus, organisation_today, run_job
from garrison.vulns.models import (
    ExceptionKind,
    ExceptionStatus,
    Finding,
    FindingException,
    FindingStatus,
)
from garrison.vulns.services.exceptions import approve_exception, request_exception
from garrison.vulns.tasks_findings import remind_overdue_findings
from tests.conftest import Organisation
from tests.vulns.test_exceptions_services import in_days, make_finding

pytestmark = pytest.mark.django_db


def overdue_reminders() -> list[tuple[str, str]]:
    told = Notification.objects.filter(kind="vulns.findings-overdue").order_by("recipient__username")
    return [(item.recipient.username, item.title) for item in told]


@pytest.fixture
def findings(
    organisation: Organisation, make_asset: Any, colleague: Person, security_officer: Person
) -> dict[str, Any]:
    """Three overdue findings on the owner's server, one on the colleague's, one without an
    asset in Beijing Operations; and some that are not newly overdue."""
    server = make_asset(name="web-01")
    laptop = make_asset(name="laptop-7", owner=colleague)
    overdue = [make_finding(organisation.beijing, server) for _ in range(3)]
    overdue.append(make_finding(organisation.beijing, laptop))
    overdue.append(make_finding(organisation.beijing_ops, None))
    make_finding(organisation.beijing, server, due_on=in_days(3))
    make_finding(organisation.beijing, server, due_on=organisation_today())
    make_finding(organisation.beijing, server, status=FindingStatus.RISK_ACCEPTED)
    make_finding(organisation.beijing, server, status=FindingStatus.FIXED)
    make_finding(organisation.beijing, server, overdue_notified_on=in_days(-10))
    return {"overdue": overdue, "server": server}


def test_each_person_gets_one_reminder_counting_their_newly_overdue_findings(
    findings: dict[str, Any], owner: Person, colleague: Person, security_officer: Person, ciso: Person
) -> None:
    reported, sent = remind_overdue_findings(organisation_today())

    assert (reported, sent) == (5, 3)
    # Beijing Operations has no Security Officer of its own: Beijing's is the nearest.
    assert overdue_reminders() == [
        ("colleague", "1 finding is past its due date"),
        ("owner", "3 findings are past their due date"),
        ("secofficer", "1 finding is past its due date"),
    ]
    reminder = Notification.objects.get(kind="vulns.findings-overdue", recipient=owner)
    assert reminder.link == "/vulns/findings/?overdue=yes"
    # The five newly overdue, and the one told about before.
    assert Finding.objects.exclude(overdue_notified_on=None).count() == 6
    for finding in findings["overdue"]:
        finding.refresh_from_db()
        assert finding.overdue_notified_on == finding.due_on


def test_nobody_is_told_twice_about_the_same_due_date(findings: dict[str, Any], owner: Person) -> None:
    remind_overdue_findings(organisation_today())
    tomorrow = organisation_today() + dt.timedelta(days=1)

    assert remind_overdue_findings(organisation_today()) == (0, 0)
    # The next day only the finding that became overdue overnight is reported.
    assert remind_overdue_findings(tomorrow) == (1, 1)
    assert Notification.objects.filter(kind="vulns.findings-overdue", recipient=owner).count() == 2


def test_a_new_due_date_is_reported_again(findings: dict[str, Any], owner: Person) -> None:
    remind_overdue_findings(organisation_today())
    Finding.objects.filter(pk=findings["overdue"][0].pk).update(due_on=in_days(-2))

    assert remind_overdue_findings(organisation_today() + dt.timedelta(days=1)) == (2, 1)


def test_the_security_officers_of_the_unit_itself_are_preferred(
    findings: dict[str, Any], organisation: Organisation, make_person: Any, owner: Person, colleague: Person
) -> None:
    make_person("opsofficer", organisation.beijing_ops, (Role.SECURITY_OFFICER, organisation.beijing_ops))

    remind_overdue_findings(organisation_today())

    assert [name for name, _title in overdue_reminders()] == ["colleague", "opsofficer", "owner"]


def test_the_job_runs_once_a_day(findings: dict[str, Any], owner: Person, colleague: Person) -> None:
    now = timezone.now()

    first = run_job("vulns.sla-reminders", now=now)
    second = run_job("vulns.sla-reminders", now=now)

    assert (first.status, first.detail) == (RunStatus.SUCCEEDED, "3 reminders for 5 newly overdue findings")
    assert second.status == RunStatus.SKIPPED


def test_the_expiry_job_reopens_findings_whose_acceptance_ended(
    organisation: Organisation, make_asset: Any, security_officer: Person, ciso: Person
) -> None:
    finding = make_finding(organisation.beijing, make_asset(name="db-01"))
    exception = request_exception(
        finding,
        by=security_officer,
        kind=ExceptionKind.RISK_ACCEPTANCE,
        justification="Compensating control",
        expires_on=in_days(30),
    )
    approve_exception(exception, by=ciso)
    FindingException.objects.filter(pk=exception.pk).update(expires_on=in_days(-1))

    outcome = run_job("vulns.expire-exceptions", now=timezone.now())

    assert (outcome.status, outcome.detail) == (RunStatus.SUCCEEDED, "1 risk acceptances expired")
    exception.refresh_from_db()
    finding.refresh_from_db()
    assert (exception.status, finding.status) == (ExceptionStatus.EXPIRED, FindingStatus.OPEN)
