"""Notification kinds of supplier access: decisions, objections, express reviews due and lapsed."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

ACCESS_DECIDED = register(
    "suppliers.access-decided",
    _("Supplier access decided"),
    description=_(
        "An access application you requested, or for a supplier you manage, was approved or rejected."
    ),
)
OBJECTION_LODGED = register(
    "suppliers.access-objection",
    _("Objection to a supplier shortlist"),
    description=_(
        "An objection was lodged during the publicity period of an access application you requested."
    ),
)
EXPRESS_REVIEW_DUE = register(
    "suppliers.express-review-due",
    _("Express access review due"),
    description=_("A supplier you manage on express access needs its complete review within two weeks."),
)
EXPRESS_LAPSED = register(
    "suppliers.express-lapsed",
    _("Express access lapsed"),
    description=_("A supplier you manage lost its express access: the complete review was not done in time."),
)
