"""The daily audit reminders and the audits demo step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from garrison.compliance.demo_audits import seed_audits
from garrison.compliance.models import (
    Audit,
    AuditKind,
    AuditStatus,
    CorrectiveAction,
    Finding,
    FindingKind,
    FindingStatus,
)
from garrison.compliance.services import audits as services
from garrison.compliance.tasks_audits import (
    remind_corrective_actions,
    remind_verifications,
    send_audit_reminders,
)
from garrison.core.demo.registry import DemoContext, registered_steps
from garrison.core.models import Notification
from garrison.core.roles import Role
from tests.compliance import audits_support
from tests.compliance.audits_support import TODAY, plan, raise_

pytestmark = pytest.mark.django_db

# The fixtures shared by the audit tests.
audit = audits_support.audit
manager = audits_support.manager


def test_owners_hear_of_actions_due_soon_and_overdue_once(audit: Any, manager: Any, colleague: Any) -> None:
    finding = raise_(audit, manager, colleague)
    plan(finding, manager, colleague, days=-2, title="Late")
    plan(finding, manager, colleague, days=5, title="Soon")
    plan(finding, manager, colleague, days=30, title="Later")
    assert remind_corrective_actions(TODAY()) == (2, 2)
    assert remind_corrective_actions(TODAY()) == (2, 0)
    kinds = dict(Notification.objects.filter(recipient=colleague).values_list("kind", "title"))
    assert "Late" in kinds["compliance.corrective-action-overdue"]
    assert "Soon" in kinds["compliance.corrective-action-due"]
    # The next day the overdue one is told again, the one due soon not.
    assert remind_corrective_actions(TODAY() + dt.timedelta(days=1)) == (2, 1)


def test_the_lead_hears_of_findings_waiting_for_verification(
    audit: Any, manager: Any, colleague: Any
) -> None:
    finding = raise_(audit, manager, colleague)
    services.complete_corrective_action(plan(finding, manager, colleague), by=colleague)
    assert remind_verifications(TODAY() + dt.timedelta(days=14)) == (0, 0)
    assert remind_verifications(TODAY() + dt.timedelta(days=15)) == (1, 1)
    assert remind_verifications(TODAY() + dt.timedelta(days=15)) == (1, 0)
    told = Notification.objects.get(kind="compliance.verification-waiting")
    assert (told.recipient, finding.reference in told.title) == (manager, True)


def test_the_job_reports_what_it_sent(audit: Any, manager: Any, colleague: Any) -> None:
    plan(raise_(audit, manager, colleague), manager, colleague, days=-3)
    summary = send_audit_reminders(dt.datetime.now(dt.UTC))
    assert summary.startswith("1 reminders for 1 corrective actions")


def test_the_demo_step_is_registered_after_the_organisation() -> None:
    step = next(item for item in registered_steps() if item.name == "compliance-audits")
    assert (step.order, step.run) == (430, seed_audits)


def test_the_demo_builds_three_audits_in_their_states(
    organisation: Any, make_person: Any, colleague: Any, owner: Any
) -> None:
    compliance = make_person("compliance", organisation.root, (Role.COMPLIANCE_MANAGER, organisation.root))
    context = DemoContext(scale=1, seed=1, password_hash="x", root_code=organisation.root.code)
    context.units = {
        unit.code: unit for unit in (organisation.root, organisation.beijing, organisation.shanghai)
    }
    context.people = {"compliance": compliance, "secofficer": owner, "riskowner": colleague}
    seed_audits(context)
    audits = {audit.kind: audit for audit in Audit.objects.order_by("starts_on")}
    last_year, this_year = Audit.objects.filter(kind=AuditKind.INTERNAL).order_by("starts_on")
    assert last_year.status == AuditStatus.CLOSED
    assert set(last_year.findings.values_list("status", flat=True)) == {FindingStatus.CLOSED}
    assert last_year.findings.get(kind=FindingKind.MINOR).is_effective is True
    assert this_year.status == AuditStatus.REPORTING
    kinds = sorted(this_year.findings.values_list("kind", flat=True))
    assert kinds == sorted(["major", "minor", "minor", "observation", "observation", "opportunity"])
    assert this_year.findings.filter(status=FindingStatus.VERIFYING).count() == 1
    assert (
        CorrectiveAction.objects.filter(
            finding__audit=this_year, status__in=["planned", "in_progress"], due_on__lt=TODAY()
        ).count()
        == 1
    )
    assert audits[AuditKind.SURVEILLANCE].status == AuditStatus.PLANNED
    assert context.counts == {"audits": 3, "findings": 8}
    assert not Notification.objects.filter(kind__startswith="compliance.").exists()
    assert Finding.objects.count() == 8
