"""Notification kinds about findings: their exceptions and their SLA clocks."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

EXCEPTION_REQUESTED = register(
    "vulns.exception-requested",
    _("Finding exception to decide"),
    description=_(
        "Someone asks to accept the risk of a finding, or to call it a false positive, "
        "in a unit where you may decide."
    ),
)
EXCEPTION_DECIDED = register(
    "vulns.exception-decided",
    _("Finding exception decided"),
    description=_("Your request for an exception to the remediation of a finding was approved or rejected."),
)
EXCEPTION_EXPIRED = register(
    "vulns.exception-expired",
    _("Finding risk acceptance expired"),
    description=_(
        "The accepted risk of a finding you asked for, or on an asset you own, expired: it is open again."
    ),
)
FINDINGS_OVERDUE = register(
    "vulns.findings-overdue",
    _("Findings overdue"),
    description=_("Findings on your assets, or in your unit, passed their remediation due date."),
)
