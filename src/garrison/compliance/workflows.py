"""The workflows of audits and findings (garrison.core.workflow state machines).

An audit is planned, then in progress (fieldwork), then reporting, then closed; it
cannot close while a nonconformity has no corrective action. A finding moves by
itself as its corrective actions are planned and done (open → action planned →
verifying); verification of effectiveness closes it or opens it again. Observations
and opportunities may be closed with a note instead.
"""

from __future__ import annotations

from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.compliance import notifications_audits as kinds
from garrison.compliance.models import (
    NONCONFORMITY_KINDS,
    Audit,
    AuditStatus,
    CorrectiveActionStatus,
    Finding,
    FindingKind,
    FindingStatus,
)
from garrison.core.models import Person
from garrison.core.roles import Action
from garrison.core.scoping import can
from garrison.core.services.notifications import notify
from garrison.core.workflow import AppliedTransition, StateMachine, Transition
from garrison.web.links import object_url

# A corrective action that answers a finding: anything but a cancelled one.
LIVE_ACTION_STATUSES = (
    CorrectiveActionStatus.PLANNED,
    CorrectiveActionStatus.IN_PROGRESS,
    CorrectiveActionStatus.DONE,
)


def nonconformities_without_action(audit: Audit) -> list[Finding]:
    """Major and minor findings of `audit`, not closed, with no corrective action that
    is planned, in progress or done."""
    return list(
        audit.findings.filter(kind__in=NONCONFORMITY_KINDS)
        .exclude(status=FindingStatus.CLOSED)
        .exclude(corrective_actions__status__in=LIVE_ACTION_STATUSES)
        .order_by("reference")
        .distinct()
    )


def every_nonconformity_has_action(audit: Audit, by: Any) -> str | None:
    missing = nonconformities_without_action(audit)
    if not missing:
        return None
    return _("These nonconformities have no corrective action yet: %(findings)s.") % {
        "findings": ", ".join(finding.reference for finding in missing)
    }


class AuditWorkflow(StateMachine):
    """planned → in progress → reporting → closed (reporting may go back to fieldwork)."""

    states = AuditStatus
    field = "status"
    transitions = [
        Transition(
            "start",
            source=[AuditStatus.PLANNED],
            target=AuditStatus.IN_PROGRESS,
            label=gettext_lazy("Start fieldwork"),
        ),
        Transition(
            "report",
            source=[AuditStatus.IN_PROGRESS],
            target=AuditStatus.REPORTING,
            label=gettext_lazy("Start reporting"),
        ),
        Transition(
            "resume",
            source=[AuditStatus.REPORTING],
            target=AuditStatus.IN_PROGRESS,
            label=gettext_lazy("Back to fieldwork"),
            requires_reason=True,
        ),
        Transition(
            "close",
            source=[AuditStatus.REPORTING],
            target=AuditStatus.CLOSED,
            label=gettext_lazy("Close the audit"),
            guard=every_nonconformity_has_action,
        ),
    ]


def verifier_of(finding: Finding) -> Person | None:
    """Who verifies the effectiveness of the finding's actions: the lead of its audit,
    or whoever performed the failed control test that opened it."""
    if finding.audit_id is not None:
        return finding.audit.lead  # type: ignore[union-attr]
    if finding.control_test_id is not None:
        test = finding.control_test
        return test.performed_by or test.tester  # type: ignore[union-attr]
    return None


def may_verify(finding: Finding, by: Any) -> str | None:
    """The finding's owner may not verify their own actions; the audit lead and those
    who may change the finding may."""
    if getattr(by, "pk", None) is not None and by.pk == finding.owner_id:
        return _("You own this finding; someone else must verify its corrective actions.")
    is_lead = finding.audit_id is not None and getattr(by, "pk", None) == finding.audit.lead_id  # type: ignore[union-attr]
    if is_lead or can(by, Action.CHANGE, finding):
        return None
    return _("Only the audit lead or a compliance manager may verify this finding.")


def closable_without_actions(finding: Finding, by: Any) -> str | None:
    if finding.kind in NONCONFORMITY_KINDS:
        return _("A nonconformity closes only through verification of its corrective actions.")
    if finding.corrective_actions.filter(
        status__in=[CorrectiveActionStatus.PLANNED, CorrectiveActionStatus.IN_PROGRESS]
    ).exists():
        return _("Complete or cancel the open corrective actions first.")
    return None


def _finding_link(finding: Finding) -> str:
    return object_url("compliance.finding", finding.pk) or ""


def _ask_for_verification(finding: Finding, applied: AppliedTransition) -> None:
    verifier = verifier_of(finding)
    if verifier is None or verifier.pk == getattr(applied.by, "pk", None):
        return
    notify(
        verifier,
        kinds.FINDING_TO_VERIFY.code,
        title=format_lazy(gettext_lazy("Verify the corrective actions of {finding}"), finding=str(finding)),
        body=gettext_lazy("Every corrective action is done: record whether they were effective."),
        link=_finding_link(finding),
        target=finding,
        dedupe_key=f"compliance.finding-to-verify:{finding.pk}:{applied.event.pk}",
    )


def _tell_owner_reopened(finding: Finding, applied: AppliedTransition) -> None:
    notify(
        finding.owner,
        kinds.FINDING_REOPENED.code,
        title=format_lazy(gettext_lazy("Finding reopened: {finding}"), finding=str(finding)),
        body=applied.reason,
        link=_finding_link(finding),
        target=finding,
        dedupe_key=f"compliance.finding-reopened:{finding.pk}:{applied.event.pk}",
    )


class FindingWorkflow(StateMachine):
    """The finding's status follows its corrective actions (the system steps, taken by
    the services with no permission of their own), then verification or closure."""

    states = FindingStatus
    field = "status"
    transitions = [
        Transition(
            "plan",
            source=[FindingStatus.OPEN, FindingStatus.VERIFYING],
            target=FindingStatus.ACTION_PLANNED,
            label=gettext_lazy("Plan corrective actions"),
            permission=None,
        ),
        Transition(
            "unplan",
            source=[FindingStatus.ACTION_PLANNED],
            target=FindingStatus.OPEN,
            label=gettext_lazy("No corrective action left"),
            permission=None,
        ),
        Transition(
            "submit",
            source=[FindingStatus.ACTION_PLANNED],
            target=FindingStatus.VERIFYING,
            label=gettext_lazy("Ready for verification"),
            permission=None,
            on_commit=[_ask_for_verification],
        ),
        Transition(
            "verify",
            source=[FindingStatus.VERIFYING],
            target=FindingStatus.CLOSED,
            label=gettext_lazy("Effective: close"),
            guard=may_verify,
            permission=Action.VIEW,
        ),
        Transition(
            "reopen",
            source=[FindingStatus.VERIFYING],
            target=FindingStatus.OPEN,
            label=gettext_lazy("Not effective: reopen"),
            guard=may_verify,
            permission=Action.VIEW,
            requires_reason=True,
            on_commit=[_tell_owner_reopened],
        ),
        Transition(
            "close",
            source=[FindingStatus.OPEN, FindingStatus.ACTION_PLANNED],
            target=FindingStatus.CLOSED,
            label=gettext_lazy("Close with a note"),
            guard=closable_without_actions,
            requires_reason=True,
        ),
    ]


CLOSABLE_KINDS = (FindingKind.OBSERVATION, FindingKind.OPPORTUNITY)
