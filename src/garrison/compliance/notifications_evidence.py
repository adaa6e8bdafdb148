"""Notification kinds about evidence: requests, their delivery, and validity running out."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

EVIDENCE_REQUESTED = register(
    "compliance.evidence-requested",
    _("Evidence requested"),
    description=_("Someone asks you for evidence by a date."),
)
EVIDENCE_REQUEST_FULFILLED = register(
    "compliance.evidence-request-fulfilled",
    _("Evidence delivered"),
    description=_("Evidence you asked for was delivered."),
)
EVIDENCE_REQUEST_CANCELLED = register(
    "compliance.evidence-request-cancelled",
    _("Evidence request cancelled"),
    description=_("A request for evidence from you was withdrawn."),
)
EVIDENCE_REQUEST_DUE = register(
    "compliance.evidence-request-due",
    _("Evidence request due or overdue"),
    description=_(
        "Evidence asked from you is due in 3 days or overdue; overdue by a week, its requester is told."
    ),
)
EVIDENCE_EXPIRING = register(
    "compliance.evidence-expiring",
    _("Evidence expiring"),
    description=_("Evidence you own stops being valid in 30, 7 or 1 days, or stopped today."),
)
