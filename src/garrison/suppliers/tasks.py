"""The daily reminder of suppliers' qualification documents: before a document expires,
at each number of days the supplier policy lists (90, 30 and 7 by default), and once
when it has expired, the supplier manager is told; a supplier without a manager has
its reminders go to the Procurement Officers over its unit.

Each threshold is reminded once per document (kept in `reminders_sent`; 0 stands for
the expiry itself). A day the job did not run is caught up the next day with the nearest
threshold only, so nobody gets three reminders at once. A new expiry date starts afresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from garrison.core.models import Person, RoleAssignment
from garrison.core.roles import Role
from garrison.core.scheduling import Period, crontab, organisation_today, periodic_job
from garrison.core.services import notifications
from garrison.suppliers import notifications as kinds
from garrison.suppliers.models import QualificationDocument, Supplier, SupplierPolicy
from garrison.web.links import object_url

JOB_NAME = "suppliers.document-reminders"
DEFAULT_REMINDER_DAYS = (90, 30, 7)
# The marker in `reminders_sent` of the reminder sent on expiry.
EXPIRED = 0


@periodic_job(
    JOB_NAME,
    crontab(hour="1", minute="40"),
    period=Period.DAILY,
    description="Remind supplier managers of qualification documents about to expire or expired",
)
def send_document_reminders(now: dt.datetime) -> str:
    found, sent = remind_expiring_documents(organisation_today(now))
    return f"{sent} reminders for {found} supplier documents expiring or expired"


def reminder_days() -> list[int]:
    """The policy's thresholds (days before expiry), largest first."""
    policy = SupplierPolicy.objects.first()
    configured = policy.document_reminder_days if policy is not None else list(DEFAULT_REMINDER_DAYS)
    days = {int(day) for day in configured or [] if isinstance(day, int | float | str) and str(day).isdigit()}
    return sorted((day for day in days if day > 0), reverse=True)


def due_threshold(
    expires_on: dt.date, today: dt.date, thresholds: Iterable[int], sent: Iterable[int]
) -> tuple[int | None, list[int]]:
    """The threshold to remind of today (None: nothing) and every threshold it settles.

    On or after the expiry date that is the expiry itself (0); before it, the nearest of
    the thresholds reached and not yet reminded, which settles the farther ones too."""
    done = set(sent)
    days_left = (expires_on - today).days
    if days_left <= 0:
        return (None, []) if EXPIRED in done else (EXPIRED, [EXPIRED])
    reached = [day for day in thresholds if days_left <= day and day not in done]
    if not reached:
        return None, []
    return min(reached), reached


def _officers_over(supplier: Supplier, cache: dict[str, list[Person]]) -> list[Person]:
    path = supplier.unit.path
    if path not in cache:
        assignments = RoleAssignment.objects.filter(role=Role.PROCUREMENT_OFFICER).select_related(
            "person", "unit"
        )
        people: dict[int, Person] = {}
        for assignment in assignments:
            if assignment.person.is_active and path.startswith(assignment.unit.path):
                people[assignment.person.pk] = assignment.person
        cache[path] = list(people.values())
    return cache[path]


def recipients(supplier: Supplier, cache: dict[str, list[Person]]) -> list[Person]:
    manager = supplier.manager
    if manager is not None and manager.is_active:
        return [manager]
    return _officers_over(supplier, cache)


def _candidates(today: dt.date, farthest: int) -> QuerySet[QualificationDocument]:
    return QualificationDocument.objects.filter(
        expires_on__isnull=False, expires_on__lte=today + dt.timedelta(days=farthest)
    ).select_related("supplier__manager", "supplier__unit")


def _message(document: QualificationDocument, threshold: int, today: dt.date) -> tuple[str, str]:
    supplier = document.supplier
    values = {"document": document.get_kind_display(), "supplier": str(supplier)}
    assert document.expires_on is not None
    if threshold == EXPIRED:
        title = _("Expired: %(document)s of %(supplier)s") % values
        body = _(
            "The document expired on %(date)s. Ask the supplier for the renewed document and record it."
        ) % {"date": document.expires_on.isoformat()}
        return title, body
    days = (document.expires_on - today).days
    title = ngettext(
        "%(document)s of %(supplier)s expires in %(days)d day",
        "%(document)s of %(supplier)s expires in %(days)d days",
        days,
    ) % {**values, "days": days}
    body = _("It expires on %(date)s. Ask the supplier for the renewed document in time.") % {
        "date": document.expires_on.isoformat()
    }
    return title, body


def remind_expiring_documents(today: dt.date) -> tuple[int, int]:
    """Send the reminders due today; returns (documents due a reminder, notifications sent)."""
    thresholds = reminder_days()
    cache: dict[str, list[Person]] = {}
    found = sent = 0
    for document in _candidates(today, max(thresholds, default=0)).iterator(chunk_size=500):
        assert document.expires_on is not None
        threshold, settled = due_threshold(
            document.expires_on, today, thresholds, document.reminders_sent or []
        )
        if threshold is None:
            continue
        found += 1
        kind = kinds.DOCUMENT_EXPIRED if threshold == EXPIRED else kinds.DOCUMENT_EXPIRING
        for person in recipients(document.supplier, cache):
            with translation.override(notifications.language_of(person)):
                title, body = _message(document, threshold, today)
            notification = notifications.notify(
                person,
                kind.code,
                title=title,
                body=body,
                link=object_url("suppliers.supplier", document.supplier_id) or "",
                target=document,
                dedupe_key=f"{kind.code}:{document.pk}:{document.expires_on.isoformat()}:{threshold}",
            )
            sent += notification is not None
        # Bookkeeping of the job, not a change of the document: not audited.
        reminded = sorted({*(document.reminders_sent or []), *settled})
        QualificationDocument.objects.filter(pk=document.pk).update(reminders_sent=reminded)
    return found, sent
