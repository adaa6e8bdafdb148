"""The daily evidence reminders: expiry and request due dates, once each, escalation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from garrison.compliance.models import Evidence
from garrison.compliance.services import evidence as services
from garrison.compliance.tasks_evidence import (
    remind_due_requests,
    remind_expiring_evidence,
    send_evidence_reminders,
)
from garrison.core.models import Notification
from tests.compliance.evidence_support import *  # noqa: F403
from tests.compliance.evidence_support import days, upload


def test_owners_are_reminded_once_of_evidence_expiring_in_seven_days(
    file_evidence: Evidence, evidence_manager: Any, colleague: Any
) -> None:
    services.add_version(file_evidence, by=evidence_manager, file=upload(), valid_until=days(7))
    today = timezone.localdate()
    assert remind_expiring_evidence(today) == 1
    assert remind_expiring_evidence(today) == 0
    notification = Notification.objects.get(recipient=colleague, kind="compliance.evidence-expiring")
    assert "7 days" in notification.title
    assert remind_expiring_evidence(today + dt.timedelta(days=1)) == 0
    assert remind_expiring_evidence(today + dt.timedelta(days=8)) == 1  # expired that day


def test_assignees_hear_of_requests_due_soon_and_requesters_of_week_old_ones(
    evidence_manager: Any, colleague: Any, organisation: Any
) -> None:
    request = services.request_evidence(
        by=evidence_manager, assignee=colleague, title="Minutes", due_on=days(3), unit=organisation.beijing
    )
    today = timezone.localdate()
    assert remind_due_requests(today) == 1
    assert remind_due_requests(today) == 0
    assert remind_due_requests(request.due_on + dt.timedelta(days=1)) == 1
    week_late = request.due_on + dt.timedelta(days=7)
    assert remind_due_requests(week_late) == 2
    assert (
        Notification.objects.filter(
            recipient=evidence_manager, kind="compliance.evidence-request-due"
        ).count()
        == 1
    )


def test_the_periodic_job_reports_what_it_sent(file_evidence: Evidence) -> None:
    summary = send_evidence_reminders(timezone.now())
    assert summary == "0 expiry reminders, 0 request reminders"
