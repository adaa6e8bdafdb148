"""Notification kinds the risk register sends."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

TREATMENT_OVERDUE = register(
    "risks.treatment-overdue",
    _("Treatment action overdue"),
    description=_("A treatment action you own is past its due date."),
)
ACCEPTANCE_EXPIRING = register(
    "risks.acceptance-expiring",
    _("Risk acceptance expiring"),
    description=_("An accepted risk you own expires in 30, 7 or 1 days."),
)
ACCEPTANCE_EXPIRED = register(
    "risks.acceptance-expired",
    _("Risk acceptance expired"),
    description=_("An accepted risk you own expired and is back for review."),
)
ACCEPTANCE_REQUESTED = register(
    "risks.acceptance-requested",
    _("Risk acceptance to decide"),
    description=_("Someone asks to accept a risk you have the authority to decide on."),
)
ACCEPTANCE_DECIDED = register(
    "risks.acceptance-decided",
    _("Risk acceptance decided"),
    description=_("Your request to accept a risk was approved or rejected."),
)
REVIEW_ASSIGNED = register(
    "risks.review-assigned",
    _("Risk review assigned"),
    description=_("An assessment campaign asks you to review and re-rate a risk scenario."),
)
