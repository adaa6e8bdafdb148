"""Notification kinds of the supplier master: qualification documents about to expire
and expired (sent by the daily job in garrison.suppliers.tasks)."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

DOCUMENT_EXPIRING = register(
    "suppliers.document-expiring",
    _("Supplier document about to expire"),
    description=_(
        "A licence or certificate of a supplier you manage expires soon (reminders at the days "
        "the supplier policy sets)."
    ),
)
DOCUMENT_EXPIRED = register(
    "suppliers.document-expired",
    _("Supplier document expired"),
    description=_("A licence or certificate of a supplier you manage has expired."),
)
