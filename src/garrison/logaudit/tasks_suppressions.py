"""The daily reminder to the owners of suppressions that expire within a week, and the
notification kind it sends. Expiry itself needs no job: a suppression is in force while
today is not past its date. Safe to run again: each suppression's owner is told once."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core.notification_kinds import register
from garrison.core.scheduling import Period, crontab, organisation_today, periodic_job
from garrison.core.services import notifications
from garrison.logaudit.services.suppressions import due_for_reminder
from garrison.logaudit.tables_suppressions import describe_target

SUPPRESSION_EXPIRING = register(
    "logaudit.suppression-expiring",
    gettext_lazy("Log-audit suppression about to expire"),
    description=gettext_lazy(
        "A suppression you own expires within a week: its matches then count as findings again."
    ),
)


def remind_expiring_suppressions(today: dt.date) -> tuple[int, int]:
    """Tell the owner of each active suppression expiring within 7 days of `today`; returns
    (suppressions found, reminders sent)."""
    found = sent = 0
    for suppression in due_for_reminder(today).iterator():
        found += 1
        owner = suppression.owner
        with translation.override(notifications.language_of(owner)):
            title = _("Suppression %(reference)s expires on %(date)s") % {
                "reference": suppression.reference,
                "date": formats.date_format(suppression.expires_on, "DATE_FORMAT"),
            }
            body = _(
                "%(target)s, %(rule)s. If these matches are still expected, make a new suppression "
                "before then; otherwise they count as findings again."
            ) % {
                "target": describe_target(suppression),
                "rule": suppression.rule.title if suppression.rule is not None else _("every rule"),
            }
        notification = notifications.notify(
            owner,
            SUPPRESSION_EXPIRING.code,
            title=title,
            body=body,
            link=reverse("logaudit:suppression-detail", args=[suppression.pk]),
            target=suppression,
            dedupe_key=f"logaudit.suppression-expiring:{suppression.pk}",
        )
        sent += notification is not None
    return found, sent


@periodic_job(
    "logaudit.suppression-reminders",
    crontab(hour="1", minute="20"),
    period=Period.DAILY,
    description="Remind owners of log-audit suppressions expiring within 7 days",
)
def send_suppression_reminders(now: dt.datetime) -> str:
    found, sent = remind_expiring_suppressions(organisation_today(now))
    return f"{sent} reminders sent for {found} expiring suppressions"
