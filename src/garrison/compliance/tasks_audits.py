"""The daily reminders of audits: corrective actions due soon or overdue go to their
owners; findings that have waited more than two weeks for verification go to the
lead of their audit. Each message carries a dedupe key, so a second run the same day
sends nothing more."""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from garrison.compliance import notifications_audits as kinds
from garrison.compliance.models import (
    OPEN_CORRECTIVE_STATUSES,
    CorrectiveAction,
    Finding,
    FindingStatus,
)
from garrison.core.audit import history_of
from garrison.core.models.audit import AuditAction
from garrison.core.scheduling import Period, crontab, organisation_today, periodic_job
from garrison.core.services import notifications
from garrison.web.links import object_url

DUE_SOON_DAYS = 7
VERIFICATION_WAIT_DAYS = 14


@periodic_job(
    "compliance.audit-reminders",
    crontab(hour="1", minute="0"),
    period=Period.DAILY,
    description="Remind owners of corrective actions due or overdue, and audit leads of findings to verify",
)
def send_audit_reminders(now: dt.datetime) -> str:
    today = organisation_today(now)
    due, due_sent = remind_corrective_actions(today)
    waiting, waiting_sent = remind_verifications(today)
    return (
        f"{due_sent} reminders for {due} corrective actions due within {DUE_SOON_DAYS} days or overdue; "
        f"{waiting_sent} reminders for {waiting} findings waiting for verification"
    )


def remind_corrective_actions(today: dt.date) -> tuple[int, int]:
    """Tell the owner of each open action due within a week (once per action) or overdue
    (once per action and day); returns (actions found, reminders sent)."""
    actions = (
        CorrectiveAction.objects.filter(
            status__in=OPEN_CORRECTIVE_STATUSES, due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS)
        )
        .select_related("owner", "finding")
        .order_by("due_on", "pk")
    )
    found = sent = 0
    for action in actions.iterator(chunk_size=500):
        found += 1
        owner = action.owner
        days = (action.due_on - today).days
        with translation.override(notifications.language_of(owner)):
            if days < 0:
                kind = kinds.CORRECTIVE_ACTION_OVERDUE.code
                title = ngettext(
                    "Corrective action overdue by %(days)d day: %(action)s",
                    "Corrective action overdue by %(days)d days: %(action)s",
                    -days,
                ) % {"days": -days, "action": action.title}
                dedupe_key = f"compliance.corrective-action-overdue:{action.pk}:{today.isoformat()}"
            else:
                kind = kinds.CORRECTIVE_ACTION_DUE.code
                title = _("Corrective action due on %(date)s: %(action)s") % {
                    "date": action.due_on.isoformat(),
                    "action": action.title,
                }
                # Once per action and due date: a new date earns a new reminder.
                dedupe_key = f"compliance.corrective-action-due:{action.pk}:{action.due_on.isoformat()}"
            body = _("For the finding %(finding)s. Complete it or agree a new date.") % {
                "finding": action.finding
            }
        notification = notifications.notify(
            owner,
            kind,
            title=title,
            body=body,
            link=object_url("compliance.finding", action.finding_id) or "",
            target=action,
            dedupe_key=dedupe_key,
        )
        sent += notification is not None
    return found, sent


def _waiting_since(finding: Finding) -> dt.date:
    """The day the finding went to verification (its last transition there)."""
    for event in history_of(finding).filter(action=AuditAction.TRANSITION).only("changes", "occurred_at"):
        if (event.changes or {}).get("transition") == "submit":
            return event.occurred_at.date()
    return finding.updated_at.date()


def remind_verifications(today: dt.date) -> tuple[int, int]:
    """Tell the audit lead about each finding waiting for verification for more than
    two weeks, once a week per finding; returns (findings found, reminders sent)."""
    findings = (
        Finding.objects.filter(status=FindingStatus.VERIFYING, audit__isnull=False)
        .select_related("audit__lead")
        .order_by("pk")
    )
    found = sent = 0
    for finding in findings.iterator(chunk_size=200):
        since = _waiting_since(finding)
        days = (today - since).days
        if days <= VERIFICATION_WAIT_DAYS:
            continue
        found += 1
        lead = finding.audit.lead  # type: ignore[union-attr]
        with translation.override(notifications.language_of(lead)):
            title = _("Waiting for verification for %(days)d days: %(finding)s") % {
                "days": days,
                "finding": finding,
            }
            body = _("Record whether its corrective actions were effective.")
        week = today.isocalendar()
        notification = notifications.notify(
            lead,
            kinds.VERIFICATION_WAITING.code,
            title=title,
            body=body,
            link=object_url("compliance.finding", finding.pk) or "",
            target=finding,
            dedupe_key=f"compliance.verification-waiting:{finding.pk}:{week[0]}-W{week[1]:02d}",
        )
        sent += notification is not None
    return found, sent
