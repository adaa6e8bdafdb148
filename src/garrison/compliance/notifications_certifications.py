"""Notification kinds of the certification register."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

CERTIFICATION_EXPIRING = register(
    "compliance.certification-expiring",
    _("Certification expiring"),
    description=_("A certification you own expires in 90, 30 or 7 days."),
)
CERTIFICATION_EXPIRED = register(
    "compliance.certification-expired",
    _("Certification expired"),
    description=_("A certification you own expires today or has expired without a renewal on record."),
)
SURVEILLANCE_AUDIT_DUE = register(
    "compliance.surveillance-audit-due",
    _("Surveillance audit coming"),
    description=_(
        "A surveillance or recertification audit of a certification you own is 90, 30 or 7 days away."
    ),
)
