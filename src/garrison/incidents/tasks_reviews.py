"""The daily reminder of corrective actions from post-incident reviews: the owner of each
open action past its due date is told once per action and day (the dedupe key holds the
day, so a second run the same day sends nothing more)."""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from garrison.core.scheduling import Period, crontab, organisation_today, periodic_job
from garrison.core.services import notifications
from garrison.incidents import notifications_reviews as kinds
from garrison.incidents.services.reviews import overdue_actions
from garrison.web.links import object_url

JOB_NAME = "incidents.review-action-reminders"


@periodic_job(
    JOB_NAME,
    crontab(hour="1", minute="20"),
    period=Period.DAILY,
    description="Remind owners of overdue corrective actions from post-incident reviews",
)
def send_review_action_reminders(now: dt.datetime) -> str:
    found, sent = remind_overdue_actions(organisation_today(now))
    return f"{sent} reminders for {found} overdue corrective actions of incident reviews"


def remind_overdue_actions(today: dt.date) -> tuple[int, int]:
    """Tell owners about their overdue actions; returns (actions found, reminders sent)."""
    found = sent = 0
    for action in overdue_actions(today).iterator(chunk_size=500):
        found += 1
        owner = action.owner
        incident = action.review.incident
        days = (today - action.due_on).days  # type: ignore[operator]
        with translation.override(notifications.language_of(owner)):
            title = ngettext(
                "Corrective action overdue by %(days)d day: %(action)s",
                "Corrective action overdue by %(days)d days: %(action)s",
                days,
            ) % {"days": days, "action": action.title}
            body = _(
                "Decided in the post-incident review of %(incident)s. Complete it or agree a new date."
            ) % {"incident": incident}
        notification = notifications.notify(
            owner,
            kinds.REVIEW_ACTION_OVERDUE.code,
            title=title,
            body=body,
            link=object_url("incidents.incident", incident.pk) or "",
            target=action,
            dedupe_key=f"{kinds.REVIEW_ACTION_OVERDUE.code}:{action.pk}:{today.isoformat()}",
        )
        sent += notification is not None
    return found, sent
