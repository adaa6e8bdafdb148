"""Express access after the approval: suppliers qualified on the express path owe a
complete review (a standard access application approved) by their due date. The supplier
manager is reminded before it is due; once overdue, the express access lapses, the
supplier goes back to prospective and its manager is told. Both run from the daily job
in garrison.suppliers.tasks_access and are safe to run again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import audit
from garrison.core.models import Person
from garrison.core.models.audit import AuditAction
from garrison.core.services.notifications import notify
from garrison.suppliers import notifications_access as kinds
from garrison.suppliers.models import (
    AccessPath,
    ApplicationStatus,
    StatusChangeSource,
    Supplier,
    SupplierStatus,
)
from garrison.suppliers.services import classification
from garrison.suppliers.workflows_access import AccessWorkflow
from garrison.web.links import object_url

# The supplier manager is reminded this many days before an express review is due.
REVIEW_REMINDER_DAYS = 14


def _supplier_url(supplier: Supplier) -> str:
    return object_url("suppliers.supplier", supplier.pk) or ""


# Express access: reminders and lapse ------------------------------------------------------------


def express_suppliers() -> QuerySet[Supplier]:
    """Suppliers qualified on express access whose complete review is still to come."""
    return Supplier.objects.filter(access_path=AccessPath.EXPRESS, full_review_due__isnull=False)


def _standard_approved_since(supplier: Supplier) -> bool:
    express = (
        supplier.access_applications.filter(path=AccessPath.EXPRESS, status=ApplicationStatus.APPROVED)
        .order_by("-decided_at")
        .first()
    )
    standard = supplier.access_applications.filter(
        path=AccessPath.STANDARD, status=ApplicationStatus.APPROVED
    )
    if express is not None and express.decided_at is not None:
        standard = standard.filter(decided_at__gte=express.decided_at)
    return standard.exists()


def _express_contact(supplier: Supplier) -> Person | None:
    if supplier.manager is not None:
        return supplier.manager
    application = supplier.access_applications.filter(path=AccessPath.EXPRESS).order_by("-created_at").first()
    return application.requested_by if application is not None else None


def remind_express_reviews_due(*, today: dt.date) -> int:
    """Tell the supplier manager, once per due date, that an express supplier's complete
    review is due within REVIEW_REMINDER_DAYS; returns the reminders sent."""
    soon = express_suppliers().filter(
        full_review_due__gte=today, full_review_due__lte=today + dt.timedelta(days=REVIEW_REMINDER_DAYS)
    )
    sent = 0
    for supplier in soon.select_related("manager").iterator(chunk_size=500):
        recipient = _express_contact(supplier)
        if recipient is None:
            continue
        due = supplier.full_review_due
        assert due is not None
        notification = notify(
            recipient,
            kinds.EXPRESS_REVIEW_DUE.code,
            title=format_lazy(
                gettext_lazy("Complete review of {supplier} due {due}"),
                supplier=supplier.display_name,
                due=due.isoformat(),
            ),
            body=gettext_lazy(
                "The supplier is qualified on express access. Start and complete a standard access "
                "application by the due date, or the express access lapses."
            ),
            link=_supplier_url(supplier),
            target=supplier,
            dedupe_key=f"{kinds.EXPRESS_REVIEW_DUE.code}:{supplier.pk}:{due.isoformat()}",
        )
        sent += notification is not None
    return sent


def lapse_overdue_express_access(*, today: dt.date) -> int:
    """Lapse the express access of suppliers whose complete review was due before `today`
    and for whom no standard application was approved since: the express application
    lapses, the supplier goes back to prospective and its manager is told. Safe to run
    again: a lapsed supplier no longer has a review due. Returns the suppliers lapsed."""
    lapsed = 0
    overdue = express_suppliers().filter(full_review_due__lt=today).values_list("pk", flat=True)
    for supplier_pk in list(overdue):
        lapsed += _lapse(supplier_pk, today)
    return lapsed


@transaction.atomic
def _lapse(supplier_pk: int, today: dt.date) -> int:
    supplier = (
        Supplier.objects.select_for_update(of=("self",))
        .select_related("manager")
        .filter(pk=supplier_pk)
        .first()
    )
    if supplier is None or supplier.access_path != AccessPath.EXPRESS or supplier.full_review_due is None:
        return 0
    if supplier.full_review_due >= today:
        return 0
    due = supplier.full_review_due
    before = audit.snapshot(supplier)
    if _standard_approved_since(supplier):
        # The review was done (an older record kept a due date): complete it rather than lapse.
        supplier.access_path = AccessPath.STANDARD
        supplier.full_review_due = None
        supplier.save(update_fields=["access_path", "full_review_due", "updated_at"])
        audit.record(
            supplier, AuditAction.UPDATE, by=None, changes=audit.diff(before, audit.snapshot(supplier))
        )
        return 0
    reason = _("The complete review of express access was due on %(due)s and was not done.") % {
        "due": due.isoformat()
    }
    for application in supplier.access_applications.filter(
        path=AccessPath.EXPRESS, status=ApplicationStatus.APPROVED
    ):
        AccessWorkflow.apply(application, "lapse", by=None, reason=reason)
    supplier.access_path = ""
    supplier.qualified_at = None
    supplier.full_review_due = None
    supplier.save(update_fields=["access_path", "qualified_at", "full_review_due", "updated_at"])
    audit.record(
        supplier,
        AuditAction.UPDATE,
        by=None,
        changes=audit.diff(before, audit.snapshot(supplier)),
        reason=reason,
    )
    if supplier.status == SupplierStatus.QUALIFIED:
        classification.set_status_by_system(
            supplier,
            SupplierStatus.PROSPECTIVE,
            source=StatusChangeSource.EXPRESS_LAPSE,
            reason=reason,
            by=None,
        )
    recipient = _express_contact(supplier)
    if recipient is not None:
        notify(
            recipient,
            kinds.EXPRESS_LAPSED.code,
            title=format_lazy(
                gettext_lazy("Express access lapsed: {supplier}"), supplier=supplier.display_name
            ),
            body=gettext_lazy(
                "The complete review was not done by its due date; the supplier is prospective again. "
                "Start a standard access application to qualify it."
            ),
            link=_supplier_url(supplier),
            target=supplier,
            dedupe_key=f"{kinds.EXPRESS_LAPSED.code}:{supplier.pk}:{due.isoformat()}",
        )
    return 1


def overdue_review_condition(today: dt.date) -> Any:
    """Approved express applications whose supplier's complete review is overdue."""
    return Exists(
        Supplier.objects.filter(
            pk=OuterRef("supplier_id"), access_path=AccessPath.EXPRESS, full_review_due__lt=today
        )
    )
