"""Notification kinds of the weekly log audits: a report to sign, an audit that could not
run, and a report left unsigned past the policy's delay."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

REPORT_AWAITING_SIGN_OFF = register(
    "logaudit.report-awaiting-sign-off",
    _("Log audit report to sign"),
    description=_(
        "The weekly audit of a log source you review has run: triage its findings and sign the report."
    ),
)
AUDIT_FAILED = register(
    "logaudit.audit-failed",
    _("Log audit failed"),
    description=_("The weekly audit of a log source you review could not run; nothing was recorded."),
)
REPORT_ESCALATED = register(
    "logaudit.report-escalated",
    _("Log audit report left unsigned"),
    description=_(
        "A weekly log audit report in a unit where you may sign has waited longer than the policy allows."
    ),
)
