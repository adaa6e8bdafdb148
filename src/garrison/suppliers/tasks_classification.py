"""Daily jobs of supplier classification.

- `suppliers.suspension-release` (00:20): every suspended supplier whose release date
  has come (suspended_until on or before today, the organisation's date) becomes
  rectifying, recorded as an approved change with source "release". Not qualified: the
  way back to qualified still runs through a completed rectification plan.
- `suppliers.rectification-reminders` (01:40): the follow-up owner of each open action of
  an open plan due within 7 days, or overdue, is reminded once a day per action
  (RectificationAction.reminded_on records the day, and the message's dedupe key carries
  it, so a second run the same day sends nothing).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from garrison.core.scheduling import Period, crontab, organisation_today, periodic_job
from garrison.core.services import notifications
from garrison.suppliers import notifications_classification as kinds
from garrison.suppliers.models import RectificationAction, StatusChangeSource, Supplier, SupplierStatus
from garrison.suppliers.services import classification, rectification
from garrison.web.links import object_url

RELEASE_JOB = "suppliers.suspension-release"
REMINDER_JOB = "suppliers.rectification-reminders"
REMIND_WITHIN_DAYS = 7


@periodic_job(
    RELEASE_JOB,
    crontab(hour="0", minute="20"),
    period=Period.DAILY,
    description="Move suspended suppliers whose release date has come to rectifying",
)
def run_suspension_release(now: dt.datetime) -> str:
    return f"{release_suspensions(organisation_today(now))} suspensions released"


def release_suspensions(today: dt.date) -> int:
    """Move each supplier suspended until `today` or earlier to rectifying; returns how many."""
    due = Supplier.objects.filter(status=SupplierStatus.SUSPENDED, suspended_until__lte=today)
    released = 0
    for supplier in due.order_by("suspended_until", "pk"):
        with transaction.atomic():
            change = classification.set_status_by_system(
                supplier,
                SupplierStatus.RECTIFYING,
                source=StatusChangeSource.RELEASE,
                reason=_(
                    "Suspension ended on %(date)s; the way back to qualified runs through a completed "
                    "rectification plan."
                )
                % {"date": supplier.suspended_until.isoformat() if supplier.suspended_until else ""},
            )
        released += change is not None
    return released


@periodic_job(
    REMINDER_JOB,
    crontab(hour="1", minute="40"),
    period=Period.DAILY,
    description="Remind follow-up owners of rectification actions due within 7 days or overdue",
)
def run_rectification_reminders(now: dt.datetime) -> str:
    return f"{remind_due_actions(organisation_today(now))} rectification reminders sent"


def _message(action: RectificationAction, today: dt.date) -> tuple[str, str]:
    plan = action.plan
    names = {
        "action": action.description,
        "supplier": str(plan.supplier),
        "plan": plan.title,
        "due": action.due_on.isoformat(),
    }
    if action.due_on < today:
        title = _("Rectification action overdue: %(action)s") % names
    else:
        title = _("Rectification action due %(due)s: %(action)s") % names
    body = (
        _("%(supplier)s, plan “%(plan)s”: “%(action)s” is due %(due)s. Record its follow-up or mark it done.")
        % names
    )
    return title, body


def remind_due_actions(today: dt.date) -> int:
    """Remind the owner of each due or overdue action not yet reminded today; returns how many."""
    sent_count = 0
    actions = (
        rectification.due_actions(today, within_days=REMIND_WITHIN_DAYS)
        .exclude(reminded_on=today)
        .select_related("plan__owner", "plan__supplier")
        .order_by("due_on", "pk")
    )
    for action in actions.iterator(chunk_size=500):
        owner = action.plan.owner
        with translation.override(notifications.language_of(owner)):
            title, body = _message(action, today)
        sent = notifications.notify(
            owner,
            kinds.RECTIFICATION_DUE.code,
            title=title,
            body=body,
            link=object_url("suppliers.rectificationplan", action.plan_id) or "",
            target=action,
            dedupe_key=f"{kinds.RECTIFICATION_DUE.code}:{action.pk}:{today.isoformat()}",
        )
        # Not audited: a reminder is a message about the record, not a change of it.
        RectificationAction.objects.filter(pk=action.pk).update(reminded_on=today)
        sent_count += sent is not None
    return sent_count
