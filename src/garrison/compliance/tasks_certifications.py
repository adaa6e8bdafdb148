"""The daily reminders of the certification register.

For every active certificate its owner is told 90, 30 and 7 days before it expires
(unless the renewal is already on record), on its expiry date that it expires (or, when
the job did not run that day, that it has expired, for a while after), and 90, 30 and 7
days before each open surveillance audit. Each message carries a dedupe key of the
certificate or audit, its date and the threshold, so:

- a second run the same day, or the next day, sends nothing more;
- a job that missed days sends the nearest threshold once, never the thresholds already
  overtaken (see garrison.compliance.certs.reminder_due);
- moving an expiry or audit date starts its reminders afresh.
"""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from garrison.compliance import certs
from garrison.compliance import notifications_certifications as kinds
from garrison.compliance.models import Certification, CertificationStatus, SurveillanceAudit
from garrison.compliance.services.certifications import renewed_ids
from garrison.core.scheduling import Period, crontab, organisation_today, periodic_job
from garrison.core.services import notifications
from garrison.web.links import object_url

JOB_NAME = "compliance.certification-reminders"


@periodic_job(
    JOB_NAME,
    crontab(hour="1", minute="15"),
    period=Period.DAILY,
    description="Remind owners of expiring or expired certifications and coming surveillance audits",
)
def send_certification_reminders(now: dt.datetime) -> str:
    today = organisation_today(now)
    expiring, expired = remind_certifications(today)
    audits = remind_surveillance_audits(today)
    return (
        f"{expiring} expiry reminders, {expired} expiry notices, {audits} surveillance audit reminders sent"
    )


def _link(certification_id: int) -> str:
    return object_url("compliance.certification", certification_id) or ""


def remind_certifications(today: dt.date) -> tuple[int, int]:
    """Tell owners of active certificates about coming and fresh expiries; returns
    (expiry reminders sent, expiry notices sent)."""
    furthest = today + dt.timedelta(days=max(certs.REMINDER_DAYS))
    earliest = today - dt.timedelta(days=certs.EXPIRED_NOTICE_DAYS)
    candidates = list(
        Certification.objects.filter(
            status=CertificationStatus.ACTIVE, expires_on__range=(earliest, furthest)
        ).select_related("owner")
    )
    renewed = renewed_ids(candidates)
    reminders = notices = 0
    for certification in candidates:
        if certification.pk in renewed:
            continue
        owner = certification.owner
        if certs.expired_notice_due(today, certification.expires_on):
            with translation.override(notifications.language_of(owner)):
                if certification.expires_on == today:
                    title = _("Certification expires today: %(name)s") % {"name": certification.name}
                else:
                    title = _("Certification expired on %(date)s: %(name)s") % {
                        "date": certification.expires_on.isoformat(),
                        "name": certification.name,
                    }
                body = _(
                    "No renewal of %(name)s (%(body)s) is on record. Record the renewed certificate, "
                    "or mark this one withdrawn if it is not renewed."
                ) % {"name": certification.name, "body": certification.body}
            sent = notifications.notify(
                owner,
                kinds.CERTIFICATION_EXPIRED.code,
                title=title,
                body=body,
                link=_link(certification.pk),
                target=certification,
                dedupe_key=f"{kinds.CERTIFICATION_EXPIRED.code}:{certification.pk}:{certification.expires_on}",
            )
            notices += sent is not None
            continue
        threshold = certs.reminder_due(today, certification.expires_on)
        if threshold is None:
            continue
        days = certs.days_left(today, certification.expires_on)
        with translation.override(notifications.language_of(owner)):
            title = ngettext(
                "Certification expires in %(days)d day: %(name)s",
                "Certification expires in %(days)d days: %(name)s",
                days,
            ) % {"days": days, "name": certification.name}
            body = _(
                "%(name)s (%(body)s, certificate %(number)s) expires on %(date)s. "
                "Plan the recertification audit and record the renewed certificate."
            ) % {
                "name": certification.name,
                "body": certification.body,
                "number": certification.number or "—",
                "date": certification.expires_on.isoformat(),
            }
        sent = notifications.notify(
            owner,
            kinds.CERTIFICATION_EXPIRING.code,
            title=title,
            body=body,
            link=_link(certification.pk),
            target=certification,
            dedupe_key=(
                f"{kinds.CERTIFICATION_EXPIRING.code}:{certification.pk}:{certification.expires_on}:{threshold}"
            ),
        )
        reminders += sent is not None
    return reminders, notices


def remind_surveillance_audits(today: dt.date) -> int:
    """Tell owners about the open audits of active certificates 90, 30 and 7 days ahead;
    returns the reminders sent."""
    furthest = today + dt.timedelta(days=max(certs.REMINDER_DAYS))
    audits = (
        SurveillanceAudit.objects.filter(
            completed_on__isnull=True,
            certification__status=CertificationStatus.ACTIVE,
            due_on__range=(today, furthest),
        )
        .select_related("certification__owner")
        .order_by("due_on", "pk")
    )
    sent_count = 0
    for item in audits:
        threshold = certs.reminder_due(today, item.due_on)
        if threshold is None:
            continue
        certification = item.certification
        owner = certification.owner
        days = certs.days_left(today, item.due_on)
        with translation.override(notifications.language_of(owner)):
            title = ngettext(
                "%(kind)s in %(days)d day: %(name)s",
                "%(kind)s in %(days)d days: %(name)s",
                days,
            ) % {"kind": item.get_kind_display(), "days": days, "name": certification.name}
            body = _(
                "Planned for %(date)s with %(body)s. Prepare the evidence the auditors will ask for."
            ) % {
                "date": item.due_on.isoformat(),
                "body": certification.body,
            }
        sent = notifications.notify(
            owner,
            kinds.SURVEILLANCE_AUDIT_DUE.code,
            title=title,
            body=body,
            link=_link(certification.pk),
            target=certification,
            dedupe_key=f"{kinds.SURVEILLANCE_AUDIT_DUE.code}:{item.pk}:{item.due_on}:{threshold}",
        )
        sent_count += sent is not None
    return sent_count
