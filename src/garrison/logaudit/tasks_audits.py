"""The jobs of the weekly log audits: queue each week's reports, run each report in the
background, and escalate reports left unsigned.

The audit week ends at 00:00 of the policy's weekday in the organisation's time zone, both
of which can change, so no fixed weekly crontab (Huey evaluates it in UTC) could follow
it. The scheduling job runs every hour instead and queues the last full week's reports
that do not exist yet: a week is queued within the hour after it ends, and a run that
finds them all queued creates nothing (one report per source and week).
"""

from __future__ import annotations

import datetime as dt

from huey.contrib.djhuey import db_task

from garrison.core.scheduling import Period, crontab, periodic_job
from garrison.logaudit.models import AuditReport
from garrison.logaudit.services.audits import run_audit, schedule_weekly_audits
from garrison.logaudit.services.triage import escalate_unsigned

SCHEDULE_JOB = "logaudit.weekly-audits"
ESCALATE_JOB = "logaudit.escalate-unsigned"


@periodic_job(
    SCHEDULE_JOB,
    crontab(minute="7"),
    period=Period.HOURLY,
    description="Queue the weekly log audit of every source once its week is over",
)
def queue_weekly_audits(now: dt.datetime) -> str:
    queued = schedule_weekly_audits(now)
    return f"{len(queued)} weekly audits queued"


@periodic_job(
    ESCALATE_JOB,
    crontab(minute="37"),
    period=Period.HOURLY,
    description="Tell the approvers about log audit reports left unsigned past the policy's delay",
)
def escalate_unsigned_reports(now: dt.datetime) -> str:
    escalated = escalate_unsigned(now)
    return f"{escalated} unsigned reports escalated"


@db_task(retries=0)
def run_audit_report(report_id: int) -> str:
    """Run the queued audit `report_id` (its reviewer is told how it went)."""
    report = AuditReport.objects.filter(pk=report_id).first()
    if report is None:
        return f"audit report {report_id} no longer exists"
    result = run_audit(report)
    return f"{result.reference} {result.status}"
