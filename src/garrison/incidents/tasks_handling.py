"""The daily reminder of overdue incident tasks.

Every owner of an open task whose due time has passed is told, once per task and per
day: the message carries a dedupe key of the task and the organisation's date, so a
second run the same day sends nothing more and the next day's run reminds again while
the task stays open.
"""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from django.utils.translation import gettext as _

from garrison.core.scheduling import Period, crontab, organisation_today, periodic_job
from garrison.core.services import notifications
from garrison.incidents import notifications_handling as kinds
from garrison.incidents.services.tasks import local_text, overdue_tasks
from garrison.web.links import object_url

JOB_NAME = "incidents.task-reminders"


@periodic_job(
    JOB_NAME,
    crontab(hour="1", minute="30"),
    period=Period.DAILY,
    description="Remind owners of overdue incident tasks",
)
def send_task_reminders(now: dt.datetime) -> str:
    return f"{remind_overdue_tasks(now)} overdue task reminders sent"


def remind_overdue_tasks(now: dt.datetime) -> int:
    """Tell the owner of each open task due before `now`; returns the reminders sent."""
    today = organisation_today(now)
    sent_count = 0
    tasks = overdue_tasks(now).select_related("owner", "incident").order_by("due_at", "pk")
    for task in tasks.iterator(chunk_size=500):
        owner = task.owner
        with translation.override(notifications.language_of(owner)):
            title = _("Overdue incident task: %(title)s") % {"title": task.title}
            body = _("%(incident)s: %(title)s was due %(due)s. Complete it or agree a new due time.") % {
                "incident": task.incident,
                "title": task.title,
                "due": local_text(task.due_at, owner),
            }
        sent = notifications.notify(
            owner,
            kinds.TASK_OVERDUE.code,
            title=title,
            body=body,
            link=object_url("incidents.incident", task.incident_id) or "",
            target=task,
            dedupe_key=f"{kinds.TASK_OVERDUE.code}:{task.pk}:{today.isoformat()}",
        )
        sent_count += sent is not None
    return sent_count
