"""Notification kinds of supplier classification: status changes under four eyes and
rectification follow-up."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

STATUS_CHANGE_PROPOSED = register(
    "suppliers.status-change-proposed",
    _("Supplier status change to decide"),
    description=_(
        "Someone proposes a change of a supplier's status that you have the authority to approve or reject."
    ),
)
STATUS_CHANGE_DECIDED = register(
    "suppliers.status-change-decided",
    _("Supplier status change decided"),
    description=_("A status change you proposed was approved, rejected or set aside."),
)
RECTIFICATION_DUE = register(
    "suppliers.rectification-due",
    _("Rectification action due"),
    description=_("An action of a rectification plan you follow up is due within 7 days or overdue."),
)
