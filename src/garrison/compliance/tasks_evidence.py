"""The daily evidence reminders: validity running out and evidence requests falling due.

Runs once a day and is safe to run again: every message carries a dedupe key naming
the object and the occasion (the day before expiry, the day overdue), so a second run
sends nothing new.
"""

from __future__ import annotations

import datetime as dt

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from garrison.compliance import notifications_evidence as kinds
from garrison.compliance.models import Evidence, EvidenceRequest, RequestStatus
from garrison.core.scheduling import Period, crontab, organisation_today, periodic_job
from garrison.core.services import notifications
from garrison.web.links import object_url

# Days before evidence stops being valid on which its owner is reminded (0: it ended today).
EXPIRY_REMINDER_DAYS = (30, 7, 1, 0)
REQUEST_DUE_SOON_DAYS = 3
# Days overdue after which the requester is told too, each week.
ESCALATE_AFTER_DAYS = 7


@periodic_job(
    "compliance.evidence-reminders",
    crontab(hour="1", minute="0"),
    period=Period.DAILY,
    description="Remind owners of expiring evidence and assignees of evidence requests due or overdue",
)
def send_evidence_reminders(now: dt.datetime) -> str:
    today = organisation_today(now)
    expiring = remind_expiring_evidence(today)
    due = remind_due_requests(today)
    return f"{expiring} expiry reminders, {due} request reminders"


def remind_expiring_evidence(today: dt.date) -> int:
    """Tell each owner of evidence whose validity ends in 30, 7 or 1 days, or ended
    yesterday (it is expired today); returns the reminders sent."""
    dates = {today + dt.timedelta(days=days): days for days in EXPIRY_REMINDER_DAYS}
    # Valid until yesterday means expired from today.
    dates[today - dt.timedelta(days=1)] = -1
    sent = 0
    evidence_list = Evidence.objects.filter(valid_until__in=list(dates)).select_related("owner")
    for evidence in evidence_list.order_by("valid_until", "pk").iterator(chunk_size=500):
        days = dates[evidence.valid_until]  # type: ignore[index]
        if days < 0:
            title = format_lazy(gettext_lazy("Evidence expired: {evidence}"), evidence=str(evidence))
        elif days == 0:
            title = format_lazy(
                gettext_lazy("Evidence valid until today: {evidence}"), evidence=str(evidence)
            )
        else:
            title = format_lazy(
                gettext_lazy("Evidence expires in {days} days: {evidence}"), days=days, evidence=str(evidence)
            )
        notification = notifications.notify(
            evidence.owner,
            kinds.EVIDENCE_EXPIRING.code,
            title=title,
            body=gettext_lazy("Add a new version with its validity period before it is used in an audit."),
            link=object_url("compliance.evidence", evidence.pk) or "",
            target=evidence,
            dedupe_key=f"compliance.evidence-expiring:{evidence.pk}:{evidence.valid_until}:{days}",
        )
        sent += notification is not None
    return sent


def remind_due_requests(today: dt.date) -> int:
    """Tell assignees of open requests due in 3 days, and of overdue ones (once a day);
    after a week overdue the requester is told too, once a week."""
    sent = 0
    soon = today + dt.timedelta(days=REQUEST_DUE_SOON_DAYS)
    requests = EvidenceRequest.objects.filter(status=RequestStatus.OPEN, due_on__lte=soon).select_related(
        "assignee", "requested_by"
    )
    for request in requests.order_by("due_on", "pk").iterator(chunk_size=500):
        link = object_url("compliance.evidencerequest", request.pk) or ""
        late = (today - request.due_on).days
        if late < 0 and request.due_on != soon:
            continue
        if late < 0:
            title = format_lazy(
                gettext_lazy("Evidence due in {days} days: {title}"), days=-late, title=request.title
            )
            key = f"compliance.evidence-request-due:{request.pk}:soon:{request.due_on}"
        elif late == 0:
            continue
        else:
            title = format_lazy(
                gettext_lazy("Evidence overdue by {days} days: {title}"), days=late, title=request.title
            )
            key = f"compliance.evidence-request-due:{request.pk}:overdue:{today}"
        body = format_lazy(
            gettext_lazy("{requester} asked for it by {date}."),
            requester=request.requested_by.full_name,
            date=request.due_on.isoformat(),
        )
        notification = notifications.notify(
            request.assignee,
            kinds.EVIDENCE_REQUEST_DUE.code,
            title=title,
            body=body,
            link=link,
            target=request,
            dedupe_key=key,
        )
        sent += notification is not None
        if late >= ESCALATE_AFTER_DAYS and late % ESCALATE_AFTER_DAYS == 0:
            escalation = notifications.notify(
                request.requested_by,
                kinds.EVIDENCE_REQUEST_DUE.code,
                title=format_lazy(
                    gettext_lazy("Evidence from {assignee} overdue by {days} days: {title}"),
                    assignee=request.assignee.full_name,
                    days=late,
                    title=request.title,
                ),
                body=gettext_lazy("Follow it up with the person asked, or cancel the request."),
                link=link,
                target=request,
                dedupe_key=f"compliance.evidence-request-escalated:{request.pk}:{late}",
            )
            sent += escalation is not None
    return sent
