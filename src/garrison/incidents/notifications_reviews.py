"""Notification kinds of post-incident reviews: corrective actions assigned and overdue."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

REVIEW_ACTION_ASSIGNED = register(
    "incidents.review-action-assigned",
    _("Incident corrective action assigned"),
    description=_("You owe a corrective action decided in a post-incident review."),
)
REVIEW_ACTION_OVERDUE = register(
    "incidents.review-action-overdue",
    _("Incident corrective action overdue"),
    description=_("A corrective action of a post-incident review you own is past its due date."),
)
