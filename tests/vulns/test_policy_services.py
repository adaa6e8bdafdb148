"""The vulnerability policy: changed by whoever may change vulnerability records over the
whole organisation, each period from 1 to 3650 days; an SLA change moves the due dates of
open findings and leaves the others alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from garrison.core.models import AuditEvent, Person
from garrison.core.models.audit import AuditAction
from garrison.core.scheduling import organisation_today
from garrison.vulns.models import FindingStatus, Severity
from garrison.vulns.services.policy import change_policy, current_policy, update_policy
from tests.conftest import Organisation
from tests.vulns.test_exceptions_services import make_finding

pytestmark = pytest.mark.django_db

DAYS_ERROR = "Enter a whole number of days from 1 to 3650."


def opened_date(finding: Any) -> dt.date:
    return organisation_today(finding.opened_at)


def test_a_shorter_sla_moves_the_due_dates_of_open_findings_only(
    organisation: Organisation, ciso: Person
) -> None:
    critical = make_finding(organisation.beijing, severity=Severity.CRITICAL)
    high = make_finding(organisation.beijing, severity=Severity.HIGH)
    accepted = make_finding(
        organisation.beijing, severity=Severity.CRITICAL, status=FindingStatus.RISK_ACCEPTED
    )
    due_before = accepted.due_on

    change = change_policy(current_policy(), by=ciso, reason="Board decision", critical_days=3)

    assert change.policy.critical_days == 3
    # The high finding, opened 40 days ago and due 10 days ago, is already due 30 days after
    # it opened: it stays as it is and is not counted.
    assert change.findings_recomputed == 1
    critical.refresh_from_db()
    high.refresh_from_db()
    accepted.refresh_from_db()
    assert critical.due_on == opened_date(critical) + dt.timedelta(days=3)
    assert high.due_on == opened_date(high) + dt.timedelta(days=30)
    assert accepted.due_on == due_before
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="vulns.vulnerabilitypolicy")
    assert (event.changes, event.reason) == ({"critical_days": [7, 3]}, "Board decision")


def test_changing_only_the_coverage_periods_leaves_due_dates_alone(
    organisation: Organisation, ciso: Person
) -> None:
    finding = make_finding(organisation.beijing)
    due = finding.due_on

    policy = update_policy(current_policy(), by=ciso, scan_window_days=14, penetration_test_period_days=180)

    finding.refresh_from_db()
    assert (policy.scan_window_days, policy.penetration_test_period_days, finding.due_on) == (14, 180, due)
    assert (current_policy().scan_window_days, current_policy().penetration_test_period_days) == (14, 180)


def test_saving_the_same_values_records_nothing(ciso: Person) -> None:
    change = change_policy(current_policy(), by=ciso, critical_days=7)

    assert change.findings_recomputed == 0
    assert not AuditEvent.objects.filter(object_type="vulns.vulnerabilitypolicy").exists()


@pytest.mark.parametrize("days", [0, -5, 3651, "7", True, None])
def test_each_period_is_a_whole_number_of_days_from_1_to_3650(ciso: Person, days: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        update_policy(current_policy(), by=ciso, high_days=days, low_days=3650)

    assert refused.value.message_dict == {"high_days": [DAYS_ERROR]}
    assert (current_policy().high_days, current_policy().low_days) == (30, 180)


def test_only_people_over_the_whole_organisation_change_the_policy(
    security_officer: Person, owner: Person, colleague: Person, outsider: Person
) -> None:
    for person in (security_officer, owner, colleague, outsider):
        with pytest.raises(Http404):
            update_policy(current_policy(), by=person, critical_days=3)

    assert current_policy().critical_days == 7


def test_unknown_fields_are_a_programming_error(ciso: Person) -> None:
    with pytest.raises(TypeError):
        update_policy(current_policy(), by=ciso, info_days=3)
